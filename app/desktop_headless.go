//go:build !desktop

package app

import (
	"context"
	"errors"
)

// DesktopAvailable reports whether this binary was built with the desktop
// window. This one was not: it is the headless server, with no GTK or
// WebKit dependency.
const DesktopAvailable = false

// RunDesktop explains how to get the desktop window.
func (a *App) RunDesktop(context.Context) error {
	return errors.New("this meshflow binary was built without the desktop window: " +
		"use `meshflow serve`, or build the desktop app with `make desktop`")
}
