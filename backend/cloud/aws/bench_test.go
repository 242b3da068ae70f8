package aws

import (
	"context"
	"testing"
)

// BenchmarkList1000 lists 1,000 instances through the SDK against the
// fake: one DescribeInstances page, signed, sent, decoded and mapped.
func BenchmarkList1000(b *testing.B) {
	e := setup(b)
	e.fake.Seed(1000)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		vms, err := e.p.List(ctx)
		if err != nil || len(vms) != 1000 {
			b.Fatalf("List = %d VMs, %v", len(vms), err)
		}
	}
}
