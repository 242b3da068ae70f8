package cloud

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/meshflow/meshflow/backend/model"
)

// Store is where the inventory keeps what it knows; *store.Store is one.
type Store interface {
	ApplySnapshot(ctx context.Context, snap model.VMSnapshot) error
	FailRefresh(ctx context.Context, connection string, at time.Time, reason string) error
	Refreshes(ctx context.Context) ([]model.RefreshStatus, error)
	SaveVM(ctx context.Context, vm model.VM, at time.Time, events ...model.VMEvent) error
	AddVMEvent(ctx context.Context, e model.VMEvent) error
	VMs(ctx context.Context, connection string) ([]model.VMRecord, error)
	VM(ctx context.Context, connection, id string) (model.VMRecord, error)
	VMEvents(ctx context.Context, connection, id string, limit int) ([]model.VMEvent, error)
	VMStarts(ctx context.Context) (map[string]model.VMEvent, error)
	UseVM(ctx context.Context, connection, id string, runID int64) error
	BusyVMs(ctx context.Context) (map[string]bool, error)
	AddVMIntent(ctx context.Context, in model.VMIntent) error
	VMIntentsOf(ctx context.Context, key string) ([]model.VMIntent, error)
	FinishVMIntent(ctx context.Context, token, vmID, reason string) error
	OpenVMIntents(ctx context.Context) ([]model.VMIntent, error)
	NextVMNumber(ctx context.Context, prefix string) (int, error)
	VMSettings(ctx context.Context) (model.VMSettings, error)
	SetVMLabels(ctx context.Context, connection, id string, labels map[string]string) error
}

// Defaulter is Connections that know each connection's VM defaults: the
// inventory takes a connection's own naming pattern from them.
type Defaulter interface {
	Defaults(ctx context.Context, connection string) (map[string]string, error)
}

// Connections gives the inventory the connections to look through and
// their providers; the connections service is one.
type Connections interface {
	// Active returns the names of the connections to refresh.
	Active(ctx context.Context) ([]string, error)
	// Open returns the provider of the connection named, its secrets
	// opened inside it.
	Open(ctx context.Context, name string) (Provider, error)
}

// Inventory knows every VM of every connection: it refreshes them from
// the clouds, keeps the record in the store (so meshflow knows its VMs
// after a restart, and how old that knowledge is), notices what changed
// outside meshflow, and creates and acts on VMs so that a retry or a crash
// never makes a VM twice or loses one.
type Inventory struct {
	store   Store
	conns   Connections
	now     func() time.Time
	logger  *slog.Logger
	timeout time.Duration
	user    string
	prices  *Prices
	every   time.Duration

	// refreshing keeps one refresh of a connection at a time: a second
	// asked for meanwhile waits for the first and shares its result.
	mu         sync.Mutex
	refreshing map[string]*refresh

	// cache is every VM as last read, for the pages, which list thousands:
	// it is dropped by every change this inventory makes, and kept at
	// most cacheFor, so that a change another process made (a command
	// run beside the server) shows within that.
	cacheMu sync.Mutex
	cache   []model.VMRecord
	cacheAt time.Time

	catalogs catalogs

	// requests holds a lock per CreateRequest.Key, so that the same
	// request sent twice at once (a double-click) is served one after
	// the other, the second finding the VMs of the first.
	requests keyedLock
}

// cacheFor is how long the inventory trusts its copy of the VMs.
const cacheFor = 10 * time.Second

type refresh struct {
	done chan struct{}
	err  error
}

// Options tune an Inventory.
type Options struct {
	// Timeout bounds the refresh of one connection; 60 s if zero. A slow
	// cloud then shows as failed with its error, the others as they are.
	Timeout time.Duration
	// User is the {user} of generated names: the OS user, lower-cased.
	User string
	// Prices estimate what the VMs listed cost; nil: no estimates.
	Prices *Prices
	// Poll is how often a wait asks the cloud; 2 s if zero.
	Poll   time.Duration
	Now    func() time.Time
	Logger *slog.Logger
}

// NewInventory returns the inventory over store and conns.
func NewInventory(store Store, conns Connections, o Options) *Inventory {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return &Inventory{
		store: store, conns: conns,
		now:        o.Now,
		logger:     o.Logger,
		timeout:    cmp.Or(o.Timeout, 60*time.Second),
		user:       cmp.Or(nameSafe(o.User), "meshflow"),
		prices:     o.Prices,
		every:      cmp.Or(o.Poll, 2*time.Second),
		refreshing: map[string]*refresh{},
	}
}

// Refresh refreshes every active connection at once and returns how each
// went; one that fails keeps the VMs it had, marked with the error.
func (inv *Inventory) Refresh(ctx context.Context) ([]model.RefreshStatus, error) {
	names, err := inv.conns.Active(ctx)
	if err != nil {
		return nil, err
	}
	var wg sync.WaitGroup
	for _, name := range names {
		wg.Go(func() { _ = inv.RefreshConnection(ctx, name) })
	}
	wg.Wait()
	return inv.store.Refreshes(ctx)
}

// RefreshConnection lists one connection's VMs and records what changed.
func (inv *Inventory) RefreshConnection(ctx context.Context, name string) error {
	inv.mu.Lock()
	if r, ok := inv.refreshing[name]; ok {
		inv.mu.Unlock()
		select {
		case <-r.done:
			return r.err
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	r := &refresh{done: make(chan struct{})}
	inv.refreshing[name] = r
	inv.mu.Unlock()

	r.err = inv.refresh(ctx, name)
	inv.mu.Lock()
	delete(inv.refreshing, name)
	inv.mu.Unlock()
	close(r.done)
	return r.err
}

func (inv *Inventory) refresh(ctx context.Context, name string) error {
	ctx, cancel := context.WithTimeout(ctx, inv.timeout)
	defer cancel()
	vms, err := inv.list(ctx, name)
	at := inv.now()
	if err != nil {
		if ctx.Err() != nil && errors.Is(err, context.DeadlineExceeded) {
			err = model.Errorf(model.ErrUnavailable, "connection %s did not answer within %s", name, inv.timeout)
		}
		if ferr := inv.store.FailRefresh(context.WithoutCancel(ctx), name, at, err.Error()); ferr != nil {
			inv.logger.Error("record failed refresh", "connection", name, "err", ferr)
		}
		return err
	}
	known, err := inv.store.VMs(ctx, name)
	if err != nil {
		return err
	}
	defer inv.dropCache()
	return inv.store.ApplySnapshot(ctx, diff(name, at, known, vms))
}

func (inv *Inventory) list(ctx context.Context, name string) ([]model.VM, error) {
	p, err := inv.conns.Open(ctx, name)
	if err != nil {
		return nil, err
	}
	vms, err := p.List(ctx)
	for i := range vms {
		vms[i].Connection, vms[i].Kind = name, p.Kind()
	}
	return vms, err
}

// diff compares a connection's listing with what was known and says what
// happened in between: VMs that appeared, vanished or changed state
// outside meshflow.
func diff(conn string, at time.Time, known []model.VMRecord, listed []model.VM) model.VMSnapshot {
	snap := model.VMSnapshot{Connection: conn, At: at, Seen: listed}
	was := map[string]model.VMRecord{}
	for _, k := range known {
		was[k.ID] = k
	}
	seen := map[string]bool{}
	for _, vm := range listed {
		seen[vm.ID] = true
		k, ok := was[vm.ID]
		switch {
		case !ok || !k.GoneAt.IsZero():
			snap.Events = append(snap.Events, model.VMEvent{
				At: at, Connection: conn, VMID: vm.ID, Name: vm.Name,
				Kind: model.VMAppeared, To: vm.State, Message: "found by a refresh",
			})
		case k.State != vm.State:
			snap.Events = append(snap.Events, model.VMEvent{
				At: at, Connection: conn, VMID: vm.ID, Name: vm.Name,
				Kind: model.VMChanged, From: k.State, To: vm.State, Message: "changed since the last refresh",
			})
		}
	}
	for _, k := range known {
		if !seen[k.ID] && k.GoneAt.IsZero() {
			snap.Gone = append(snap.Gone, k.ID)
			snap.Events = append(snap.Events, model.VMEvent{
				At: at, Connection: conn, VMID: k.ID, Name: k.Name,
				Kind: model.VMVanished, From: k.State, Message: "no longer listed by the cloud",
			})
		}
	}
	return snap
}

// VMs returns the known VMs of connection ("": of all), the gone ones
// only if asked, by connection then name. The caller may change the
// slice, not the records' maps and slices, which the cache shares.
func (inv *Inventory) VMs(ctx context.Context, connection string, withGone bool) ([]model.VMRecord, error) {
	all, err := inv.allVMs(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]model.VMRecord, 0, len(all))
	for _, v := range all {
		if (connection == "" || v.Connection == connection) && (withGone || v.GoneAt.IsZero()) {
			out = append(out, v)
		}
	}
	return out, nil
}

func (inv *Inventory) allVMs(ctx context.Context) ([]model.VMRecord, error) {
	inv.cacheMu.Lock()
	defer inv.cacheMu.Unlock()
	if inv.cache != nil && time.Since(inv.cacheAt) < cacheFor {
		return inv.cache, nil
	}
	vms, err := inv.store.VMs(ctx, "")
	if err != nil {
		return nil, err
	}
	inv.cache, inv.cacheAt = vms, time.Now()
	return vms, nil
}

func (inv *Inventory) dropCache() {
	inv.cacheMu.Lock()
	inv.cache = nil
	inv.cacheMu.Unlock()
}

// CreateRequest asks for Count VMs on one connection.
type CreateRequest struct {
	Connection string
	// Names are the VMs' names; empty: generated by the naming pattern
	// of the VM settings, {user}-{prefix}-{counter} by default.
	Names  []string
	Count  int // ignored when Names are given; 1 if zero
	Prefix string
	Spec   CreateSpec // Name and Token are set per VM
	// Why says who asked, for the VMs' history: "run 12 task boot".
	Why string
	// Wait, when set, waits for each VM made to be running or SSH-ready,
	// at most WaitFor each (10 minutes if zero).
	Wait    Until
	WaitFor time.Duration
	// Key, when set, names the request for good — a DAG task's is its
	// run and task — so that the same request asked again (the task's
	// next try, after a crash or a partial failure) finds the VMs it made
	// before instead of making more, or being refused their names.
	Key string
}

// defaults are the connection's VM defaults, if its Connections keep any.
func (inv *Inventory) defaults(ctx context.Context, connection string) (map[string]string, error) {
	if d, ok := inv.conns.(Defaulter); ok {
		return d.Defaults(ctx, connection)
	}
	return nil, nil
}

// withDefaults fills what a create left empty from the connection's
// defaults — Cloudmesh's default: block on import, or the Connections
// page — so the form, the CLI and vm.create make the same VM.
func withDefaults(spec CreateSpec, defaults map[string]string) CreateSpec {
	for _, f := range []struct {
		field *string
		key   string
	}{
		{&spec.Image, model.DefaultImage},
		{&spec.Flavor, model.DefaultFlavor},
		{&spec.Username, model.DefaultUsername},
		{&spec.SecurityGroup, model.DefaultSecurityGroup},
		{&spec.Network, model.DefaultNetwork},
	} {
		*f.field = cmp.Or(*f.field, defaults[f.key])
	}
	// A public key given is the login asked for: the default key pair
	// would be a second one.
	if spec.PublicKey == "" {
		spec.KeyName = cmp.Or(spec.KeyName, defaults[model.DefaultKeyName])
	}
	return spec
}

// Create creates the VMs asked for. Each create is on record with its
// token before the cloud is called: a crash in between is finished by
// Reconcile at the next start, with the same token, so the cloud makes
// the VM at most once. A name the connection's cloud already uses is
// refused before anything is made.
func (inv *Inventory) Create(ctx context.Context, req CreateRequest) ([]model.VMRecord, error) {
	made, err := inv.create(ctx, req)
	if err != nil || req.Wait == "" {
		return made, err
	}
	return inv.waitAll(ctx, made, req.Wait, req.WaitFor)
}

func (inv *Inventory) create(ctx context.Context, req CreateRequest) ([]model.VMRecord, error) {
	if err := checkNames(req.Names); err != nil {
		return nil, err
	}
	if req.Key != "" {
		defer inv.requests.lock(req.Key)()
	}
	p, err := inv.conns.Open(ctx, req.Connection)
	if err != nil {
		return nil, err
	}
	defaults, err := inv.defaults(ctx, req.Connection)
	if err != nil {
		return nil, err
	}
	req.Spec = withDefaults(req.Spec, defaults)
	// A request asked before has its creates on record: their VMs are
	// its first ones, under the names they were given.
	earlier := map[string]model.VMIntent{}
	var before []model.VMIntent
	if req.Key != "" {
		if before, err = inv.store.VMIntentsOf(ctx, req.Key); err != nil {
			return nil, err
		}
		for _, in := range before {
			earlier[in.Name] = in
		}
	}
	// Names are checked against the cloud as it is now, not as last seen.
	if err := inv.RefreshConnection(ctx, req.Connection); err != nil {
		return nil, fmt.Errorf("check the names against %s: %w", req.Connection, err)
	}
	known, err := inv.VMs(ctx, req.Connection, false)
	if err != nil {
		return nil, err
	}
	taken := map[string]model.VMRecord{}
	for _, k := range known {
		if _, ours := earlier[k.Name]; k.State != model.VMDeleted && !ours {
			taken[k.Name] = k
		}
	}
	names, err := inv.names(ctx, req, before, taken)
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		if k, ok := taken[name]; ok {
			return nil, model.Errorf(model.ErrConflict, "connection %s already has a VM named %s (%s): choose another name", req.Connection, k.Name, k.ID)
		}
	}
	var out []model.VMRecord
	for _, name := range names {
		if in, ok := earlier[name]; ok {
			rec, done, err := inv.again(ctx, p, in, req.Why)
			if err == nil && done {
				rec, err = inv.ensurePublicIP(ctx, p, rec, req)
			}
			if err != nil {
				return out, err
			}
			if done {
				out = append(out, rec)
				continue
			}
		}
		spec := req.Spec
		spec.Name, spec.Token = name, newToken()
		data, err := json.Marshal(spec)
		if err != nil {
			return out, err
		}
		in := model.VMIntent{Token: spec.Token, Connection: req.Connection, Name: name, Spec: data, Request: req.Key, CreatedAt: inv.now()}
		if err := inv.store.AddVMIntent(ctx, in); err != nil {
			return out, err
		}
		rec, err := inv.finishCreate(ctx, p, in, spec, req.Why)
		if err == nil {
			rec, err = inv.ensurePublicIP(ctx, p, rec, req)
		}
		if err != nil {
			return out, err
		}
		out = append(out, rec)
	}
	return out, nil
}

// again finishes a create asked for before: the VM it made, if it still
// exists; the create asked again with its token, if the cloud never
// answered; its refusal again, if the cloud refused. done is false when
// the VM it made is gone, and a new one is to be made.
func (inv *Inventory) again(ctx context.Context, p Provider, in model.VMIntent, why string) (rec model.VMRecord, done bool, err error) {
	switch {
	case in.Error != "":
		return rec, true, model.Errorf(model.ErrConflict, "the create of %s was refused before: %s", in.Name, in.Error)
	case in.VMID == "":
		var spec CreateSpec
		if err := json.Unmarshal(in.Spec, &spec); err != nil {
			return rec, true, err
		}
		rec, err = inv.finishCreate(ctx, p, in, spec, why)
		return rec, true, err
	}
	rec, err = inv.store.VM(ctx, in.Connection, in.VMID)
	if err != nil || !rec.GoneAt.IsZero() || rec.State == model.VMDeleted {
		return rec, false, nil
	}
	return rec, true, nil
}

// finishCreate asks the cloud for the VM of an intent and records the
// answer. A refusal ends the intent; a failure that may not be final
// (the cloud unreachable, a timeout) leaves it open for Reconcile.
func (inv *Inventory) finishCreate(ctx context.Context, p Provider, in model.VMIntent, spec CreateSpec, why string) (model.VMRecord, error) {
	vm, err := p.Create(ctx, spec)
	if err != nil {
		if final(err) {
			if ferr := inv.store.FinishVMIntent(context.WithoutCancel(ctx), in.Token, "", err.Error()); ferr != nil {
				inv.logger.Error("record failed create", "name", in.Name, "err", ferr)
			}
		}
		return model.VMRecord{}, err
	}
	vm.Connection, vm.Kind = in.Connection, p.Kind()
	if vm.Token == "" {
		vm.Token = in.Token
	}
	at := inv.now()
	msg := "created by meshflow"
	if why != "" {
		msg += " for " + why
	}
	ev := model.VMEvent{At: at, Connection: in.Connection, VMID: vm.ID, Name: vm.Name, Kind: model.VMActed, To: vm.State, Message: msg}
	inv.dropCache()
	if err := inv.store.SaveVM(ctx, vm, at, ev); err != nil {
		return model.VMRecord{}, err
	}
	if err := inv.store.FinishVMIntent(ctx, in.Token, vm.ID, ""); err != nil {
		return model.VMRecord{}, err
	}
	return inv.store.VM(ctx, in.Connection, vm.ID)
}

// final reports whether a create's error ends it: the cloud refused. An
// outage, a throttle or a cut connection may have let the VM be made.
func final(err error) bool {
	switch {
	case errors.Is(err, model.ErrUnavailable), errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return false
	case errors.Is(err, model.ErrInvalid), errors.Is(err, model.ErrConflict), errors.Is(err, model.ErrNotFound):
		return true
	}
	return false
}

// Reconcile finishes the creates a crash or an outage left open: each is
// asked again with its token, which gives back the VM the first call made,
// or makes it if the first call never reached the cloud.
func (inv *Inventory) Reconcile(ctx context.Context) error {
	open, err := inv.store.OpenVMIntents(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, in := range open {
		var spec CreateSpec
		if err := json.Unmarshal(in.Spec, &spec); err != nil {
			errs = append(errs, fmt.Errorf("create of %s: %w", in.Name, err))
			continue
		}
		p, err := inv.conns.Open(ctx, in.Connection)
		if errors.Is(err, model.ErrNotFound) {
			// The connection was removed since: nothing can finish it.
			err = inv.store.FinishVMIntent(ctx, in.Token, "", "its connection "+in.Connection+" was removed")
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("create of %s: %w", in.Name, err))
			continue
		}
		if p == nil {
			continue
		}
		if _, err := inv.finishCreate(ctx, p, in, spec, "a create interrupted before the cloud answered"); err != nil {
			errs = append(errs, fmt.Errorf("create of %s: %w", in.Name, err))
		}
	}
	return errors.Join(errs...)
}

// NamePattern is how names are generated on connection for prefix (""
// for the default), {n} standing for the counter: "ann-vm-{n}" by
// Cloudmesh's pattern, else as Settings or the connection's defaults say.
func (inv *Inventory) NamePattern(ctx context.Context, connection, prefix string) (string, error) {
	pattern, _, err := inv.namePattern(ctx, connection)
	if err != nil {
		return "", err
	}
	return strings.Replace(inv.expand(pattern, connection, prefix), counterPlaceholder, "{n}", 1), nil
}

// namePattern is the naming pattern in force on connection, and where it
// is set, for errors that say where to fix it: the connection's default
// name_pattern over Settings over Cloudmesh's.
func (inv *Inventory) namePattern(ctx context.Context, connection string) (pattern, where string, err error) {
	vs, err := inv.store.VMSettings(ctx)
	if err != nil {
		return "", "", err
	}
	pattern, where = cmp.Or(vs.NamePattern, model.CloudmeshNamePattern), "under Settings"
	defaults, err := inv.defaults(ctx, connection)
	if err != nil {
		return "", "", err
	}
	if p := defaults[model.DefaultNamePattern]; p != "" {
		pattern, where = p, "in the defaults of connection "+connection
	}
	if err := CheckNamePattern(pattern); err != nil {
		return "", "", fmt.Errorf("%w (fix it %s)", err, where)
	}
	return pattern, where, nil
}

// expand fills a naming pattern's placeholders but the counter.
func (inv *Inventory) expand(pattern, connection, prefix string) string {
	return strings.NewReplacer("{user}", inv.user, "{prefix}", cmp.Or(nameSafe(prefix), "vm"), "{connection}", nameSafe(connection)).Replace(pattern)
}

// names returns the names of the VMs to create: those given, or
// generated ones, the first of them the names the request's earlier
// creates were given. A generated name the cloud has taken is passed
// over, as Cloudmesh's counter never did.
func (inv *Inventory) names(ctx context.Context, req CreateRequest, before []model.VMIntent, taken map[string]model.VMRecord) ([]string, error) {
	if len(req.Names) > 0 {
		return req.Names, nil // checked by checkNames
	}
	count := max(req.Count, 1)
	out := make([]string, 0, count)
	for _, in := range before {
		if len(out) < count && !slices.Contains(out, in.Name) {
			out = append(out, in.Name)
		}
	}
	if len(out) == count {
		return out, nil
	}
	pattern, where, err := inv.namePattern(ctx, req.Connection)
	if err != nil {
		return nil, err
	}
	base := inv.expand(pattern, req.Connection, req.Prefix)
	if !strings.Contains(base, counterPlaceholder) {
		if count > 1 {
			return nil, model.Errorf(model.ErrInvalid, "the naming pattern %s has no %s, so it names one VM only: ask for one, give the names, or add %s to the pattern %s", pattern, counterPlaceholder, counterPlaceholder, where)
		}
		return append(out, base), nil // refused by the caller if taken
	}
	// The counter is kept per name without it: "ann-vm-" for ann-vm-3.
	key := strings.Replace(base, counterPlaceholder, "", 1)
	for len(out) < count {
		n, err := inv.store.NextVMNumber(ctx, key)
		if err != nil {
			return nil, err
		}
		if name := strings.Replace(base, counterPlaceholder, strconv.Itoa(n), 1); taken[name].ID == "" {
			out = append(out, name)
		}
	}
	return out, nil
}

// Action is a lifecycle verb.
type Action string

const (
	Start   Action = "start"
	Stop    Action = "stop"
	Suspend Action = "suspend"
	Resume  Action = "resume"
	Reboot  Action = "reboot"
	Destroy Action = "destroy"
)

// Actions are the lifecycle verbs, in the order faces offer them.
var Actions = []Action{Start, Stop, Suspend, Resume, Reboot, Destroy}

// ParseAction reads an action's name.
func ParseAction(s string) (Action, bool) {
	i := slices.Index(Actions, Action(s))
	if i < 0 {
		return "", false
	}
	return Actions[i], true
}

// Leads is what a VM the action was asked of is once it has taken
// effect: what waiting for it waits for.
func (a Action) Leads() Until {
	switch a {
	case Stop, Suspend:
		return UntilStopped
	case Destroy:
		return UntilDeleted
	case Resize, ConfirmResize, RevertResize:
		return UntilResized
	}
	return UntilRunning
}

// Act asks the cloud to act on one VM, by cloud id, and records it in
// the VM's history with who asked; the VM's state is then read back from
// the cloud.
func (inv *Inventory) Act(ctx context.Context, connection, id string, a Action, why string) (model.VMRecord, error) {
	return inv.Change(ctx, Change{Connection: connection, ID: id, Action: a, Why: why})
}

// Change does c to one VM as Act does: the lifecycle verbs, and the
// changes that take an argument (resize, rebuild, rename, public IPs).
func (inv *Inventory) Change(ctx context.Context, c Change) (model.VMRecord, error) {
	p, err := inv.conns.Open(ctx, c.Connection)
	if err != nil {
		return model.VMRecord{}, err
	}
	rec, err := inv.store.VM(ctx, c.Connection, c.ID)
	if err != nil {
		return model.VMRecord{}, model.Errorf(model.ErrNotFound, "connection %s has no VM %s that meshflow knows: refresh the inventory", c.Connection, c.ID)
	}
	result, err := change(ctx, p, c)
	inv.note(ctx, rec, c, result, err)
	if err != nil {
		return rec, err
	}
	vm, err := p.Get(ctx, c.ID)
	switch {
	case errors.Is(err, model.ErrNotFound) && c.Action == Destroy:
		return inv.destroyed(ctx, rec)
	case err != nil:
		return rec, nil // the action was accepted; the state shows at the next refresh
	}
	vm.Connection, vm.Kind = c.Connection, p.Kind()
	if err := inv.save(ctx, vm); err != nil {
		return rec, err
	}
	return inv.store.VM(ctx, c.Connection, c.ID)
}

// destroyed records that a VM the cloud no longer finds after a destroy is
// deleted, so that until the next refresh no page shows it running and
// the guard does not call it forgotten. Azure and OpenStack forget a
// deleted VM at once; EC2 lists it as terminated for an hour.
func (inv *Inventory) destroyed(ctx context.Context, rec model.VMRecord) (model.VMRecord, error) {
	vm := withoutLabels(rec)
	vm.State, vm.CloudState = model.VMDeleted, "not found after destroy"
	if err := inv.save(ctx, vm); err != nil {
		return rec, err
	}
	return inv.store.VM(ctx, vm.Connection, vm.ID)
}

// save records what the cloud now says of a VM, and in its history the
// change of state, if any, since meshflow last looked.
func (inv *Inventory) save(ctx context.Context, vm model.VM) error {
	at := inv.now()
	var events []model.VMEvent
	if was, err := inv.store.VM(ctx, vm.Connection, vm.ID); err == nil && was.State != vm.State {
		events = append(events, model.VMEvent{
			At: at, Connection: vm.Connection, VMID: vm.ID, Name: vm.Name,
			Kind: model.VMChanged, From: was.State, To: vm.State, Message: "seen by meshflow",
		})
	}
	defer inv.dropCache()
	return inv.store.SaveVM(ctx, vm, at, events...)
}

// History returns a VM's events, newest first.
func (inv *Inventory) History(ctx context.Context, connection, id string, limit int) ([]model.VMEvent, error) {
	return inv.store.VMEvents(ctx, connection, id, cmp.Or(limit, 100))
}

// newToken makes an idempotency key: 128 random bits, which EC2's
// 64-character ClientToken and every cloud's tags hold.
func newToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return "mf-" + hex.EncodeToString(b)
}

// nameSafe lower-cases s and keeps letters, digits and dashes: what every
// cloud accepts in a VM name.
func nameSafe(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '-' || r == '_' || r == '.' || r == ' ':
			b.WriteByte('-')
		}
	}
	return strings.Trim(b.String(), "-")
}

// checkNames refuses names given that no VM can have, before any cloud
// is asked.
func checkNames(names []string) error {
	for _, n := range names {
		if strings.TrimSpace(n) == "" {
			return model.Errorf(model.ErrInvalid, "a VM name is empty: give each VM a name, or none to have them generated")
		}
	}
	if dup := firstDuplicate(names); dup != "" {
		return model.Errorf(model.ErrInvalid, "the name %s is asked for twice: VM names must differ", dup)
	}
	return nil
}

func firstDuplicate(names []string) string {
	seen := map[string]bool{}
	for _, n := range names {
		if seen[n] {
			return n
		}
		seen[n] = true
	}
	return ""
}

// Refreshes says how the last refresh of each connection went, and so how
// old what the inventory shows is.
func (inv *Inventory) Refreshes(ctx context.Context) ([]model.RefreshStatus, error) {
	return inv.store.Refreshes(ctx)
}

// Use records that a task of run used a VM: while the run is active the
// VM is not forgotten.
func (inv *Inventory) Use(ctx context.Context, connection, id string, runID int64) error {
	return inv.store.UseVM(ctx, connection, id, runID)
}

// BusyVMs says which VMs active runs use; the inventory is its own Busy.
func (inv *Inventory) BusyVMs(ctx context.Context) (map[string]bool, error) {
	return inv.store.BusyVMs(ctx)
}
