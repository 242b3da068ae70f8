package app

import (
	"context"
	"time"

	"github.com/meshflow/meshflow/backend/audit"
	"github.com/meshflow/meshflow/backend/cloud"
	"github.com/meshflow/meshflow/backend/model"
)

// inventoryEvery is how often the server refreshes every connection's VMs
// on its own, so the pages show knowledge at most this old.
const inventoryEvery = 5 * time.Minute

// keepInventory finishes the VM creates a crash left open — asked again
// with their tokens, so none is made twice — and then refreshes the
// inventory now and every inventoryEvery, each time after the refresh
// letting the forgotten-VM guard warn and stop, until ctx ends.
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
		a.guardForgotten(ctx, inv)
		select {
		case <-ctx.Done():
			return
		case <-time.After(inventoryEvery):
		}
	}
}

// guardOrigin is the forgotten-VM guard in the audit log.
var guardOrigin = audit.Origin{Source: model.SourceSystem, Actor: cloud.GuardWhy}

// guardForgotten runs one turn of the forgotten-VM guard and puts each
// stop it made, done or refused, in the audit log.
func (a *App) guardForgotten(ctx context.Context, inv *cloud.Inventory) {
	done, err := inv.Guard(ctx)
	if err != nil {
		a.Logger.Warn("forgotten-VM guard", "err", err)
	}
	for _, g := range done {
		if !g.Stopped {
			a.Logger.Info("forgotten VM warned of", "vm", g.VM.Connection+"/"+g.VM.ID, "stop_at", g.StopAt)
			continue
		}
		target := model.AuditTarget{Kind: model.TargetVM, ID: g.VM.Connection + "/" + g.VM.ID}
		if err := a.Audit(ctx, guardOrigin, model.ActionVMStop, target, g.Err); err != nil {
			a.Logger.Error("record the guard's stop", "vm", target.ID, "err", err)
		}
	}
}
