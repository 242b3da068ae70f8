package cloud

import (
	"context"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/meshflow/meshflow/backend/model"
)

// Filter chooses VMs for a list, the same for the VMs page, the API and
// `meshflow vm list`.
type Filter struct {
	Text       string // part of a name, a cloud id or an address
	Connection string
	State      string // one of model's VM states
	Tag        string // KEY, or KEY=VALUE
	Gone       bool   // include the VMs the clouds no longer list
}

// ParseFilter reads a filter from an address's query: ?q=TEXT
// &connection=NAME&state=STATE&tag=KEY[=VALUE]&gone=true.
func ParseFilter(q url.Values) Filter {
	gone, _ := strconv.ParseBool(q.Get("gone"))
	return Filter{
		Text: strings.TrimSpace(q.Get("q")), Connection: q.Get("connection"), State: q.Get("state"),
		Tag: strings.TrimSpace(q.Get("tag")), Gone: gone,
	}
}

// Query is f as ParseFilter reads it.
func (f Filter) Query() url.Values {
	q := url.Values{}
	for k, v := range map[string]string{"q": f.Text, "connection": f.Connection, "state": f.State, "tag": f.Tag} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if f.Gone {
		q.Set("gone", "true")
	}
	return q
}

// VMStates are meshflow's VM states, in the order lists offer them.
var VMStates = []model.VMState{
	model.VMPending, model.VMRunning, model.VMStopping, model.VMStopped, model.VMSuspended, model.VMRebooting,
	model.VMResizing, model.VMDeleting, model.VMDeleted, model.VMError, model.VMUnknown,
}

// Validate refuses a state meshflow has no word for, which would quietly
// match nothing.
func (f Filter) Validate() error {
	if f.State == "" || slices.Contains(VMStates, model.VMState(f.State)) {
		return nil
	}
	words := make([]string, len(VMStates))
	for i, s := range VMStates {
		words[i] = string(s)
	}
	return model.Errorf(model.ErrInvalid, "state %s is not a VM state: use one of %s", model.Quote(f.State), strings.Join(words, ", "))
}

// Active reports whether f chooses anything.
func (f Filter) Active() bool { return f != Filter{} }

// Match reports whether vm passes f: text in its name, id or an address;
// a tag as key or key=value.
func (f Filter) Match(vm model.VMRecord) bool {
	if f.Connection != "" && vm.Connection != f.Connection || f.State != "" && string(vm.State) != f.State || !f.Gone && !vm.GoneAt.IsZero() {
		return false
	}
	if f.Tag != "" {
		k, v, withValue := strings.Cut(f.Tag, "=")
		got, ok := vm.Tags[k]
		if !ok || withValue && got != v {
			return false
		}
	}
	if f.Text == "" {
		return true
	}
	t := strings.ToLower(f.Text)
	if strings.Contains(strings.ToLower(vm.Name), t) || strings.Contains(strings.ToLower(vm.ID), t) {
		return true
	}
	return slices.ContainsFunc(append(slices.Clone(vm.PublicIPs), vm.PrivateIPs...), func(ip string) bool { return strings.Contains(ip, t) })
}

// Listed is a VM with what a user decides by: how old it is, what it
// costs an hour, whether it is forgotten, and how old meshflow's knowledge
// of it is (the last refresh that saw it).
type Listed struct {
	model.VMRecord
	AgeSeconds          int64    `json:"age_seconds"`
	CostPerHour         *float64 `json:"cost_per_hour,omitempty"` // absent where the price table does not know the flavor
	CostUnit            string   `json:"cost_unit,omitempty"`
	Forgotten           bool     `json:"forgotten"`
	KnowledgeAgeSeconds int64    `json:"knowledge_age_seconds"`
}

// Listing is a list of VMs and how the last refresh of each connection
// went, whose errors explain what may be missing from it.
type Listing struct {
	VMs       []Listed              `json:"vms"`
	Refreshes []model.RefreshStatus `json:"refreshes"`
}

// Detail is one VM and its history, newest first.
type Detail struct {
	VM      Listed          `json:"vm"`
	History []model.VMEvent `json:"history"`
}

// List returns the VMs f chooses, by connection then name.
func (inv *Inventory) List(ctx context.Context, f Filter) (Listing, error) {
	if err := f.Validate(); err != nil {
		return Listing{}, err
	}
	all, err := inv.VMs(ctx, "", true)
	if err != nil {
		return Listing{}, err
	}
	vms := slices.DeleteFunc(all, func(vm model.VMRecord) bool { return !f.Match(vm) })
	l := Listing{VMs: make([]Listed, 0, len(vms))}
	if l.VMs, err = inv.listed(ctx, vms); err != nil {
		return l, err
	}
	if l.Refreshes, err = inv.store.Refreshes(ctx); l.Refreshes == nil {
		l.Refreshes = []model.RefreshStatus{}
	}
	return l, err
}

// Detail returns the VM ref names (see Selector.Refs) with its history.
func (inv *Inventory) Detail(ctx context.Context, ref string) (Detail, error) {
	vms, err := inv.Select(ctx, Selector{Refs: []string{ref}})
	if err != nil {
		return Detail{}, err
	}
	listed, err := inv.listed(ctx, vms)
	if err != nil {
		return Detail{}, err
	}
	d := Detail{VM: listed[0]}
	if d.History, err = inv.History(ctx, vms[0].Connection, vms[0].ID, 0); d.History == nil {
		d.History = []model.VMEvent{}
	}
	return d, err
}

func (inv *Inventory) listed(ctx context.Context, vms []model.VMRecord) ([]Listed, error) {
	forgotten, err := inv.ForgottenAmong(ctx, vms, ForgottenAfter, inv.prices, inv)
	if err != nil {
		return nil, err
	}
	isForgotten := map[string]bool{}
	for _, f := range forgotten {
		isForgotten[f.Resource] = true
	}
	now := inv.now()
	out := make([]Listed, 0, len(vms))
	for _, vm := range vms {
		born := vm.LaunchedAt
		if born.IsZero() {
			born = vm.FirstSeen
		}
		l := Listed{
			VMRecord: vm, AgeSeconds: int64(now.Sub(born).Seconds()),
			Forgotten: isForgotten[vm.Connection+"/"+vm.ID], KnowledgeAgeSeconds: int64(now.Sub(vm.LastSeen).Seconds()),
		}
		if p, ok := inv.prices.OfVM(vm.VM); ok {
			l.CostPerHour, l.CostUnit = &p.PerHour, p.Unit
		}
		out = append(out, l)
	}
	return out, nil
}
