package vault

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"
)

// Keys finds a data dir's master key where it lives — its key file, or
// the OS keyring — and opens the Vault under it, once. Which one holds the
// key is decided when the key is made and then never changes: a data dir
// with a key file keeps using it, so no sealed secret is ever stranded.
type Keys struct {
	dir     string
	prints  Fingerprints
	keyring Keyring // nil: the key file only; guarded by mu once made
	timeout time.Duration
	// keyringName names the keyring for people, fixed at NewKeys so
	// Source need not lock.
	keyringName string

	mu     sync.Mutex
	vault  *Vault
	key    []byte
	source string
}

// Keyring is the OS keyring; SystemKeyring is the real one.
type Keyring interface {
	// Name says which keyring it is, for people: "Secret Service".
	Name() string
	Get(service, account string) (string, error)
	Set(service, account, secret string) error
}

// Fingerprints keeps the fingerprint of the key a data dir's secrets are
// sealed under, and where the key lives; *store.Store is one. Keeping it
// in the database means a backup carries the fingerprint of its own key.
type Fingerprints interface {
	KeyFingerprint(ctx context.Context) (fingerprint, source string, err error)
	SetKeyFingerprint(ctx context.Context, fingerprint, source string) error
}

// KeyOptions configure where a new master key goes.
type KeyOptions struct {
	// Keyring, when set, is where a new key is kept (the desktop, where
	// the OS keyring guards it with the user's login); nil keeps new keys
	// in the key file. A key already in a keyring is read through it
	// whatever this says.
	Keyring Keyring
	// Timeout bounds each keyring call: a locked Secret Service can wait
	// for an unlock prompt forever. Zero means 5 s.
	Timeout time.Duration
}

// The fingerprint's sources.
const (
	SourceKeyring = "keyring"
	SourceFile    = "file"
)

// keyringService is the keyring entry's service; the account names the
// data dir, so two data dirs of one user keep two keys.
const keyringService = "meshflow"

// ErrWrongKey means the master key found is not the one the data dir's
// secrets were sealed under.
var ErrWrongKey = errors.New("vault: wrong master key")

// NewKeys returns the master key of the data dir dir, whose fingerprint
// prints keeps.
func NewKeys(dir string, prints Fingerprints, opts KeyOptions) *Keys {
	if opts.Timeout == 0 {
		opts.Timeout = 5 * time.Second
	}
	name := SystemKeyring().Name()
	if opts.Keyring != nil {
		name = opts.Keyring.Name()
	}
	return &Keys{dir: dir, prints: prints, keyring: opts.Keyring, timeout: opts.Timeout, keyringName: name}
}

// KeyFile is the key file's path.
func (k *Keys) KeyFile() string { return filepath.Join(k.dir, KeyFileName) }

// Vault opens the vault under the data dir's key. Without a key it is
// ErrNoKey, unless create, which makes one (for sealing a new secret). A
// key whose fingerprint is not the one recorded is ErrWrongKey, loudly,
// never a fresh key: one would seal new secrets beside old ones that
// nothing opens.
func (k *Keys) Vault(ctx context.Context, create bool) (*Vault, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.vault != nil {
		return k.vault, nil
	}
	want, wantSource, err := k.prints.KeyFingerprint(ctx)
	if err != nil {
		return nil, fmt.Errorf("vault: %w", err)
	}
	key, source, err := k.find(wantSource, create)
	if err != nil {
		return nil, err
	}
	got := Fingerprint(key)
	if want != "" && got != want {
		return nil, fmt.Errorf("%w: the key in %s does not match the one this data dir was sealed with (fingerprint %s, want %s): "+
			"put the right key back (a backup's FILE.key, or the keyring entry %s), or its secrets cannot be opened",
			ErrWrongKey, k.describe(source), got, want, k.account())
	}
	if want == "" {
		if err := k.prints.SetKeyFingerprint(ctx, got, source); err != nil {
			return nil, fmt.Errorf("vault: %w", err)
		}
	}
	v, err := fromKey(k.describe(source), key)
	if err != nil {
		return nil, err
	}
	k.vault, k.key, k.source = v, key, source
	return v, nil
}

// find reads the key from the key file, else from the keyring when the
// data dir keeps it there, else makes one if create.
func (k *Keys) find(recorded string, create bool) ([]byte, string, error) {
	key, err := os.ReadFile(k.KeyFile())
	switch {
	case err == nil:
		return key, SourceFile, nil
	case !errors.Is(err, os.ErrNotExist):
		return nil, "", fmt.Errorf("vault: %w", err)
	}
	if recorded == SourceKeyring {
		return k.fromKeyring()
	}
	if recorded == SourceFile {
		return nil, "", fmt.Errorf("%w (%s), though its secrets were sealed with one: put it back from a backup (FILE.key)", ErrNoKey, k.KeyFile())
	}
	if !create {
		return nil, "", fmt.Errorf("%w (%s)", ErrNoKey, k.KeyFile())
	}
	if k.keyring != nil {
		if key, err := k.newInKeyring(); err == nil {
			return key, SourceKeyring, nil
		}
		// The keyring refused or did not answer: the key file will do.
	}
	key, err = createKey(k.KeyFile())
	if err != nil {
		return nil, "", fmt.Errorf("vault: %w", err)
	}
	return key, SourceFile, nil
}

func (k *Keys) fromKeyring() ([]byte, string, error) {
	kr := k.keyring
	if kr == nil {
		kr = SystemKeyring()
	}
	account := k.account()
	s, err := k.call(func() (string, error) { return kr.Get(keyringService, account) })
	if err != nil {
		return nil, "", fmt.Errorf("vault: this data dir's secrets were sealed with a key kept in the OS keyring (%s, entry %s %s), which cannot be read: %w; "+
			"unlock the keyring, or run meshflow in your desktop session", kr.Name(), keyringService, k.account(), err)
	}
	key, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, "", fmt.Errorf("%w: the keyring entry %s %s is not a meshflow key", ErrWrongKey, keyringService, k.account())
	}
	return key, SourceKeyring, nil
}

func (k *Keys) newInKeyring() ([]byte, error) {
	key := make([]byte, keySize)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	enc, kr, account := base64.StdEncoding.EncodeToString(key), k.keyring, k.account()
	_, err := k.call(func() (string, error) { return "", kr.Set(keyringService, account, enc) })
	return key, err
}

// call runs a keyring call under the timeout. A call that times out keeps
// its goroutine (a D-Bus call cannot be cancelled), so the keyring is not
// asked again by this process.
func (k *Keys) call(f func() (string, error)) (string, error) {
	type result struct {
		s   string
		err error
	}
	done := make(chan result, 1)
	go func() {
		s, err := f()
		done <- result{s, err}
	}()
	select {
	case r := <-done:
		return r.s, r.err
	case <-time.After(k.timeout):
		k.keyring = nil
		return "", fmt.Errorf("the keyring did not answer within %s (locked, waiting for an unlock prompt?)", k.timeout)
	}
}

// account names this data dir's entry in the keyring.
func (k *Keys) account() string {
	abs, err := filepath.Abs(k.dir)
	if err != nil {
		abs = k.dir
	}
	return "master-key " + abs
}

// Source says where the key is, for the UI and `meshflow cloud list`:
// "OS keyring (Secret Service)" or "key file /home/ann/.meshflow/secret.key".
// Before the first key is made it says where one would go.
func (k *Keys) Source(ctx context.Context) string {
	k.mu.Lock()
	source, kr := k.source, k.keyring
	k.mu.Unlock()
	if source == "" {
		if _, err := os.Stat(k.KeyFile()); err == nil {
			source = SourceFile // a key file is used first, whatever was recorded
		} else {
			_, source, _ = k.prints.KeyFingerprint(ctx)
		}
	}
	switch {
	case source != "":
		return k.describe(source)
	case kr != nil:
		return k.describe(SourceKeyring) + ", once the first secret is set"
	}
	return k.describe(SourceFile) + ", once the first secret is set"
}

func (k *Keys) describe(source string) string {
	if source == SourceKeyring {
		return "OS keyring (" + k.keyringName + ")"
	}
	return "key file " + k.KeyFile()
}

// Key returns the master key itself, for a backup to carry beside it; nil
// when the data dir has none yet.
func (k *Keys) Key(ctx context.Context) ([]byte, error) {
	if _, err := k.Vault(ctx, false); err != nil {
		if errors.Is(err, ErrNoKey) {
			return nil, nil
		}
		return nil, err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.key, nil
}

// Fingerprint names a key without saying it: the first 8 bytes of its
// SHA-256, in hex.
func Fingerprint(key []byte) string {
	sum := sha256.Sum256(key)
	return hex.EncodeToString(sum[:8])
}

// KeyringUsable reports whether an OS keyring can be asked without
// risking a hang: on Linux and the BSDs the Secret Service needs a D-Bus
// session, which a headless box (a server, a container, CI) does not have.
func KeyringUsable(getenv func(string) string) bool {
	switch runtime.GOOS {
	case "darwin", "windows":
		return true
	case "linux", "freebsd", "openbsd", "netbsd", "dragonfly":
		return getenv("DBUS_SESSION_BUS_ADDRESS") != ""
	}
	return false
}
