// Package components holds the templ building blocks every page shares:
// the navigation, empty states, icons and small formatting helpers.
package components

// NavItem is one entry of the main navigation.
type NavItem struct {
	Key   string // matches Chrome.Active on the page it leads to
	Title string
	Href  string
	Icon  string // name of an icon in Icon
}

// Nav lists the sections of the app in the order the sidebar shows them.
var Nav = []NavItem{
	{"overview", "Overview", "/", "home"},
	{"vms", "VMs", "/vms", "server"},
	{"storage", "Storage", "/storage", "folder"},
	{"dags", "DAGs", "/dags", "graph"},
	{"runs", "Runs", "/runs", "play"},
	{"connections", "Connections", "/connections", "key"},
	{"variables", "Variables", "/variables", "braces"},
	{"settings", "Settings", "/settings", "gear"},
	{"audit", "Audit", "/audit", "list"},
}
