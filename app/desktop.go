//go:build desktop

package app

import (
	"context"

	"github.com/wailsapp/wails/v2"
	"github.com/wailsapp/wails/v2/pkg/options"
	"github.com/wailsapp/wails/v2/pkg/options/assetserver"
	"github.com/wailsapp/wails/v2/pkg/options/linux"
	"github.com/wailsapp/wails/v2/pkg/runtime"

	"github.com/meshflow/meshflow/build"
)

// DesktopAvailable reports whether this binary was built with the desktop
// window. Without it, running meshflow with no arguments starts the server.
const DesktopAvailable = true

// RunDesktop shows the UI in a native window until the user closes it or ctx
// is cancelled. Every request from the window goes to the same handler that
// `meshflow serve` uses, so both faces stay identical.
func (a *App) RunDesktop(ctx context.Context) error {
	return wails.Run(&options.App{
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
}
