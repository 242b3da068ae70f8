package hosts

import (
	"errors"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/meshflow/meshflow/backend/cloud"
	"github.com/meshflow/meshflow/backend/model"
)

// A host that answers on its port is running; one that does not is
// unknown, with the reason; lifecycle verbs are refused in words.
func TestHostsAreListedAndNeverManaged(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	upPort := ln.Addr().(*net.TCPAddr).Port
	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	downPort := closed.Addr().(*net.TCPAddr).Port
	closed.Close()

	p := New(Config{Connection: "lab", DialTimeout: time.Second, Hosts: []model.SSHHost{
		{Name: "here", Address: "127.0.0.1", Port: upPort, User: "ann"},
		{Address: "127.0.0.1", Port: downPort, User: "ann"},
	}})
	vms, err := p.List(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(vms) != 2 {
		t.Fatalf("listed %d hosts", len(vms))
	}
	up, down := vms[0], vms[1]
	if up.State != model.VMRunning || up.Name != "here" || up.ID != "127.0.0.1:"+strconv.Itoa(upPort) || up.PrivateIPs[0] != "127.0.0.1" {
		t.Errorf("reachable host = %+v", up)
	}
	if down.State != model.VMUnknown || !strings.Contains(down.CloudState, "unreachable") || down.Name != "127.0.0.1" {
		t.Errorf("unreachable host = %+v", down)
	}
	if id, err := p.Identity(t.Context()); err != nil || id != "1 of 2 hosts answer on their SSH port" {
		t.Errorf("identity = %q, %v", id, err)
	}
	if _, err := p.Get(t.Context(), "10.9.9.9:22"); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("get of an unknown host: %v", err)
	}
	err = p.Stop(t.Context(), up.ID)
	if !errors.Is(err, cloud.ErrNotSupported) || !strings.HasPrefix(err.Error(), `hosts connection "lab": stop 127.0.0.1:`) || !strings.Contains(err.Error(), "does not create, start, stop or destroy") {
		t.Errorf("stop = %v", err)
	}
	if _, err := New(Config{Connection: "empty"}).Identity(t.Context()); !errors.Is(err, model.ErrInvalid) {
		t.Errorf("identity of no hosts = %v", err)
	}
}
