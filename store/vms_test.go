package store

import (
	"errors"
	"testing"
	"time"

	"github.com/meshflow/meshflow/backend/model"
)

// A refresh replaces what is known of a connection's VMs in one go; a VM
// the cloud stops listing is kept, gone, with its history; another
// connection's VMs are not touched.
func TestSnapshotsKeepGoneVMsAndTheirHistory(t *testing.T) {
	s := openTemp(t)
	ctx := t.Context()
	t0 := time.UnixMilli(1_700_000_000_000)
	web := model.VM{
		Connection: "lab", ID: "i-1", Name: "web", State: model.VMRunning, PublicIPs: []string{"203.0.113.7"},
		Tags: map[string]string{"team": "a"}, LaunchedAt: t0.Add(-time.Hour), Token: "tok-1",
	}
	db := model.VM{Connection: "lab", ID: "i-2", Name: "db", State: model.VMStopped}
	other := model.VM{Connection: "az", ID: "/subscriptions/x/vm1", Name: "vm1", State: model.VMRunning}
	if err := s.ApplySnapshot(ctx, model.VMSnapshot{
		Connection: "lab", At: t0, Seen: []model.VM{web, db},
		Events: []model.VMEvent{{At: t0, Connection: "lab", VMID: "i-1", Name: "web", Kind: model.VMAppeared, To: model.VMRunning}},
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.ApplySnapshot(ctx, model.VMSnapshot{Connection: "az", At: t0, Seen: []model.VM{other}}); err != nil {
		t.Fatal(err)
	}
	t1 := t0.Add(time.Minute)
	web.State, web.Token = model.VMStopped, "" // a refresh that does not see the token keeps it
	if err := s.ApplySnapshot(ctx, model.VMSnapshot{
		Connection: "lab", At: t1, Seen: []model.VM{web}, Gone: []string{"i-2"},
		Events: []model.VMEvent{{At: t1, Connection: "lab", VMID: "i-2", Name: "db", Kind: model.VMVanished}},
	}); err != nil {
		t.Fatal(err)
	}
	got, err := s.VMs(ctx, "lab")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Name != "db" || got[1].Name != "web" {
		t.Fatalf("vms = %+v", got)
	}
	gone, kept := got[0], got[1]
	if !gone.GoneAt.Equal(t1) || gone.State != model.VMStopped {
		t.Errorf("gone vm = %+v", gone)
	}
	if kept.State != model.VMStopped || !kept.FirstSeen.Equal(t0) || !kept.LastSeen.Equal(t1) || kept.Token != "tok-1" ||
		kept.PublicIPs[0] != "203.0.113.7" || kept.Tags["team"] != "a" || !kept.LaunchedAt.Equal(t0.Add(-time.Hour)) || !kept.GoneAt.IsZero() {
		t.Errorf("kept vm = %+v", kept)
	}
	if all, _ := s.VMs(ctx, ""); len(all) != 3 {
		t.Errorf("every connection's vms = %d, want 3", len(all))
	}
	events, err := s.VMEvents(ctx, "lab", "i-2", 10)
	if err != nil || len(events) != 1 || events[0].Kind != model.VMVanished {
		t.Errorf("db's history = %+v, %v", events, err)
	}
	if _, err := s.VM(ctx, "lab", "i-9"); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("unknown vm: %v", err)
	}
	if err := s.FailRefresh(ctx, "az", t1, "azure connection \"az\": list: AuthorizationFailed"); err != nil {
		t.Fatal(err)
	}
	refreshes, err := s.Refreshes(ctx)
	if err != nil || len(refreshes) != 2 || refreshes[0].Connection != "az" || refreshes[0].Error == "" || refreshes[1].VMs != 1 || refreshes[1].Error != "" {
		t.Errorf("refreshes = %+v, %v", refreshes, err)
	}
	if vms, _ := s.VMs(ctx, "az"); len(vms) != 1 {
		t.Errorf("a failed refresh forgot the VMs it knew: %+v", vms)
	}
}

// A create is on record before the cloud is called, once per token, and
// stays open until it is finished; generated names count up for good.
func TestVMIntentsAndNameCounters(t *testing.T) {
	s := openTemp(t)
	ctx := t.Context()
	in := model.VMIntent{Token: "tok-1", Connection: "lab", Name: "ann-lab-1", Spec: []byte(`{"image":"ami-1"}`), CreatedAt: time.Now()}
	if err := s.AddVMIntent(ctx, in); err != nil {
		t.Fatal(err)
	}
	if err := s.AddVMIntent(ctx, in); !errors.Is(err, model.ErrConflict) {
		t.Errorf("second intent with one token: %v", err)
	}
	open, err := s.OpenVMIntents(ctx)
	if err != nil || len(open) != 1 || open[0].Name != "ann-lab-1" || string(open[0].Spec) != `{"image":"ami-1"}` {
		t.Fatalf("open intents = %+v, %v", open, err)
	}
	if err := s.FinishVMIntent(ctx, "tok-1", "i-1", ""); err != nil {
		t.Fatal(err)
	}
	if open, _ := s.OpenVMIntents(ctx); len(open) != 0 {
		t.Errorf("finished intent still open: %+v", open)
	}
	if err := s.FinishVMIntent(ctx, "tok-9", "i-9", ""); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("finishing an unknown intent: %v", err)
	}
	for want := 1; want <= 3; want++ {
		if n, err := s.NextVMNumber(ctx, "ann-lab-"); err != nil || n != want {
			t.Fatalf("next number = %d, %v; want %d", n, err, want)
		}
	}
	if n, _ := s.NextVMNumber(ctx, "bob-lab-"); n != 1 {
		t.Errorf("another prefix starts at %d", n)
	}
}

// A VM a queued or running run used is busy; once the run ends it is not.
func TestBusyVMs(t *testing.T) {
	s := openTemp(t)
	ctx := t.Context()
	r := newRun("nightly", model.TriggerManual, time.Now())
	if err := s.CreateRun(ctx, r, []byte("name: nightly\n"), nil); err != nil {
		t.Fatal(err)
	}
	for range 2 { // twice: recorded once
		if err := s.UseVM(ctx, "lab", "i-1", r.ID); err != nil {
			t.Fatal(err)
		}
	}
	busy, err := s.BusyVMs(ctx)
	if err != nil || !busy["lab/i-1"] || len(busy) != 1 {
		t.Fatalf("busy while queued = %v, %v", busy, err)
	}
	r.State, r.EndedAt = model.RunSuccess, time.Now()
	if err := s.SaveBatch(ctx, model.Batch{Runs: []model.Run{*r}}); err != nil {
		t.Fatal(err)
	}
	if busy, _ := s.BusyVMs(ctx); len(busy) != 0 {
		t.Errorf("busy after the run ended = %v", busy)
	}
}
