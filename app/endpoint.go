package app

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/meshflow/meshflow/backend/api"
)

// Endpoint tells CLI commands where the process that owns a data dir
// listens for the API, and the token it accepts. It is written to
// server.json (mode 0600, so only the same user can read the token) while
// that process runs.
type Endpoint struct {
	URL   string `json:"url"`
	Token string `json:"token"`
	PID   int    `json:"pid"`
}

func (d DataDir) endpointFile() string { return filepath.Join(string(d), "server.json") }

// newToken makes a random API token.
func newToken() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// publishEndpoint writes the endpoint file atomically and returns a func
// that removes it.
func (d DataDir) publishEndpoint(e Endpoint) (func(), error) {
	data, err := json.Marshal(e)
	if err != nil {
		return nil, err
	}
	tmp := d.endpointFile() + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return nil, fmt.Errorf("publish endpoint: %w", err)
	}
	if err := os.Rename(tmp, d.endpointFile()); err != nil {
		return nil, fmt.Errorf("publish endpoint: %w", err)
	}
	return func() { _ = os.Remove(d.endpointFile()) }, nil
}

// ErrNoServer means no meshflow process owns the data dir.
var ErrNoServer = errors.New("no meshflow is running on this data dir")

// ErrStarting means the process that owns the data dir has not published
// its endpoint yet.
var ErrStarting = errors.New("meshflow is starting")

// Remote returns an API client for the meshflow process that owns the data
// dir, or ErrNoServer. A leftover endpoint file of a process that died is
// recognised by the lock being free.
func (d DataDir) Remote() (*api.Client, error) {
	data, err := os.ReadFile(d.endpointFile())
	if errors.Is(err, os.ErrNotExist) {
		return nil, ErrNoServer
	}
	if err != nil {
		return nil, err
	}
	if release, err := d.Lock(); err == nil {
		release() // nobody holds the data dir: the file is stale
		_ = os.Remove(d.endpointFile())
		return nil, ErrNoServer
	}
	var e Endpoint
	if err := json.Unmarshal(data, &e); err != nil {
		return nil, fmt.Errorf("read %s: %w", d.endpointFile(), err)
	}
	// The file may be a dead process's, with a new one still starting.
	if holder := d.lockHolder(); holder != 0 && holder != e.PID {
		return nil, fmt.Errorf("%w: meshflow (pid %d) is starting on this data dir; try again in a moment", ErrStarting, holder)
	}
	return &api.Client{BaseURL: e.URL, Token: e.Token}, nil
}
