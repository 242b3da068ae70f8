// Package build holds the desktop app's packaging assets — the icon, the
// window's title and size — in one place for both the Wails shell in app/
// and the platform build files next to this one.
package build

import _ "embed"

// AppIcon is the application icon, 512×512 PNG, drawn from
// frontend/static/img/logo.svg.
//
//go:embed appicon.png
var AppIcon []byte

// The desktop window's title and size, in device-independent pixels.
const (
	WindowTitle     = "meshflow"
	WindowWidth     = 1280
	WindowHeight    = 820
	WindowMinWidth  = 800
	WindowMinHeight = 560
)
