package cloud

import (
	"context"
	"strings"

	"github.com/meshflow/meshflow/backend/model"
)

// The changes beyond the lifecycle verbs: each takes its capability, and
// all but the resize's confirmation an argument.
const (
	Resize        Action = "resize"         // Arg: the flavor
	ConfirmResize Action = "confirm-resize" // keep a resize the cloud waits on
	RevertResize  Action = "revert-resize"  // undo it
	Rebuild       Action = "rebuild"        // Arg: the image
	Rename        Action = "rename"         // Arg: the new name
	AssignIP      Action = "assign-ip"      // give it a public address
	ReleaseIP     Action = "release-ip"     // Arg: the address to give back
)

// Changes are every action a VM's page may offer, lifecycle verbs first.
var Changes = append(append([]Action{}, Actions...), Resize, ConfirmResize, RevertResize, Rebuild, Rename, AssignIP, ReleaseIP)

// ParseChange reads the name of any action in Changes.
func ParseChange(s string) (Action, bool) {
	for _, a := range Changes {
		if string(a) == s {
			return a, true
		}
	}
	return "", false
}

// TakesArg reports whether the action needs Change.Arg.
func (a Action) TakesArg() bool {
	return a == Resize || a == Rebuild || a == Rename || a == ReleaseIP
}

// Change is one action asked of one VM.
type Change struct {
	Connection, ID string
	Action         Action
	Arg            string // see the actions
	Why            string // who asked, for the history: "the VMs page"
}

// String says what was asked, for the VM's history: "resize to t3.large".
func (c Change) String() string {
	switch c.Action {
	case Resize, Rename:
		return string(c.Action) + " to " + c.Arg
	case Rebuild:
		return "rebuild from " + c.Arg
	case ReleaseIP:
		return "release public IP " + c.Arg
	case AssignIP:
		return "assign a public IP"
	case ConfirmResize:
		return "confirm the resize"
	case RevertResize:
		return "revert the resize"
	}
	return string(c.Action)
}

// change asks p for c; result is what the cloud gave back worth
// recording (the address it assigned).
func change(ctx context.Context, p Provider, c Change) (result string, err error) {
	if c.Action.TakesArg() && strings.TrimSpace(c.Arg) == "" {
		return "", model.Errorf(model.ErrInvalid, "%s of %s: say what to %s it to", c.Action, c.ID, c.Action)
	}
	unsupported := &Error{Kind: p.Kind(), Op: c.String() + " " + c.ID, Message: "this cloud cannot " + c.String() + " a VM", Is: ErrNotSupported}
	id := c.ID
	switch c.Action {
	case Start:
		return "", p.Start(ctx, id)
	case Stop:
		return "", p.Stop(ctx, id)
	case Destroy:
		return "", p.Destroy(ctx, id)
	case Suspend, Resume:
		s, ok := p.(Suspender)
		if !ok {
			return "", unsupported
		}
		if c.Action == Suspend {
			return "", s.Suspend(ctx, id)
		}
		return "", s.Resume(ctx, id)
	case Reboot:
		if r, ok := p.(Rebooter); ok {
			return "", r.Reboot(ctx, id)
		}
	case Resize:
		if r, ok := p.(Resizer); ok {
			return "", r.Resize(ctx, id, c.Arg)
		}
	case ConfirmResize, RevertResize:
		r, ok := p.(ResizeConfirmer)
		if !ok {
			return "", unsupported
		}
		if c.Action == ConfirmResize {
			return "", r.ConfirmResize(ctx, id)
		}
		return "", r.RevertResize(ctx, id)
	case Rebuild:
		if r, ok := p.(Rebuilder); ok {
			return "", r.Rebuild(ctx, id, c.Arg)
		}
	case Rename:
		if r, ok := p.(Renamer); ok {
			return "", r.Rename(ctx, id, c.Arg)
		}
	case AssignIP, ReleaseIP:
		a, ok := p.(PublicAddresser)
		if !ok {
			return "", unsupported
		}
		if c.Action == AssignIP {
			return a.AssignPublicIP(ctx, id)
		}
		return "", a.ReleasePublicIP(ctx, id, c.Arg)
	default:
		return "", model.Errorf(model.ErrInvalid, "unknown action %q: use one of %s", c.Action, strings.Join(ChangeNames(), ", "))
	}
	return "", unsupported
}

// ChangeNames are the names of Changes, for errors that list them.
func ChangeNames() []string {
	out := make([]string, len(Changes))
	for i, a := range Changes {
		out[i] = string(a)
	}
	return out
}

// note records a change in the VM's history: what was asked, by whom,
// and what the cloud answered.
func (inv *Inventory) note(ctx context.Context, rec model.VMRecord, c Change, result string, err error) {
	msg := c.String() + " asked"
	if c.Why != "" {
		msg += " by " + c.Why
	}
	if result != "" {
		msg += ": " + result
	}
	if err != nil {
		msg += ", refused: " + err.Error()
	}
	e := model.VMEvent{At: inv.now(), Connection: rec.Connection, VMID: rec.ID, Name: rec.Name, Kind: model.VMActed, From: rec.State, Message: msg}
	if err := inv.store.AddVMEvent(context.WithoutCancel(ctx), e); err != nil {
		inv.logger.Error("record vm event", "vm", rec.ID, "err", err)
	}
}

// Console is the end of a VM's console output, at most maxBytes of it,
// cut at a line's start where it can be.
func (inv *Inventory) Console(ctx context.Context, connection, id string, maxBytes int) (string, error) {
	p, err := inv.conns.Open(ctx, connection)
	if err != nil {
		return "", err
	}
	c, ok := p.(Consoler)
	if !ok {
		return "", &Error{Kind: p.Kind(), Op: "console output of " + id, Message: "this cloud does not give a VM's console output", Is: ErrNotSupported}
	}
	out, err := c.ConsoleOutput(ctx, id)
	if err != nil || len(out) <= maxBytes {
		return out, err
	}
	out = out[len(out)-maxBytes:]
	if i := strings.IndexByte(out, '\n'); i >= 0 && i < len(out)-1 {
		out = out[i+1:]
	}
	return strings.ToValidUTF8(out, ""), nil
}
