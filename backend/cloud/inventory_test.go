package cloud_test

import (
	"context"
	"errors"
	"net"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/meshflow/meshflow/backend/cloud"
	"github.com/meshflow/meshflow/backend/cloud/hosts"
	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/store"
)

// conns hands the inventory providers by connection name, as the
// connections service does from sealed records.
type conns map[string]func() (cloud.Provider, error)

func (c conns) Active(context.Context) ([]string, error) {
	var out []string
	for name := range c {
		out = append(out, name)
	}
	slices.Sort(out)
	return out, nil
}

func (c conns) Open(_ context.Context, name string) (cloud.Provider, error) {
	open, ok := c[name]
	if !ok {
		return nil, model.Errorf(model.ErrNotFound, "no connection named %s", name)
	}
	return open()
}

func openStore(t testing.TB) *store.Store {
	t.Helper()
	s, err := store.Open(t.Context(), filepath.Join(t.TempDir(), "meshflow.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// listen accepts and closes connections on a loopback port, as an SSH
// server's port answers, until stopped.
func listen(t *testing.T) (port int, stop func()) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return ln.Addr().(*net.TCPAddr).Port, func() { ln.Close() }
}

// The inventory keeps what each connection's cloud lists, notices what
// changed between refreshes — a VM that appeared, one whose state changed,
// one that vanished — and keeps a connection that fails to answer as it
// last was, with its error, while the others refresh.
func TestRefreshRecordsWhatChangedOutsideMeshflow(t *testing.T) {
	st := openStore(t)
	webPort, stopWeb := listen(t)
	dbPort, _ := listen(t)
	list := []model.SSHHost{{Name: "web", Address: "127.0.0.1", Port: webPort}, {Name: "db", Address: "127.0.0.1", Port: dbPort}}
	c := conns{
		"lab": func() (cloud.Provider, error) { return hosts.New(hosts.Config{Connection: "lab", Hosts: list}), nil },
		"broken": func() (cloud.Provider, error) {
			return nil, model.Errorf(model.ErrInvalid, "connection broken: its secret cannot be opened")
		},
	}
	inv := cloud.NewInventory(st, c, cloud.Options{})
	ctx := t.Context()
	status, err := inv.Refresh(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(status) != 2 || status[0].Connection != "broken" || !strings.Contains(status[0].Error, "cannot be opened") || status[1].VMs != 2 || status[1].Error != "" {
		t.Fatalf("refresh status = %+v", status)
	}
	vms, _ := inv.VMs(ctx, "lab", false)
	if len(vms) != 2 || vms[0].State != model.VMRunning || vms[1].State != model.VMRunning {
		t.Fatalf("vms = %+v", vms)
	}
	web := vms[1]
	if h, _ := inv.History(ctx, "lab", web.ID, 0); len(h) != 1 || h[0].Kind != model.VMAppeared {
		t.Errorf("web's history after the first refresh = %+v", h)
	}

	stopWeb()
	list = list[1:] // and db is no longer listed
	list = append(list, model.SSHHost{Name: "web", Address: "127.0.0.1", Port: webPort})
	if err := inv.RefreshConnection(ctx, "lab"); err != nil {
		t.Fatal(err)
	}
	h, _ := inv.History(ctx, "lab", web.ID, 0)
	if len(h) != 2 || h[0].Kind != model.VMChanged || h[0].From != model.VMRunning || h[0].To != model.VMUnknown {
		t.Errorf("web's history after its port closed = %+v", h)
	}

	list = list[1:]
	if err := inv.RefreshConnection(ctx, "lab"); err != nil {
		t.Fatal(err)
	}
	shown, _ := inv.VMs(ctx, "lab", false)
	all, _ := inv.VMs(ctx, "lab", true)
	if len(shown) != 1 || shown[0].Name != "web" || len(all) != 2 {
		t.Fatalf("after db vanished: shown %+v, all %d", shown, len(all))
	}
	db := all[0]
	if db.GoneAt.IsZero() {
		t.Error("a vanished VM is not marked gone")
	}
	if h, _ := inv.History(ctx, "lab", db.ID, 0); h[0].Kind != model.VMVanished {
		t.Errorf("db's history = %+v", h)
	}
}

// A lifecycle verb the cloud cannot do is refused in words, and the
// refusal is in the VM's history.
func TestActOnAHostIsRefusedAndRecorded(t *testing.T) {
	st := openStore(t)
	port, _ := listen(t)
	c := conns{"lab": func() (cloud.Provider, error) {
		return hosts.New(hosts.Config{Connection: "lab", Hosts: []model.SSHHost{{Name: "web", Address: "127.0.0.1", Port: port}}}), nil
	}}
	inv := cloud.NewInventory(st, c, cloud.Options{Now: func() time.Time { return time.UnixMilli(1_700_000_000_000) }})
	ctx := t.Context()
	if err := inv.RefreshConnection(ctx, "lab"); err != nil {
		t.Fatal(err)
	}
	vms, _ := inv.VMs(ctx, "lab", false)
	for _, a := range []cloud.Action{cloud.Stop, cloud.Suspend} {
		if _, err := inv.Act(ctx, "lab", vms[0].ID, a, "run 7 task nightly"); !errors.Is(err, cloud.ErrNotSupported) {
			t.Errorf("%s of a host: %v", a, err)
		}
	}
	h, _ := inv.History(ctx, "lab", vms[0].ID, 0)
	if len(h) != 3 || !strings.HasPrefix(h[0].Message, "suspend asked by run 7 task nightly, refused: ") || !strings.HasPrefix(h[1].Message, "stop asked by run 7 task nightly, refused: hosts connection") {
		t.Errorf("history = %+v", h)
	}
	if _, err := inv.Act(ctx, "lab", "nope:22", cloud.Start, ""); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("act on an unknown VM: %v", err)
	}
}
