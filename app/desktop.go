//go:build desktop

package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/wailsapp/wails/v2"
	"github.com/wailsapp/wails/v2/pkg/options"
	"github.com/wailsapp/wails/v2/pkg/options/assetserver"
	"github.com/wailsapp/wails/v2/pkg/options/linux"
	"github.com/wailsapp/wails/v2/pkg/runtime"

	"github.com/meshflow/meshflow/backend/api"
	"github.com/meshflow/meshflow/build"
)

// DesktopAvailable reports whether this binary was built with the desktop
// window. Without it, running meshflow with no arguments starts the server.
const DesktopAvailable = true

// RunDesktop shows the UI in a native window until the user closes it or ctx
// is cancelled. Every request from the window goes to the same handler that
// `meshflow serve` uses, so both faces stay identical.
func (a *App) RunDesktop(ctx context.Context) error {
	stop, failed, err := a.runBackground(ctx)
	if err != nil {
		return err
	}
	closed := make(chan struct{}) // the window is gone: Run has returned
	err = wails.Run(&options.App{
		Title:     build.WindowTitle,
		Width:     build.WindowWidth,
		Height:    build.WindowHeight,
		MinWidth:  build.WindowMinWidth,
		MinHeight: build.WindowMinHeight,
		AssetServer: &assetserver.Options{
			Handler: a.Handler(true),
		},
		OnStartup: func(wailsCtx context.Context) {
			a.Logger.Info("desktop window started", "data", string(a.Dir))
			// A failed workflow system closes the window the way the user
			// would, so shutdown runs its normal course and stop returns
			// the reason. SIGINT and SIGTERM also cancel ctx, but Wails
			// closes the window on those itself, and a second quit racing
			// its teardown crashes GTK: ctx closes the window only if it
			// is still open a moment later (a cancel that was no signal).
			go func() {
				select {
				case <-ctx.Done():
					select {
					case <-closed:
						return
					case <-time.After(2 * time.Second):
					}
				case <-failed:
					a.Logger.Error("workflow system stopped; closing the window")
				case <-closed:
					return
				}
				runtime.Quit(wailsCtx)
			}()
		},
		Linux: &linux.Options{
			Icon:             build.AppIcon,
			ProgramName:      "meshflow",
			WebviewGpuPolicy: linux.WebviewGpuPolicyOnDemand,
		},
	})
	close(closed)
	return errors.Join(err, stop())
}

// runBackground runs, for the desktop window, what serve runs beside the
// UI: the workflow system, and the API on a loopback port of its own so
// that CLI commands can act through this process. stop ends both; failed
// is closed if the workflow system stops on its own.
func (a *App) runBackground(ctx context.Context) (stop func() error, failed <-chan struct{}, err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, fmt.Errorf("api listener: %w", err)
	}
	token := newToken()
	srv := &http.Server{Handler: loopbackHostsOnly(api.Handler(a.Workflows().Service, a.Store, token, a.Logger, a.Connections(), a.Inventory())), ReadHeaderTimeout: 10 * time.Second}
	workflows, err := a.StartWorkflows(ctx)
	if err != nil {
		return nil, nil, errors.Join(err, ln.Close())
	}
	go func() { _ = srv.Serve(ln) }()
	unpublish, err := a.Dir.publishEndpoint(Endpoint{URL: "http://" + ln.Addr().String(), Token: token, PID: os.Getpid()})
	if err != nil {
		return nil, nil, errors.Join(err, srv.Close(), workflows.Stop())
	}
	return func() error {
		unpublish()
		shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
		defer cancel()
		return errors.Join(srv.Shutdown(shutdownCtx), workflows.Stop())
	}, workflows.Done(), nil
}
