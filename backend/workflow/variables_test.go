package workflow_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/backend/vault"
	"github.com/meshflow/meshflow/backend/workflow"
	"github.com/meshflow/meshflow/store"
)

// A data dir that lost its key says so when a secret is read, and does not
// make a new key: one made then would be taken for the lost one, and the
// secrets sealed under the old key could never be brought back with it.
func TestReadingASecretWithoutTheKeyMakesNoKey(t *testing.T) {
	dir := t.TempDir()
	st, err := store.Open(t.Context(), filepath.Join(dir, "meshflow.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	key := filepath.Join(dir, vault.KeyFileName)
	vars := workflow.NewVariables(st, vault.NewKeys(dir, st, vault.KeyOptions{}))
	if err := vars.Set(t.Context(), "token", "CANARY-51d0", true); err != nil {
		t.Fatal(err)
	}
	if got, err := vars.Secret("token"); err != nil || got != "CANARY-51d0" {
		t.Fatalf("secret = %q, %v", got, err)
	}
	if err := os.Remove(key); err != nil {
		t.Fatal(err)
	}
	restored := workflow.NewVariables(st, vault.NewKeys(dir, st, vault.KeyOptions{})) // the next start
	_, err = restored.Secret("token")
	if !errors.Is(err, model.ErrUnavailable) || !strings.Contains(err.Error(), "no secret.key") || strings.Contains(err.Error(), "CANARY") {
		t.Fatalf("secret without the key: %v", err)
	}
	if _, err := restored.Get(t.Context(), "token", true); !errors.Is(err, model.ErrUnavailable) {
		t.Fatalf("reveal without the key: %v", err)
	}
	if _, err := os.Stat(key); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("reading a secret made a key: %v", err)
	}
	// Plain variables and listing do not need the key.
	if _, err := restored.List(t.Context()); err != nil {
		t.Fatal(err)
	}
}
