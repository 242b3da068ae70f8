package cloud_test

import (
	"context"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/meshflow/meshflow/backend/cloud"
	"github.com/meshflow/meshflow/backend/cloud/aws"
	"github.com/meshflow/meshflow/backend/cloud/aws/ec2fake"
	"github.com/meshflow/meshflow/backend/cloud/azure/azfake"
	"github.com/meshflow/meshflow/backend/cloud/openstack"
	"github.com/meshflow/meshflow/backend/cloud/openstack/osfake"
)

// threeClouds is one connection each of EC2, Azure and OpenStack, n VMs
// on each: every one its real adapter, opened afresh at each use as the
// app does, on its in-memory fake.
func threeClouds(b *testing.B, n int) conns {
	ec2 := ec2fake.New(ec2fake.Options{AccessKeyID: "AKIABENCH"})
	b.Cleanup(ec2.Close)
	ec2.Seed(n)
	az := azfake.New(azSub)
	az.Seed("lab-rg", "westeurope", n)
	nova := osfake.New()
	b.Cleanup(nova.Close)
	nova.Seed(n)
	return conns{
		"aws": func() (cloud.Provider, error) {
			return aws.New(context.Background(), aws.Config{
				Connection: "aws", Region: "us-east-1", AccessKeyID: "AKIABENCH", SecretAccessKey: "x",
				Endpoint: ec2.URL, HTTPClient: ec2.Client(),
			})
		},
		"azure": azureOn(az, "azure"),
		"chameleon": func() (cloud.Provider, error) {
			return openstack.New(context.Background(), openstack.Config{
				Connection: "chameleon", AuthURL: nova.AuthURL(), Region: osfake.Region,
				Username: osfake.Username, Password: osfake.Password, UserDomainName: osfake.DomainName,
				ProjectName: osfake.ProjectName, ProjectDomainName: osfake.DomainName, HTTPClient: nova.Client(),
			})
		},
	}
}

// BenchmarkRefresh3x1000 refreshes 3 connections × 1,000 VMs into a real
// SQLite inventory: "first" finds 3,000 new VMs (each an appeared event),
// "unchanged" lists them again with nothing changed. peak-rise-MiB is how
// far the process's peak resident set rose during the refreshes above
// where it stood before them, the fakes and their 3,000 VMs already in
// memory (Linux only: the peak is reset through /proc/self/clear_refs).
func BenchmarkRefresh3x1000(b *testing.B) {
	clouds := threeClouds(b, 1000)
	for _, name := range []string{"first", "unchanged"} {
		b.Run(name, func(b *testing.B) {
			ctx := context.Background()
			before, measured := resetPeakRSS()
			for b.Loop() {
				b.StopTimer()
				inv := cloud.NewInventory(openStore(b), clouds, cloud.Options{User: "ann", Timeout: 5 * time.Minute})
				if name == "unchanged" {
					refresh(ctx, b, inv)
				}
				b.StartTimer()
				refresh(ctx, b, inv)
			}
			if peak, ok := procStatus("VmHWM"); ok && measured {
				b.ReportMetric(float64(peak-before)/(1<<20), "peak-rise-MiB")
			}
		})
	}
}

func refresh(ctx context.Context, b *testing.B, inv *cloud.Inventory) {
	status, err := inv.Refresh(ctx)
	if err != nil {
		b.Fatal(err)
	}
	for _, s := range status {
		if s.Error != "" {
			b.Fatalf("%s: %s", s.Connection, s.Error)
		}
	}
	if vms, err := inv.VMs(ctx, "", false); err != nil || len(vms) != 3000 {
		b.Fatalf("the inventory knows %d VMs, %v", len(vms), err)
	}
}

// resetPeakRSS returns the memory to the OS and resets the kernel's
// record of the process's peak resident set to what it is now, which it
// returns.
func resetPeakRSS() (int64, bool) {
	debug.FreeOSMemory()
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		return 0, false
	}
	return procStatus("VmRSS")
}

// procStatus reads one of /proc/self/status's memory figures, in bytes.
func procStatus(field string) (int64, bool) {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, false
	}
	for line := range strings.Lines(string(data)) {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10, err == nil
		}
	}
	return 0, false
}
