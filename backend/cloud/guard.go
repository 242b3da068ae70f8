package cloud

import (
	"context"
	"slices"
	"time"

	"github.com/meshflow/meshflow/backend/model"
)

// GuardWhy is who stops a forgotten VM, in its history and the audit log.
const GuardWhy = "the forgotten-VM guard"

// Warned is a forgotten VM the guard has warned of: it stops the VM at
// StopAt unless by then a run uses it, it is tagged meshflow-keep=true,
// or it is no longer billed.
type Warned struct {
	Forgotten
	StopAt time.Time
}

// Guarded is what one turn of the guard did to a VM: warned of it, or
// stopped it (Err: the cloud's refusal).
type Guarded struct {
	VM      model.VMRecord
	Stopped bool
	StopAt  time.Time // when warned
	Err     error
}

// Guard stops the VMs forgotten for the settings' StopForgottenAfter,
// each only after a warning in its history has stood for StopWarning:
// the first turn that finds a VM warns, a turn after the warning's time
// stops it. A warning older than twice its time is stale (the VM was
// used meanwhile, or meshflow was not running) and is given again rather
// than acted on. With the setting off it does nothing.
func (inv *Inventory) Guard(ctx context.Context) ([]Guarded, error) {
	plan, vs, err := inv.guardPlan(ctx)
	if err != nil || vs.StopForgottenAfter <= 0 {
		return nil, err
	}
	now := inv.now()
	var out []Guarded
	for _, w := range plan {
		vm := w.VM
		if !w.StopAt.IsZero() {
			if now.Before(w.StopAt) {
				continue // the warning stands
			}
			_, err := inv.Act(ctx, vm.Connection, vm.ID, Stop, GuardWhy)
			out = append(out, Guarded{VM: vm, Stopped: true, Err: err})
			continue
		}
		stopAt := now.Add(vs.StopWarning)
		e := model.VMEvent{
			At: now, Connection: vm.Connection, VMID: vm.ID, Name: vm.Name, Kind: model.VMWarned, From: vm.State,
			Message: "forgotten: " + GuardWhy + " stops it at " + stopAt.UTC().Format(time.RFC3339) +
				" unless a run uses it, it is tagged " + KeepTag + "=true, or it is stopped",
		}
		if err := inv.store.AddVMEvent(ctx, e); err != nil {
			return out, err
		}
		out = append(out, Guarded{VM: vm, StopAt: stopAt})
	}
	return out, nil
}

// Stopping lists the VMs the guard has warned of and will stop, the
// soonest first: what the Overview shows above everything else.
func (inv *Inventory) Stopping(ctx context.Context) ([]Warned, error) {
	plan, vs, err := inv.guardPlan(ctx)
	if err != nil || vs.StopForgottenAfter <= 0 {
		return nil, err
	}
	var out []Warned
	for _, w := range plan {
		if !w.StopAt.IsZero() {
			out = append(out, w)
		}
	}
	slices.SortFunc(out, func(a, b Warned) int { return a.StopAt.Compare(b.StopAt) })
	return out, nil
}

// guardPlan is every VM forgotten for the guard's time, with the stop
// time of its standing warning, if it has one.
func (inv *Inventory) guardPlan(ctx context.Context) ([]Warned, model.VMSettings, error) {
	vs, err := inv.store.VMSettings(ctx)
	if err != nil || vs.StopForgottenAfter <= 0 {
		return nil, vs, err
	}
	forgotten, err := inv.Forgotten(ctx, vs.StopForgottenAfter, inv.prices, inv)
	if err != nil {
		return nil, vs, err
	}
	now := inv.now()
	out := make([]Warned, 0, len(forgotten))
	for _, f := range forgotten {
		w := Warned{Forgotten: f}
		events, err := inv.store.VMEvents(ctx, f.VM.Connection, f.VM.ID, 20)
		if err != nil {
			return nil, vs, err
		}
		for _, e := range events {
			if e.Kind == model.VMWarned && e.At.After(f.Since) && now.Sub(e.At) < 2*vs.StopWarning {
				w.StopAt = e.At.Add(vs.StopWarning)
				break
			}
		}
		out = append(out, w)
	}
	return out, vs, nil
}
