package store

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/meshflow/meshflow/backend/model"
)

func TestConnectionsKeepSecretNamesAndRefuseADuplicateName(t *testing.T) {
	ctx := t.Context()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "meshflow.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c := model.Connection{
		Name: "lab", Kind: model.CloudHosts, Active: true, Source: "added by hand",
		Hosts:   []model.SSHHost{{Name: "box", Address: "10.0.0.5", Port: 2222, User: "ann"}},
		Secrets: map[string]string{model.SecretPrivateKey: ""},
	}
	stored, err := s.PutConnection(ctx, c, []byte{1, 2, 3})
	if err != nil {
		t.Fatal(err)
	}
	got, sealed, err := s.Connection(ctx, "lab")
	if err != nil || string(sealed) != "\x01\x02\x03" || got.Hosts[0].Port != 2222 || got.ID != stored.ID {
		t.Fatalf("connection = %+v, %x, %v", got, sealed, err)
	}
	if _, ok := got.Secrets[model.SecretPrivateKey]; !ok || got.Settings == nil {
		t.Fatalf("secret names = %v, settings = %v", got.Secrets, got.Settings)
	}
	c.ID = 0
	if _, err := s.PutConnection(ctx, c, nil); !errors.Is(err, model.ErrConflict) {
		t.Fatalf("second lab = %v, want a conflict", err)
	}
	if err := s.DeleteConnection(ctx, "lab"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Connection(ctx, "lab"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("after delete: %v", err)
	}
}

func TestKeyFingerprintIsRecordedOnce(t *testing.T) {
	ctx := t.Context()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "meshflow.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if fp, src, err := s.KeyFingerprint(ctx); fp != "" || src != "" || err != nil {
		t.Fatalf("fresh = %q %q %v", fp, src, err)
	}
	if err := s.SetKeyFingerprint(ctx, "aa", "keyring"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetKeyFingerprint(ctx, "aa", "keyring"); err != nil {
		t.Fatalf("same again: %v", err)
	}
	if err := s.SetKeyFingerprint(ctx, "bb", "file"); !errors.Is(err, model.ErrConflict) {
		t.Fatalf("another key = %v", err)
	}
	if fp, src, _ := s.KeyFingerprint(ctx); fp != "aa" || src != "keyring" {
		t.Fatalf("kept = %q %q", fp, src)
	}
}
