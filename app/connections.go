package app

import (
	"github.com/meshflow/meshflow/backend/cloud"
	"github.com/meshflow/meshflow/backend/cloud/connections"
	"github.com/meshflow/meshflow/backend/model"
)

// Connections returns the data dir's cloud connections, sealed under its
// master key.
func (a *App) Connections() *connections.Service {
	return connections.New(a.Store, a.Keys(), openProvider)
}

// openProvider opens a connection's cloud adapter. The adapters are built
// on other branches; until they are wired here, every kind says so.
func openProvider(c model.Connection) (cloud.Provider, error) {
	return nil, &cloud.Error{
		Kind: c.Kind, Connection: c.Name, Op: "open",
		Message: "the " + string(c.Kind) + " adapter is not built into this version of meshflow yet",
		Is:      cloud.ErrNotSupported,
	}
}
