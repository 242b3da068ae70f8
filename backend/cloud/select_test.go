package cloud_test

import (
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/meshflow/meshflow/backend/cloud"
	"github.com/meshflow/meshflow/backend/cloud/hosts"
	"github.com/meshflow/meshflow/backend/model"
)

// Ops and bulk actions pick VMs by names, ids, tags or group; a name two
// VMs share is refused with their ids, and so is a choice of nothing.
func TestSelect(t *testing.T) {
	st := openStore(t)
	ctx := t.Context()
	at := time.Now()
	vm := func(conn, id, name string, tags map[string]string) model.VM {
		return model.VM{Connection: conn, ID: id, Name: name, State: model.VMRunning, Tags: tags}
	}
	for conn, vms := range map[string][]model.VM{
		"aws": {vm("aws", "i-1", "web", map[string]string{"env": "prod", cloud.GroupTag: "front"}), vm("aws", "i-2", "db", map[string]string{"env": "prod"})},
		"az":  {vm("az", "vm-1", "web", map[string]string{"env": "dev", cloud.GroupTag: "front"}), vm("az", "vm-2", "batch", nil)},
	} {
		if err := st.ApplySnapshot(ctx, model.VMSnapshot{Connection: conn, At: at, Seen: vms}); err != nil {
			t.Fatal(err)
		}
	}
	inv := cloud.NewInventory(st, conns{}, cloud.Options{})
	ids := func(s cloud.Selector) (string, error) {
		got, err := inv.Select(ctx, s)
		var out []string
		for _, v := range got {
			out = append(out, v.ID)
		}
		return strings.Join(out, ","), err
	}
	for _, tt := range []struct {
		s    cloud.Selector
		want string
	}{
		{cloud.Selector{Tags: map[string]string{"env": "prod"}}, "i-2,i-1"}, // by connection, then name
		{cloud.Selector{Group: "front"}, "i-1,vm-1"},
		{cloud.Selector{Group: "front", Connection: "az"}, "vm-1"},
		{cloud.Selector{Names: []string{"web"}, Connection: "aws"}, "i-1"},
		{cloud.Selector{Names: []string{"db", "batch"}}, "i-2,vm-2"},
		{cloud.Selector{IDs: []string{"vm-2"}}, "vm-2"},
	} {
		if got, err := ids(tt.s); err != nil || got != tt.want {
			t.Errorf("select %s = %q, %v; want %q", tt.s, got, err, tt.want)
		}
	}
	for _, tt := range []struct {
		s    cloud.Selector
		kind error
		says string
	}{
		{cloud.Selector{Names: []string{"web"}}, model.ErrConflict, "2 VMs are named web (aws i-1, az vm-1): choose one by id"},
		{cloud.Selector{}, model.ErrInvalid, "no VMs chosen"},
		{cloud.Selector{Names: []string{"nope"}}, model.ErrNotFound, "no VM is named nope"},
		{cloud.Selector{IDs: []string{"i-9"}}, model.ErrNotFound, "no VM has id i-9"},
		{cloud.Selector{Tags: map[string]string{"env": "qa"}}, model.ErrNotFound, "no VM matches tag env=qa"},
	} {
		_, err := ids(tt.s)
		if !errors.Is(err, tt.kind) || !strings.Contains(err.Error(), tt.says) {
			t.Errorf("select %s: %v, want %v saying %q", tt.s, err, tt.kind, tt.says)
		}
	}
}

// Wait returns once a VM's SSH port answers with a banner, not merely
// once the port accepts, and gives up at its deadline saying what state
// the VM was in.
func TestWaitForSSH(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	banner := make(chan bool, 1)
	banner <- false
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			b := <-banner
			if b {
				c.Write([]byte("SSH-2.0-OpenSSH_9.2\r\n"))
			}
			banner <- true // sshd is up from the second try on
			c.Close()
		}
	}()
	port := ln.Addr().(*net.TCPAddr).Port
	st := openStore(t)
	c := conns{"lab": func() (cloud.Provider, error) {
		return hosts.New(hosts.Config{Connection: "lab", Hosts: []model.SSHHost{{Name: "web", Address: "127.0.0.1", Port: port}}}), nil
	}}
	inv := cloud.NewInventory(st, c, cloud.Options{})
	ctx := t.Context()
	if err := inv.RefreshConnection(ctx, "lab"); err != nil {
		t.Fatal(err)
	}
	id := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	vm, err := inv.Wait(ctx, "lab", id, cloud.UntilSSHReady, 10*time.Millisecond)
	if err != nil || vm.Name != "web" {
		t.Fatalf("wait for ssh = %+v, %v", vm, err)
	}
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := inv.Wait(short, "lab", id, cloud.UntilStopped, 10*time.Millisecond); !errors.Is(err, model.ErrUnavailable) || !strings.Contains(err.Error(), "gave up waiting for VM web to be stopped: it is ") {
		t.Errorf("wait past the deadline: %v", err)
	}
}
