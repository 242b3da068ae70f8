package frontend

import (
	"context"
	"strings"
	"time"

	"github.com/meshflow/meshflow/backend/cloud"
	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/frontend/pages"
)

// Inventory is the VM inventory the VMs pages show and act on;
// *cloud.Inventory is one.
type Inventory interface {
	VMs(ctx context.Context, connection string, withGone bool) ([]model.VMRecord, error)
	Refreshes(ctx context.Context) ([]model.RefreshStatus, error)
	Refresh(ctx context.Context) ([]model.RefreshStatus, error)
	History(ctx context.Context, connection, id string, limit int) ([]model.VMEvent, error)
	Act(ctx context.Context, connection, id string, a cloud.Action, why string) (model.VMRecord, error)
	ForgottenAmong(ctx context.Context, vms []model.VMRecord, after time.Duration, prices *cloud.Prices, busy cloud.Busy) ([]cloud.Forgotten, error)
	// BusyVMs says which VMs active runs use: never forgotten.
	BusyVMs(ctx context.Context) (map[string]bool, error)
	// Stopping lists the forgotten VMs the guard will stop, and when.
	Stopping(ctx context.Context) ([]cloud.Warned, error)
	VMCreator
	VMChanger
}

// VMCreator is what the create form needs of the inventory.
type VMCreator interface {
	Create(ctx context.Context, req cloud.CreateRequest) ([]model.VMRecord, error)
	Catalog(ctx context.Context, q cloud.CatalogQuery) (cloud.CatalogView, error)
	NamePattern(ctx context.Context, connection, prefix string) (string, error)
}

// VMChanger is what a VM's page needs of the inventory: what the VM's
// cloud offers, where the VM is on its way, and its changes.
type VMChanger interface {
	Offers(ctx context.Context, connection string) (cloud.Offer, error)
	Watch(ctx context.Context, connection, id string) (cloud.Progress, error)
	Change(ctx context.Context, c cloud.Change) (model.VMRecord, error)
	Console(ctx context.Context, connection, id string, maxBytes int) (string, error)
	SetLabels(ctx context.Context, connection, id string, labels map[string]string, why string) (model.VMRecord, error)
}

// vmRef names a VM in an address: "<connection>/<cloud id>". Connection
// names hold no slash; cloud ids may (Azure's are paths).
type vmRef struct{ connection, id string }

func parseVMRef(s string) (vmRef, bool) {
	conn, id, ok := strings.Cut(s, "/")
	return vmRef{conn, id}, ok && conn != "" && id != ""
}

// vmRow fills a VMs list row, with its cost where the price table knows
// the flavor.
func (h *Handler) vmRow(vm model.VMRecord) pages.VMRow {
	row := pages.VMRow{VM: vm, Ref: pages.VMRef(vm.Connection, vm.ID)}
	if p, ok := h.prices.OfVM(vm.VM); ok {
		row.Cost, row.CostUnit = p.PerHour, p.Unit
	}
	return row
}
