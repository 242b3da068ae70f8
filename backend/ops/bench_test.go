package ops

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/meshflow/meshflow/backend/cloud"
	"github.com/meshflow/meshflow/backend/cloud/aws/ec2fake"
	"github.com/meshflow/meshflow/store"
)

// fakeLatency stands in for EC2's round trip.
const fakeLatency = 20 * time.Millisecond

// BenchmarkVMCreate20 runs one vm.create task of count 20, waiting until
// they run, against an EC2 whose every call takes fakeLatency. The fake's
// time is requests × latency (the creates go one after the other);
// overhead-ms is the rest: meshflow, the SDK and SQLite.
func BenchmarkVMCreate20(b *testing.B) {
	ctx := b.Context()
	var requests int
	for b.Loop() {
		b.StopTimer()
		fake := ec2fake.New(ec2fake.Options{Latency: fakeLatency})
		st, err := store.Open(ctx, filepath.Join(b.TempDir(), "meshflow.db"))
		if err != nil {
			b.Fatal(err)
		}
		inv := cloud.NewInventory(st, awsConns{fake}, cloud.Options{User: "ann"})
		task, _ := newTask(b, map[string]any{
			"connection": "lab", "count": 20, "image": "ami-0a1b2c3d4e5f60001", "flavor": "t3.micro",
			"ssh_from": "203.0.113.7/32", "poll": "10ms",
		})
		b.StartTimer()
		out, err := VMCreate{VMs: inv}.Run(ctx, task)
		b.StopTimer()
		if err != nil || out["count"] != "20" {
			b.Fatalf("vm.create = %v, %v", out["count"], err)
		}
		requests += fake.Requests()
		st.Close()
		fake.Close()
		b.StartTimer()
	}
	perRun := float64(requests) / float64(b.N)
	floor := perRun * float64(fakeLatency.Milliseconds())
	b.ReportMetric(perRun, "requests")
	b.ReportMetric(floor, "latency-ms")
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N)-floor, "overhead-ms")
}
