package cloud

import (
	"context"
	"slices"
	"time"

	"github.com/meshflow/meshflow/backend/model"
)

// KeepTag is the tag that tells the forgotten-VM guard to leave a VM
// alone: a VM meant to run for good (meshflow-keep=true).
const KeepTag = "meshflow-keep"

// ForgottenAfter is how long a VM may be billed with nothing using it
// before it is called forgotten, on the pages and by vm.list.
const ForgottenAfter = 12 * time.Hour

// Busy says which VMs work is using now: those an active DAG run or SSH
// job acts on, by "connection/id". The guard never calls those forgotten.
type Busy interface {
	BusyVMs(ctx context.Context) (map[string]bool, error)
}

// Forgotten is a VM that has been billed for long with nothing using it.
type Forgotten struct {
	VM       model.VMRecord
	Since    time.Time     // when it was last seen to start running
	For      time.Duration // how long it has been running
	Price    Price         // per hour; zero with Priced false
	Priced   bool
	SoFar    float64 // what it has cost since it started, in Price.Unit
	PerDay   float64
	Resource string // "connection/id", as Busy names it
}

// Forgotten lists the VMs billed for longer than after with no run or job
// using them and no KeepTag, the longest-running first, with what they
// cost. busy may be nil: nothing is using any VM.
func (inv *Inventory) Forgotten(ctx context.Context, after time.Duration, prices *Prices, busy Busy) ([]Forgotten, error) {
	vms, err := inv.VMs(ctx, "", false)
	if err != nil {
		return nil, err
	}
	return inv.ForgottenAmong(ctx, vms, after, prices, busy)
}

// ForgottenAmong is Forgotten over VMs the caller has read already.
func (inv *Inventory) ForgottenAmong(ctx context.Context, vms []model.VMRecord, after time.Duration, prices *Prices, busy Busy) ([]Forgotten, error) {
	var err error
	inUse := map[string]bool{}
	if busy != nil {
		if inUse, err = busy.BusyVMs(ctx); err != nil {
			return nil, err
		}
	}
	starts, err := inv.store.VMStarts(ctx)
	if err != nil {
		return nil, err
	}
	now := inv.now()
	var out []Forgotten
	for _, vm := range vms {
		key := vm.Connection + "/" + vm.ID
		if !vm.Billed() || vm.Kind == model.CloudHosts || vm.Tags[KeepTag] == "true" || inUse[key] {
			continue
		}
		since := runningSince(vm, starts[key])
		if now.Sub(since) < after {
			continue
		}
		f := Forgotten{VM: vm, Since: since, For: now.Sub(since), Resource: key}
		if prices != nil {
			f.Price, f.Priced = prices.Of(vm.Kind, vm.Region, vm.Flavor)
		}
		if f.Priced {
			f.SoFar = f.Price.PerHour * f.For.Hours()
			f.PerDay = f.Price.PerHour * 24
		}
		out = append(out, f)
	}
	slices.SortFunc(out, func(a, b Forgotten) int { return a.Since.Compare(b.Since) })
	return out, nil
}

// runningSince is when a VM last started to run, as far as meshflow can
// tell: the newest refresh that found it running after another state (or
// its launch time, if that refresh found it for the first time), else its
// launch time, else when meshflow first saw it.
func runningSince(vm model.VMRecord, start model.VMEvent) time.Time {
	switch {
	case start.Kind == model.VMAppeared && !vm.LaunchedAt.IsZero():
		return vm.LaunchedAt // it ran before meshflow saw it
	case start.Kind != "":
		// Noticed by a refresh: it started at most one refresh interval
		// before, an estimate on the low side.
		return start.At
	case !vm.LaunchedAt.IsZero():
		return vm.LaunchedAt
	}
	return vm.FirstSeen
}
