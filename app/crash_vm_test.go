package app_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/meshflow/meshflow/app"
	"github.com/meshflow/meshflow/backend/cloud/aws"
	"github.com/meshflow/meshflow/backend/cloud/aws/ec2fake"
	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/store"
)

// bootDAG creates one VM and may retry, as a DAG that starts the day's VMs
// would.
const bootDAG = `name: boot
defaults: {retries: 1, retry_delay: 100ms}
tasks:
  - id: up
    op: vm.create
    with: {connection: lab, names: [crash-1], image: ami-0a1b2c3d4e5f60001, flavor: t3.micro, ssh_from: 203.0.113.7/32, wait: none}
`

// A serve process killed with SIGKILL after the cloud made a VM but
// before meshflow heard so must, once restarted, know that one VM — the
// create finished with its token — and the task's retry must find it
// rather than make a second: exactly one VM, on the cloud and in the
// inventory, and the run succeeds.
func TestCrashDuringVMCreateMakesOneVM(t *testing.T) {
	bin := buildMeshflow(t)
	dir := t.TempDir()
	var once sync.Once
	made := make(chan struct{})
	release := make(chan struct{})
	armed := true
	var mu sync.Mutex
	fake := ec2fake.New(ec2fake.Options{AccessKeyID: "AKIACRASH", AfterEffect: func(action string) {
		mu.Lock()
		hold := armed && action == "RunInstances"
		mu.Unlock()
		if hold {
			once.Do(func() { close(made) })
			<-release // the answer never reaches the killed process
		}
	}})
	t.Cleanup(func() { close(release); fake.Close() })

	add := exec.Command(bin, "cloud", "add", "aws", "lab", "--data", dir, "--set", "region=us-east-1",
		"--set", "access_key_id=AKIACRASH", "--set", "endpoint="+fake.URL, "--secret", "secret_access_key")
	add.Stdin = strings.NewReader("crash-secret\n")
	if out, err := add.CombinedOutput(); err != nil {
		t.Fatalf("cloud add: %v\n%s", err, out)
	}
	if err := os.WriteFile(filepath.Join(dir, "dags", "boot.yaml"), []byte(bootDAG), 0o600); err != nil {
		t.Fatal(err)
	}
	first := startServer(t, bin, dir)
	if out, err := exec.Command(bin, "dag", "trigger", "boot", "--data", dir).CombinedOutput(); err != nil {
		t.Fatalf("trigger: %v\n%s", err, out)
	}
	select {
	case <-made:
	case <-time.After(60 * time.Second):
		t.Fatal("the create never reached the cloud")
	}
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = first.Wait()
	if vms := knownVMs(t, dir); len(vms) != 0 {
		t.Fatalf("the killed server knew %d VMs; the test means to kill it before the answer", len(vms))
	}
	mu.Lock()
	armed = false
	mu.Unlock()

	second := startServer(t, bin, dir)
	defer stopServer(t, second)
	client, err := app.DataDir(dir).Remote()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	run, err := client.Wait(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if run.State != model.RunSuccess {
		t.Fatalf("run after restart = %s (%s)", run.State, run.Error)
	}
	waitFor(t, "the inventory to know the VM", func() bool { return len(knownVMs(t, dir)) == 1 })
	p, err := aws.New(ctx, aws.Config{Connection: "lab", Region: "us-east-1", AccessKeyID: "AKIACRASH", SecretAccessKey: "x", Endpoint: fake.URL})
	if err != nil {
		t.Fatal(err)
	}
	onCloud, err := p.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(onCloud) != 1 || onCloud[0].Name != "crash-1" {
		t.Fatalf("the cloud has %d VMs (%+v), want exactly crash-1", len(onCloud), onCloud)
	}
	if vms := knownVMs(t, dir); vms[0].ID != onCloud[0].ID {
		t.Errorf("the inventory knows %s, the cloud has %s", vms[0].ID, onCloud[0].ID)
	}
	checkIntegrity(t, dir)
}

// knownVMs reads the inventory from the database, as another process.
func knownVMs(t *testing.T, dir string) []model.VMRecord {
	t.Helper()
	s, err := store.Open(t.Context(), filepath.Join(dir, "meshflow.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	vms, err := s.VMs(t.Context(), "lab")
	if err != nil {
		t.Fatal(err)
	}
	return vms
}
