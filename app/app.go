// Package app is meshflow's composition root: it resolves the configuration,
// prepares the data dir, opens the store and wires the UI, then runs it as a
// local web server or, when built with the desktop tag, in a Wails window.
// No other package imports app; concrete types meet only here.
package app

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/meshflow/meshflow/backend/auth"
	"github.com/meshflow/meshflow/backend/cloud/connections"
	"github.com/meshflow/meshflow/backend/vault"
	"github.com/meshflow/meshflow/frontend"
	"github.com/meshflow/meshflow/store"
)

// Options are what the caller of Open supplies besides the configuration.
type Options struct {
	Version  string
	Examples fs.FS // starter DAGs seeded into a new data dir
	Logger   *slog.Logger
	// Exclusive makes this process the data dir's one owner (see
	// DataDir.Lock): required for anything that serves or runs tasks, not
	// for one-off commands such as a backup.
	Exclusive bool
}

// App is an open data dir with everything built on top of it.
type App struct {
	Config    Config
	Dir       DataDir
	Store     *store.Store
	Logger    *slog.Logger
	version   string
	startedAt time.Time
	unlock    func()

	workflowsOnce sync.Once
	workflows     *Workflows
	authOnce      sync.Once
	auth          *auth.Auth
	keysOnce      sync.Once
	keys          *vault.Keys
	inventoryState
}

// Open prepares the data dir (creating and seeding it on first start) and
// opens its database.
func Open(ctx context.Context, cfg Config, opts Options) (*App, error) {
	a := &App{
		Config:    cfg,
		Dir:       DataDir(cfg.DataDir),
		Logger:    opts.Logger,
		version:   opts.Version,
		startedAt: time.Now(),
	}
	if a.Logger == nil {
		a.Logger = slog.New(slog.DiscardHandler)
	}
	if err := a.Dir.Prepare(opts.Examples); err != nil {
		return nil, err
	}
	if opts.Exclusive {
		unlock, err := a.Dir.Lock()
		if err != nil {
			return nil, err
		}
		a.unlock = unlock
	}
	st, err := store.Open(ctx, a.Dir.DB())
	if err != nil {
		a.release()
		return nil, err
	}
	st.SetVMDefaults(cfg.VMs)
	a.Store = st
	return a, nil
}

// Close closes the database and gives up the data dir.
func (a *App) Close() error {
	err := a.Store.Close()
	a.release()
	if err != nil {
		return fmt.Errorf("close: %w", err)
	}
	return nil
}

func (a *App) release() {
	if a.unlock != nil {
		a.unlock()
		a.unlock = nil
	}
}

// Handler builds the UI handler. desktop says it will run inside the Wails
// window rather than behind a network listener. The UI shows and acts on
// the workflow system, which the caller runs (StartWorkflows).
func (a *App) Handler(desktop bool) http.Handler {
	info := frontend.Info{
		Version:    a.version,
		Desktop:    desktop,
		DataDir:    string(a.Dir),
		DBPath:     a.Dir.DB(),
		DAGDir:     a.Dir.DAGs(),
		ConfigFile: filepath.Join(string(a.Dir), ConfigFileName),
		LogLevel:   a.Config.LogLevel.String(),
		StartedAt:  a.startedAt,
	}
	if !desktop {
		info.Addr = a.Config.Addr
	}
	// The desktop window needs no sign-in: no other program can reach it.
	var sessions frontend.Sessions
	if !desktop {
		sessions = a.Auth()
	}
	w := a.Workflows()
	conns := a.Connections()
	prices, err := a.Prices()
	if err != nil {
		// The pages show no costs rather than none at all; the log says
		// which line of prices.csv to fix.
		a.Logger.Error("VM prices", "err", err)
	}
	home, _ := os.UserHomeDir() // none: the import looks only at the environment
	return frontend.New(frontend.Options{
		Store:           a.Store,
		Installation:    a.Store,
		Workflows:       w.Service,
		Control:         w.Service,
		History:         w.Service,
		Variables:       a.Variables(),
		Connections:     conns,
		ConnectionEdits: conns,
		ImportFrom:      connections.Places{Home: home, Getenv: os.Getenv},
		Inventory:       a.Inventory(),
		Prices:          prices,
		Logs:            w.Logs,
		Events:          w.Events,
		Info:            info,
		Logger:          a.Logger,
		CheckOrigin:     !desktop,
		Sessions:        sessions,
	})
}
