package app

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/meshflow/meshflow/backend/model"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

// Each source overrides the one before: default, meshflow.yaml, env, flag.
func TestConfigPrecedence(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, ConfigFileName), []byte("addr: 127.0.0.1:7000\nlog_level: warn\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		flags    Overrides
		env      map[string]string
		addr     string
		logLevel slog.Level
	}{
		{"file over defaults", Overrides{DataDir: dir}, nil, "127.0.0.1:7000", slog.LevelWarn},
		{"env over file", Overrides{DataDir: dir}, map[string]string{"MESHFLOW_ADDR": "127.0.0.1:7001", "MESHFLOW_LOG_LEVEL": "debug"}, "127.0.0.1:7001", slog.LevelDebug},
		{"flags over env", Overrides{DataDir: dir, Addr: "127.0.0.1:7002", LogLevel: "error"}, map[string]string{"MESHFLOW_ADDR": "127.0.0.1:7001"}, "127.0.0.1:7002", slog.LevelError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := LoadConfig(tt.flags, env(tt.env))
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Addr != tt.addr || cfg.LogLevel != tt.logLevel {
				t.Fatalf("got addr %s level %s, want %s %s", cfg.Addr, cfg.LogLevel, tt.addr, tt.logLevel)
			}
		})
	}
}

func TestConfigDefaultsWithoutFile(t *testing.T) {
	home := t.TempDir()
	cfg, err := LoadConfig(Overrides{}, env(map[string]string{"HOME": home, "XDG_DATA_HOME": "", "LocalAppData": home}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != DefaultAddr || cfg.LogLevel != slog.LevelInfo {
		t.Fatalf("defaults = %+v", cfg)
	}
	if !strings.HasPrefix(cfg.DataDir, home) || filepath.Base(cfg.DataDir) != "meshflow" {
		t.Fatalf("data dir = %s, want a meshflow dir under %s", cfg.DataDir, home)
	}
	fromEnv, err := LoadConfig(Overrides{}, env(map[string]string{"MESHFLOW_DATA": "rel/dir"}))
	if err != nil || !filepath.IsAbs(fromEnv.DataDir) || !strings.HasSuffix(fromEnv.DataDir, filepath.Join("rel", "dir")) {
		t.Fatalf("MESHFLOW_DATA = %q (%v), want it made absolute", fromEnv.DataDir, err)
	}
	if _, err := LoadConfig(Overrides{}, env(nil)); err == nil || !strings.Contains(err.Error(), "MESHFLOW_DATA") {
		t.Fatalf("no HOME and no data dir: err = %v, want advice", err)
	}
}

func TestConfigRejectsBadLogLevel(t *testing.T) {
	_, err := LoadConfig(Overrides{DataDir: t.TempDir(), LogLevel: "loud"}, env(nil))
	if err == nil || !strings.Contains(err.Error(), "debug, info, warn or error") {
		t.Fatalf("err = %v", err)
	}
}

func TestPrepareSeedsStarterDAGsOnce(t *testing.T) {
	d := DataDir(filepath.Join(t.TempDir(), "data"))
	examples := fstest.MapFS{"hello.yaml": {Data: []byte("name: hello\n")}, "README.md": {Data: []byte("x")}}
	if err := d.Prepare(examples); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(d.DAGs(), "hello.yaml")); err != nil {
		t.Fatalf("starter DAG not seeded: %v", err)
	}
	if _, err := os.Stat(filepath.Join(d.DAGs(), "README.md")); err == nil {
		t.Error("non-YAML file seeded")
	}
	if fi, err := os.Stat(string(d)); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("data dir mode = %v (%v), want 0700: it will hold secrets", fi.Mode().Perm(), err)
	}
	// A DAG the user deleted stays deleted on the next start.
	if err := os.Remove(filepath.Join(d.DAGs(), "hello.yaml")); err != nil {
		t.Fatal(err)
	}
	if err := d.Prepare(examples); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(d.DAGs(), "hello.yaml")); err == nil {
		t.Error("deleted starter DAG came back")
	}
	leftovers, _ := filepath.Glob(filepath.Join(string(d), ".dags-*"))
	if len(leftovers) != 0 {
		t.Errorf("temporary seed folders left behind: %v", leftovers)
	}
}

func TestCheckLoopback(t *testing.T) {
	for addr, ok := range map[string]bool{
		"127.0.0.1:8080": true, "localhost:8080": true, "[::1]:8080": true, "127.0.0.2:1": true,
		"0.0.0.0:8080": false, ":8080": false, "[::]:8080": false, "10.0.0.1:8080": false, "example.com:80": false,
	} {
		if err := checkLoopback(addr); (err == nil) != ok {
			t.Errorf("checkLoopback(%q) = %v, want ok=%v", addr, err, ok)
		}
	}
	if err := checkLoopback("8080"); err == nil || !strings.Contains(err.Error(), "HOST:PORT") {
		t.Errorf("malformed address: %v", err)
	}
}

// A rebinding attack reaches 127.0.0.1 with a foreign Host header.
func TestLoopbackHostsOnly(t *testing.T) {
	h := loopbackHostsOnly(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	for host, want := range map[string]int{
		"127.0.0.1:8080": 200, "localhost:8080": 200, "[::1]:8080": 200, "localhost": 200,
		"evil.example": 421, "evil.example:8080": 421, "192.168.1.5:8080": 421,
	} {
		req := httptest.NewRequest("GET", "/", nil)
		req.Host = host
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != want {
			t.Errorf("Host %s: %d, want %d", host, rec.Code, want)
		}
	}
}

func TestLockIsExclusive(t *testing.T) {
	d := DataDir(t.TempDir())
	release, err := d.Lock()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Lock(); err == nil || !strings.Contains(err.Error(), "pid") {
		t.Fatalf("second lock: %v, want refusal naming the holder", err)
	}
	release()
	again, err := d.Lock()
	if err != nil {
		t.Fatalf("lock after release: %v", err)
	}
	again()
}

func TestEngineConfigFromFile(t *testing.T) {
	dir := t.TempDir()
	yaml := "parallelism: 4\npools:\n  cloud_api: 2\noutput_limit: 1024\nlog_retention_runs: 50\n"
	if err := os.WriteFile(filepath.Join(dir, ConfigFileName), []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfig(Overrides{DataDir: dir}, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	e := cfg.Engine
	if e.Parallelism != 4 || e.Pools["cloud_api"] != 2 || e.OutputLimit != 1024 || e.LogRetentionRuns != 50 || e.LogRetentionDays != 30 {
		t.Fatalf("engine config = %+v", e)
	}
	if err := os.WriteFile(filepath.Join(dir, ConfigFileName), []byte("pools:\n  cloud_api: 0\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadConfig(Overrides{DataDir: dir}, env(nil)); err == nil || !strings.Contains(err.Error(), "pools.cloud_api has 0 slots") {
		t.Fatalf("zero-slot pool: %v", err)
	}
}

// meshflow.yaml's vms are the VM settings a data dir starts with, until
// the Settings page saves its own; a pattern with a placeholder meshflow
// does not know is refused with the file's name and the known ones.
func TestVMConfigFromFile(t *testing.T) {
	dir := t.TempDir()
	write := func(yaml string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, ConfigFileName), []byte(yaml), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("vms:\n  name_pattern: \"{user}-{host}-{counter}\"\n")
	if _, err := LoadConfig(Overrides{DataDir: dir}, env(nil)); err == nil || !strings.Contains(err.Error(), ConfigFileName) ||
		!strings.Contains(err.Error(), "vms.name_pattern") || !strings.Contains(err.Error(), "{user}, {prefix}, {connection}, {counter}") {
		t.Fatalf("bad pattern: %v", err)
	}
	write("vms:\n  stop_forgotten_after: -1h\n")
	if _, err := LoadConfig(Overrides{DataDir: dir}, env(nil)); err == nil || !strings.Contains(err.Error(), "0 to never stop") {
		t.Fatalf("negative stop: %v", err)
	}
	write("vms:\n  name_pattern: \"{prefix}-{counter}\"\n  stop_forgotten_after: 8h\n")
	cfg, err := LoadConfig(Overrides{DataDir: dir}, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	want := model.VMSettings{NamePattern: "{prefix}-{counter}", StopForgottenAfter: 8 * time.Hour, StopWarning: time.Hour}
	if cfg.VMs != want {
		t.Fatalf("vms = %+v, want %+v", cfg.VMs, want)
	}
	a, err := Open(t.Context(), cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if got, err := a.Store.VMSettings(t.Context()); err != nil || got != want {
		t.Fatalf("before any save the store answers %+v, %v", got, err)
	}
	saved := model.VMSettings{NamePattern: model.CloudmeshNamePattern, StopWarning: 30 * time.Minute}
	if err := a.Store.SaveVMSettings(t.Context(), saved); err != nil {
		t.Fatal(err)
	}
	if got, _ := a.Store.VMSettings(t.Context()); got != saved {
		t.Fatalf("after a save the store answers %+v, want %+v", got, saved)
	}
}
