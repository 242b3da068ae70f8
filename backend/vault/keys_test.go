package vault

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/zalando/go-keyring"
)

// prints is an in-memory Fingerprints; the store's own is tested in store.
type prints struct{ fp, source string }

func (p *prints) KeyFingerprint(context.Context) (string, string, error) { return p.fp, p.source, nil }

func (p *prints) SetKeyFingerprint(_ context.Context, fp, source string) error {
	p.fp, p.source = fp, source
	return nil
}

// brokenKeyring answers every call with err, or hangs when err is nil, as
// a locked Secret Service waiting for a prompt does.
type brokenKeyring struct{ err error }

func (brokenKeyring) Name() string { return "Secret Service" }

func (b brokenKeyring) Get(string, string) (string, error) { return "", b.wait() }

func (b brokenKeyring) Set(string, string, string) error { return b.wait() }

func (b brokenKeyring) wait() error {
	if b.err == nil {
		select {}
	}
	return b.err
}

func roundTrip(t *testing.T, k *Keys) {
	t.Helper()
	v, err := k.Vault(t.Context(), true)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := v.Open("connection:aws:lab", v.Seal("connection:aws:lab", []byte("CANARY"))); err != nil || string(got) != "CANARY" {
		t.Fatalf("round trip = %q, %v", got, err)
	}
}

func TestKeyInTheKeyringOpensWhatItSealed(t *testing.T) {
	keyring.MockInit()
	dir, p := t.TempDir(), &prints{}
	k := NewKeys(dir, p, KeyOptions{Keyring: SystemKeyring()})
	roundTrip(t, k)
	sealed := k.vault.Seal("s", []byte("x"))
	if _, err := os.Stat(filepath.Join(dir, KeyFileName)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a key file was written beside the keyring's key: %v", err)
	}
	if p.source != SourceKeyring || !strings.Contains(k.Source(t.Context()), "OS keyring") {
		t.Fatalf("source = %q / %q", p.source, k.Source(t.Context()))
	}
	// The next process, even one not preferring the keyring (the CLI of a
	// server build), reads the key from where the data dir keeps it.
	again := NewKeys(dir, p, KeyOptions{})
	v, err := again.Vault(t.Context(), false)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := v.Open("s", sealed); err != nil || string(got) != "x" {
		t.Fatalf("open in the next process = %q, %v", got, err)
	}
}

func TestExistingKeyFileIsKeptWhenTheKeyringIsPreferred(t *testing.T) {
	keyring.MockInit()
	dir, p := t.TempDir(), &prints{}
	old, err := OpenOrCreate(filepath.Join(dir, KeyFileName)) // a data dir from before the keyring
	if err != nil {
		t.Fatal(err)
	}
	sealed := old.Seal("s", []byte("x"))
	k := NewKeys(dir, p, KeyOptions{Keyring: SystemKeyring()})
	v, err := k.Vault(t.Context(), true)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := v.Open("s", sealed); err != nil || string(got) != "x" {
		t.Fatalf("old secret = %q, %v", got, err)
	}
	if p.source != SourceFile || !strings.HasPrefix(k.Source(t.Context()), "key file ") {
		t.Fatalf("source = %q / %q", p.source, k.Source(t.Context()))
	}
	if _, err := keyring.Get(keyringService, k.account()); !errors.Is(err, keyring.ErrNotFound) {
		t.Fatalf("a key went to the keyring too: %v", err)
	}
}

func TestKeyringFallsBackToTheKeyFile(t *testing.T) {
	for name, kr := range map[string]Keyring{
		"error":   brokenKeyring{err: errors.New("dbus: no session bus")},
		"timeout": brokenKeyring{},
	} {
		t.Run(name, func(t *testing.T) {
			dir, p := t.TempDir(), &prints{}
			k := NewKeys(dir, p, KeyOptions{Keyring: kr, Timeout: 50 * time.Millisecond})
			roundTrip(t, k)
			fi, err := os.Stat(filepath.Join(dir, KeyFileName))
			if err != nil || fi.Mode().Perm() != 0o600 {
				t.Fatalf("key file = %v, %v; want mode 0600", fi, err)
			}
			if p.source != SourceFile || !strings.HasPrefix(k.Source(t.Context()), "key file ") {
				t.Fatalf("source = %q / %q", p.source, k.Source(t.Context()))
			}
		})
	}
}

func TestWrongKeyFailsLoudly(t *testing.T) {
	t.Run("key file replaced", func(t *testing.T) {
		dir, p := t.TempDir(), &prints{}
		roundTrip(t, NewKeys(dir, p, KeyOptions{}))
		if err := os.Remove(filepath.Join(dir, KeyFileName)); err != nil {
			t.Fatal(err)
		}
		if _, err := OpenOrCreate(filepath.Join(dir, KeyFileName)); err != nil { // another key
			t.Fatal(err)
		}
		_, err := NewKeys(dir, p, KeyOptions{}).Vault(t.Context(), true)
		if !errors.Is(err, ErrWrongKey) || !strings.Contains(err.Error(), "does not match the one this data dir was sealed with") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("key file lost", func(t *testing.T) {
		dir, p := t.TempDir(), &prints{}
		roundTrip(t, NewKeys(dir, p, KeyOptions{}))
		_ = os.Remove(filepath.Join(dir, KeyFileName))
		_, err := NewKeys(dir, p, KeyOptions{}).Vault(t.Context(), true)
		if !errors.Is(err, ErrNoKey) {
			t.Fatalf("err = %v", err)
		}
		if _, statErr := os.Stat(filepath.Join(dir, KeyFileName)); !errors.Is(statErr, os.ErrNotExist) {
			t.Fatal("a fresh key replaced the lost one")
		}
	})
	t.Run("keyring entry replaced", func(t *testing.T) {
		keyring.MockInit()
		dir, p := t.TempDir(), &prints{}
		k := NewKeys(dir, p, KeyOptions{Keyring: SystemKeyring()})
		roundTrip(t, k)
		if err := keyring.Set(keyringService, k.account(), "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="); err != nil {
			t.Fatal(err)
		}
		_, err := NewKeys(dir, p, KeyOptions{Keyring: SystemKeyring()}).Vault(t.Context(), false)
		if !errors.Is(err, ErrWrongKey) || !strings.Contains(err.Error(), "the key in OS keyring") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("keyring unreachable", func(t *testing.T) {
		keyring.MockInit()
		dir, p := t.TempDir(), &prints{}
		roundTrip(t, NewKeys(dir, p, KeyOptions{Keyring: SystemKeyring()}))
		keyring.MockInitWithError(errors.New("dbus: no session bus"))
		_, err := NewKeys(dir, p, KeyOptions{Keyring: SystemKeyring()}).Vault(t.Context(), true)
		if err == nil || !strings.Contains(err.Error(), "sealed with a key kept in the OS keyring") {
			t.Fatalf("err = %v", err)
		}
		if _, statErr := os.Stat(filepath.Join(dir, KeyFileName)); !errors.Is(statErr, os.ErrNotExist) {
			t.Fatal("a key file was made while the keyring holds the data dir's key")
		}
	})
}

func TestKeyringUsableNeedsADesktopSessionOnLinux(t *testing.T) {
	env := map[string]string{}
	getenv := func(k string) string { return env[k] }
	headless := KeyringUsable(getenv)
	env["DBUS_SESSION_BUS_ADDRESS"] = "unix:path=/run/user/1000/bus"
	if !KeyringUsable(getenv) {
		t.Fatal("a session bus is not enough")
	}
	if headless && !strings.Contains("darwin windows", goos()) {
		t.Fatal("headless Linux would ask the keyring")
	}
}

func goos() string { return runtime.GOOS }
