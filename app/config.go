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

	"gopkg.in/yaml.v3"
)

// DefaultAddr is where `meshflow serve` listens unless told otherwise:
// loopback only, because the UI has no login yet.
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
}

// Overrides are the values given on the command line; empty means not given.
type Overrides struct {
	DataDir  string
	Addr     string
	LogLevel string
}

// fileConfig is the shape of meshflow.yaml.
type fileConfig struct {
	Addr     string `yaml:"addr"`
	LogLevel string `yaml:"log_level"`
}

// LoadConfig resolves the configuration from defaults, the data dir's
// meshflow.yaml, the environment (through getenv) and flags.
func LoadConfig(flags Overrides, getenv func(string) string) (Config, error) {
	cfg := Config{Addr: DefaultAddr, LogLevel: slog.LevelInfo}

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
		return fc, fmt.Errorf("config: %s: %s (known keys: addr, log_level)", path, msg)
	}
	return fc, nil
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
