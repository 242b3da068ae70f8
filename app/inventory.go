package app

import (
	"context"
	"time"
)

// inventoryEvery is how often the server refreshes every connection's VMs
// on its own, so the pages show knowledge at most this old.
const inventoryEvery = 5 * time.Minute

// keepInventory finishes the VM creates a crash left open — asked again
// with their tokens, so none is made twice — and then refreshes the
// inventory now and every inventoryEvery, until ctx ends.
func (a *App) keepInventory(ctx context.Context) {
	inv := a.Inventory()
	if err := inv.Reconcile(ctx); err != nil {
		a.Logger.Warn("finish interrupted VM creates", "err", err)
	}
	for {
		status, err := inv.Refresh(ctx)
		if err != nil {
			a.Logger.Warn("refresh VMs", "err", err)
		}
		for _, s := range status {
			if s.Error != "" {
				a.Logger.Warn("refresh VMs", "connection", s.Connection, "err", s.Error)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(inventoryEvery):
		}
	}
}
