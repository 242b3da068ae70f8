// Package pages holds one templ view per screen of the UI and the plain
// structs the handlers fill for them. Views only format; they never query.
package pages

import "github.com/meshflow/meshflow/backend/model"

// Chrome is what every full page needs around its content.
type Chrome struct {
	Active       string // NavItem.Key of the current section
	InstanceName string
	Theme        model.Theme
	Version      string
	SignOut      bool // the browser has a session it can end
}

// Flash is the one-line outcome of an action, shown at the top of the page
// the action led to. Bad flashes say why something was refused.
type Flash struct {
	Message string
	Bad     bool
}
