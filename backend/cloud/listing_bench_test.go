package cloud_test

import (
	"encoding/json"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/meshflow/meshflow/backend/cloud"
	"github.com/meshflow/meshflow/backend/model"
)

// BenchmarkList lists 3 connections × 1,000 VMs as GET /api/v1/vms and
// `meshflow vm list --json` do, costs, ages and forgotten flags included,
// encoded to JSON; and filtered to one state.
func BenchmarkList(b *testing.B) {
	st := openStore(b)
	at := time.Now().Add(-time.Hour)
	for _, conn := range []string{"aws-lab", "aws-prod", "aws-dev"} {
		snap := model.VMSnapshot{Connection: conn, At: at}
		for i := range 1000 {
			state := model.VMRunning
			if i%4 == 0 {
				state = model.VMStopped
			}
			snap.Seen = append(snap.Seen, model.VM{
				Connection: conn, Kind: model.CloudAWS, ID: fmt.Sprintf("i-%s-%04d", conn, i), Name: fmt.Sprintf("vm-%04d", i),
				State: state, Region: "us-east-1", Flavor: "t3.medium", PrivateIPs: []string{fmt.Sprintf("10.0.%d.%d", i/250, i%250)},
				Tags: map[string]string{"env": "lab"}, LaunchedAt: at.Add(-time.Duration(i) * time.Minute),
			})
		}
		if err := st.ApplySnapshot(b.Context(), snap); err != nil {
			b.Fatal(err)
		}
	}
	prices, err := cloud.LoadPrices(nil, "")
	if err != nil {
		b.Fatal(err)
	}
	inv := cloud.NewInventory(st, conns{}, cloud.Options{Prices: prices})
	for _, f := range []cloud.Filter{{}, {State: "stopped"}} {
		b.Run(fmt.Sprintf("state=%q", f.State), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				l, err := inv.List(b.Context(), f)
				if err != nil || len(l.VMs) == 0 {
					b.Fatal(len(l.VMs), err)
				}
				if err := json.NewEncoder(io.Discard).Encode(l); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
