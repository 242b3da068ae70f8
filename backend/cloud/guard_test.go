package cloud_test

import (
	"strings"
	"testing"
	"time"

	"github.com/meshflow/meshflow/backend/clock"
	"github.com/meshflow/meshflow/backend/cloud"
	"github.com/meshflow/meshflow/backend/cloud/aws/ec2fake"
	"github.com/meshflow/meshflow/backend/model"
)

// With "stop forgotten VMs after 2 hours" on, a VM nothing uses is warned
// of once it has run 2 hours, shown as stopping, and stopped on EC2 when
// the hour's warning has passed; a VM an active run uses is never touched.
// Off, the guard does nothing.
func TestGuardWarnsThenStopsForgottenVMs(t *testing.T) {
	st := openStore(t)
	clk := clock.NewFake(time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC))
	inv, fake := awsLabOn(t, st, ec2fake.Options{Clock: clk.Now}, cloud.Options{Now: clk.Now, Poll: time.Millisecond})
	ctx := t.Context()
	made, err := inv.Create(ctx, cloud.CreateRequest{Connection: "lab", Names: []string{"idle", "busy"}, Spec: labSpec(), Wait: cloud.UntilRunning})
	if err != nil {
		t.Fatal(err)
	}
	idle, busy := made[0], made[1]
	run := &model.Run{DAG: "nightly", State: model.RunRunning, Trigger: model.TriggerManual, LogicalDate: clk.Now(), QueuedAt: clk.Now()}
	if err := st.CreateRun(ctx, run, []byte("name: nightly\n"), nil); err != nil {
		t.Fatal(err)
	}
	if err := inv.Use(ctx, "lab", busy.ID, run.ID); err != nil {
		t.Fatal(err)
	}
	turn := func() []cloud.Guarded {
		t.Helper()
		clk.Advance(time.Minute)
		if err := inv.RefreshConnection(ctx, "lab"); err != nil {
			t.Fatal(err)
		}
		g, err := inv.Guard(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return g
	}

	clk.Advance(5 * time.Hour)
	if g := turn(); len(g) != 0 {
		t.Fatalf("the guard acted while off: %+v", g)
	}
	if err := st.SaveVMSettings(ctx, model.VMSettings{NamePattern: model.CloudmeshNamePattern, StopForgottenAfter: 2 * time.Hour, StopWarning: time.Hour}); err != nil {
		t.Fatal(err)
	}
	g := turn()
	if len(g) != 1 || g[0].VM.ID != idle.ID || g[0].Stopped || !g[0].StopAt.Equal(clk.Now().Add(time.Hour)) {
		t.Fatalf("first turn = %+v, want a warning of idle", g)
	}
	if stopping, _ := inv.Stopping(ctx); len(stopping) != 1 || stopping[0].VM.ID != idle.ID {
		t.Errorf("stopping = %+v", stopping)
	}
	h, _ := inv.History(ctx, "lab", idle.ID, 0)
	if h[0].Kind != model.VMWarned || !strings.Contains(h[0].Message, "unless a run uses it") {
		t.Errorf("idle's history starts %+v", h[0])
	}
	clk.Advance(30 * time.Minute)
	if g := turn(); len(g) != 0 {
		t.Fatalf("a turn within the warning = %+v", g)
	}
	clk.Advance(30 * time.Minute)
	g = turn()
	if len(g) != 1 || !g[0].Stopped || g[0].Err != nil || g[0].VM.ID != idle.ID {
		t.Fatalf("after the warning = %+v, want idle stopped", g)
	}
	vms, _ := inv.VMs(ctx, "lab", false)
	for _, vm := range vms {
		want := model.VMRunning
		if vm.ID == idle.ID {
			want = model.VMStopped
		}
		if vm.State != want {
			t.Errorf("%s is %s, want %s", vm.Name, vm.State, want)
		}
	}
	if h, _ := inv.History(ctx, "lab", idle.ID, 0); !strings.Contains(h[1].Message, "stop asked by "+cloud.GuardWhy) {
		t.Errorf("idle's history = %+v", h[:2])
	}
	if n := fake.Calls("StopInstances"); n != 1 {
		t.Errorf("StopInstances called %d times", n)
	}
}
