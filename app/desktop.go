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
	stop, err := a.runBackground(ctx)
	if err != nil {
		return err
	}
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
			// SIGINT/SIGTERM cancel ctx: close the window the same way the
			// user would, so shutdown runs its normal course.
			go func() {
				<-ctx.Done()
				runtime.Quit(wailsCtx)
			}()
		},
		Linux: &linux.Options{
			Icon:             build.AppIcon,
			ProgramName:      "meshflow",
			WebviewGpuPolicy: linux.WebviewGpuPolicyOnDemand,
		},
	})
	return errors.Join(err, stop())
}

// runBackground runs, for the desktop window, what serve runs beside the
// UI: the workflow system, and the API on a loopback port of its own so
// that CLI commands can act through this process. stop ends both.
func (a *App) runBackground(ctx context.Context) (stop func() error, err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("api listener: %w", err)
	}
	token := newToken()
	srv := &http.Server{Handler: loopbackHostsOnly(api.Handler(a.Workflows().Service, token, a.Logger)), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	stopWorkflows := a.StartWorkflows(ctx)
	unpublish, err := a.Dir.publishEndpoint(Endpoint{URL: "http://" + ln.Addr().String(), Token: token, PID: os.Getpid()})
	if err != nil {
		return nil, errors.Join(err, srv.Close(), stopWorkflows())
	}
	return func() error {
		unpublish()
		shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
		defer cancel()
		return errors.Join(srv.Shutdown(shutdownCtx), stopWorkflows())
	}, nil
}
