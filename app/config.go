package app

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/meshflow/meshflow/backend/cloud"
	"github.com/meshflow/meshflow/backend/model"
)

// DefaultAddr is where `meshflow serve` listens unless told otherwise:
// loopback only, because meshflow has no TLS yet.
const DefaultAddr = "127.0.0.1:8080"

// ConfigFileName is the optional settings file inside the data dir.
const ConfigFileName = "meshflow.yaml"

// Config is everything the app needs to start. Each field comes from, in
// rising precedence: the built-in default, meshflow.yaml in the data dir, an
// environment variable, a command-line flag. The data dir itself cannot come
// from meshflow.yaml, which lives inside it.
type Config struct {
	DataDir  string
	Addr     string
	LogLevel slog.Level
	Engine   EngineConfig
	// VMs are how VMs are named and guarded until the Settings page saves
	// its own (see VMConfig); read from meshflow.yaml only.
	VMs model.VMSettings
}

// VMConfig is meshflow.yaml's vms: the VM settings a data dir starts
// with, which the Settings page may then change.
type VMConfig struct {
	NamePattern        string        `yaml:"name_pattern"`
	StopForgottenAfter time.Duration `yaml:"stop_forgotten_after"` // e.g. 8h; 0: never
	StopWarning        time.Duration `yaml:"stop_warning"`         // e.g. 1h
}

// EngineConfig tunes the workflow engine; it is read from meshflow.yaml only.
type EngineConfig struct {
	// Parallelism is how many task tries run at once in the default pool.
	Parallelism int `yaml:"parallelism"`
	// Pools are named limits on concurrent tries, e.g. {cloud_api: 2};
	// tasks join one with `pool:`.
	Pools map[string]int `yaml:"pools"`
	// OutputLimit caps the bytes of outputs one task try may return.
	OutputLimit int `yaml:"output_limit"`
	// LogRetentionDays removes task logs of runs older than this; 0 keeps them.
	LogRetentionDays int `yaml:"log_retention_days"`
	// LogRetentionRuns keeps the logs of only this many latest runs per DAG; 0 keeps all.
	LogRetentionRuns int `yaml:"log_retention_runs"`
}

// DefaultEngineConfig is what a data dir without meshflow.yaml gets.
func DefaultEngineConfig() EngineConfig {
	return EngineConfig{Parallelism: 16, OutputLimit: 64 * 1024, LogRetentionDays: 30}
}

// Overrides are the values given on the command line; empty means not given.
type Overrides struct {
	DataDir  string
	Addr     string
	LogLevel string
}

// fileConfig is the shape of meshflow.yaml.
type fileConfig struct {
	Addr         string   `yaml:"addr"`
	LogLevel     string   `yaml:"log_level"`
	VMs          VMConfig `yaml:"vms"`
	EngineConfig `yaml:",inline"`
}

// knownKeys lists meshflow.yaml's keys for error messages.
const knownKeys = "addr, log_level, parallelism, pools, output_limit, log_retention_days, log_retention_runs, vms (name_pattern, stop_forgotten_after, stop_warning)"

// LoadConfig resolves the configuration from defaults, the data dir's
// meshflow.yaml, the environment (through getenv) and flags.
func LoadConfig(flags Overrides, getenv func(string) string) (Config, error) {
	cfg := Config{Addr: DefaultAddr, LogLevel: slog.LevelInfo, Engine: DefaultEngineConfig(), VMs: model.DefaultVMSettings()}

	cfg.DataDir = first(flags.DataDir, getenv("MESHFLOW_DATA"))
	if cfg.DataDir == "" {
		dir, err := defaultDataDir(getenv)
		if err != nil {
			return cfg, err
		}
		cfg.DataDir = dir
	}
	abs, err := filepath.Abs(cfg.DataDir)
	if err != nil {
		return cfg, fmt.Errorf("config: data dir %q: %w", cfg.DataDir, err)
	}
	cfg.DataDir = abs

	file, err := readConfigFile(filepath.Join(cfg.DataDir, ConfigFileName))
	if err != nil {
		return cfg, err
	}
	cfg.Addr = first(flags.Addr, getenv("MESHFLOW_ADDR"), file.Addr, cfg.Addr)
	if err := mergeEngine(&cfg.Engine, file.EngineConfig); err != nil {
		return cfg, fmt.Errorf("config: %s: %w", filepath.Join(cfg.DataDir, ConfigFileName), err)
	}
	if err := mergeVMs(&cfg.VMs, file.VMs); err != nil {
		return cfg, fmt.Errorf("config: %s: %w", filepath.Join(cfg.DataDir, ConfigFileName), err)
	}
	if lvl := first(flags.LogLevel, getenv("MESHFLOW_LOG_LEVEL"), file.LogLevel); lvl != "" {
		if err := cfg.LogLevel.UnmarshalText([]byte(lvl)); err != nil {
			return cfg, fmt.Errorf("config: log level %q: use debug, info, warn or error", lvl)
		}
	}
	return cfg, nil
}

// readConfigFile decodes meshflow.yaml strictly, so a misspelt key is an
// error with its line number rather than a silently ignored setting.
func readConfigFile(path string) (fileConfig, error) {
	var fc fileConfig
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return fc, nil
	}
	if err != nil {
		return fc, fmt.Errorf("config: %w", err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&fc); err != nil && !errors.Is(err, io.EOF) {
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		msg = strings.ReplaceAll(msg, "unmarshal errors:\n  ", "")
		return fc, fmt.Errorf("config: %s: %s (known keys: %s)", path, msg, knownKeys)
	}
	return fc, nil
}

// mergeEngine applies the engine settings given in the file over the
// defaults, refusing values that cannot work.
func mergeEngine(dst *EngineConfig, f EngineConfig) error {
	for name, n := range map[string]int{
		"parallelism": f.Parallelism, "output_limit": f.OutputLimit,
		"log_retention_days": f.LogRetentionDays, "log_retention_runs": f.LogRetentionRuns,
	} {
		if n < 0 {
			return fmt.Errorf("%s is %d: use 0 or more", name, n)
		}
	}
	for pool, slots := range f.Pools {
		if slots < 1 {
			return fmt.Errorf("pools.%s has %d slots: give it at least 1", pool, slots)
		}
	}
	if f.Parallelism > 0 {
		dst.Parallelism = f.Parallelism
	}
	if f.OutputLimit > 0 {
		dst.OutputLimit = f.OutputLimit
	}
	if f.LogRetentionDays > 0 {
		dst.LogRetentionDays = f.LogRetentionDays
	}
	dst.LogRetentionRuns = f.LogRetentionRuns
	dst.Pools = f.Pools
	return nil
}

// mergeVMs applies the file's vms over the defaults, refusing a naming
// pattern or a time that cannot work.
func mergeVMs(dst *model.VMSettings, f VMConfig) error {
	if f.NamePattern != "" {
		if err := cloud.CheckNamePattern(f.NamePattern); err != nil {
			return fmt.Errorf("vms.name_pattern: %w", err)
		}
		dst.NamePattern = f.NamePattern
	}
	switch {
	case f.StopForgottenAfter < 0:
		return fmt.Errorf("vms.stop_forgotten_after is %s: give a time such as 8h, or 0 to never stop VMs", f.StopForgottenAfter)
	case f.StopWarning < 0:
		return fmt.Errorf("vms.stop_warning is %s: give a time such as 1h", f.StopWarning)
	}
	dst.StopForgottenAfter = f.StopForgottenAfter
	if f.StopWarning > 0 {
		dst.StopWarning = f.StopWarning
	}
	return nil
}

// defaultDataDir is the per-user data directory the OS conventions name.
func defaultDataDir(getenv func(string) string) (string, error) {
	var base string
	switch runtime.GOOS {
	case "windows":
		base = getenv("LocalAppData")
	case "darwin":
		if home := getenv("HOME"); home != "" {
			base = filepath.Join(home, "Library", "Application Support")
		}
	default:
		base = getenv("XDG_DATA_HOME")
		if base == "" && getenv("HOME") != "" {
			base = filepath.Join(getenv("HOME"), ".local", "share")
		}
	}
	if base == "" {
		return "", errors.New("config: cannot tell where to keep data: set MESHFLOW_DATA or pass --data DIR")
	}
	return filepath.Join(base, "meshflow"), nil
}

// first returns the first non-empty string.
func first(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
