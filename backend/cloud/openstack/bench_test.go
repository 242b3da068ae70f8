package openstack

import (
	"context"
	"testing"
)

// BenchmarkList1000 lists 1,000 servers from osfake: at Nova's default
// max_limit of 1,000 that is one full page and the empty page its next
// link leads to, as on a real cloud.
func BenchmarkList1000(b *testing.B) {
	fake, _ := newCloud(b)
	p := connect(b, fake)
	fake.Seed(1000)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		vms, err := p.List(ctx)
		if err != nil || len(vms) != 1000 {
			b.Fatalf("listed %d, %v", len(vms), err)
		}
	}
}
