package model

import (
	"fmt"
	"time"
)

// Theme is the colour scheme a user chose for the UI.
type Theme string

// The themes the UI knows. ThemeSystem follows the operating system.
const (
	ThemeSystem Theme = "system"
	ThemeLight  Theme = "light"
	ThemeDark   Theme = "dark"
)

// Themes lists every theme in the order the settings form shows them.
var Themes = []Theme{ThemeSystem, ThemeLight, ThemeDark}

// ParseTheme turns user input into a Theme, or says what would be accepted.
func ParseTheme(s string) (Theme, error) {
	for _, t := range Themes {
		if string(t) == s {
			return t, nil
		}
	}
	return "", fmt.Errorf("unknown theme %q: choose one of system, light, dark", s)
}

// Settings are the user's UI preferences, kept in the database so that the
// desktop window and the browser show the same thing.
type Settings struct {
	// InstanceName labels this installation in the page header, which helps
	// people who run more than one data dir tell them apart.
	InstanceName string
	Theme        Theme
}

// DefaultSettings are what a new data dir starts with.
func DefaultSettings() Settings {
	return Settings{InstanceName: "meshflow", Theme: ThemeSystem}
}

// MaxInstanceNameLen bounds the instance name so that it fits the header.
const MaxInstanceNameLen = 40

// Variable is a global variable, available to every DAG's templates: plain
// ones as .vars.NAME, secret ones only through {{ secret "NAME" }}, which
// keeps them out of logs.
type Variable struct {
	Name      string
	Value     string // empty for a secret read without revealing it
	Secret    bool
	UpdatedAt time.Time
}

// VMSettings are how meshflow names and guards the VMs it makes, kept in
// the database beside the preferences.
type VMSettings struct {
	// NamePattern makes the names of VMs created without one, from the
	// placeholders cloud.NamePlaceholders lists.
	NamePattern string
	// StopForgottenAfter, when not zero, has meshflow stop a VM that has
	// been billed this long with nothing using it, after a warning.
	StopForgottenAfter time.Duration
	// StopWarning is how long the warning shows before the stop.
	StopWarning time.Duration
}

// CloudmeshNamePattern is Cloudmesh's, the default: ann-vm-3.
const CloudmeshNamePattern = "{user}-{prefix}-{counter}"

// DefaultVMSettings are what a new data dir starts with: Cloudmesh's
// names, and no VM stopped without being asked.
func DefaultVMSettings() VMSettings {
	return VMSettings{NamePattern: CloudmeshNamePattern, StopWarning: time.Hour}
}
