package cli

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/meshflow/meshflow/internal/syncbuf"
)

// A secret set from stdin reaches the task that asks for it, never shows
// in its log, and is not in the database file in the clear.
func TestVariablesAndSecretsReachTasksMasked(t *testing.T) {
	dir := t.TempDir()
	ctx := t.Context()
	if _, err := runIn(ctx, dir, "var", "set", "greeting", "hi there"); err != nil {
		t.Fatal(err)
	}
	setSecretFromStdin(t, dir, "api_token", "s3cr3t-value")
	list, err := runIn(ctx, dir, "var", "list")
	if err != nil || !strings.Contains(list, "hi there") || !strings.Contains(list, "(secret)") || strings.Contains(list, "s3cr3t") {
		t.Fatalf("list = %q, %v", list, err)
	}
	if _, err := runIn(ctx, dir, "var", "get", "api_token"); err == nil || !strings.Contains(err.Error(), "--reveal") {
		t.Errorf("get secret without --reveal: %v", err)
	}
	if got, err := runIn(ctx, dir, "var", "get", "api_token", "--reveal"); err != nil || strings.TrimSpace(got) != "s3cr3t-value" {
		t.Errorf("get --reveal = %q, %v", got, err)
	}

	dag := `name: uses_vars
tasks:
  - id: show
    op: shell
    with:
      command: |
        echo "{{ .vars.greeting }}"
        echo "token={{ secret "api_token" }}"
        test "$(printf %s "{{ secret "api_token" }}" | wc -c)" -eq 12 && echo matches
`
	if err := os.WriteFile(filepath.Join(dir, "dags", "uses_vars.yaml"), []byte(dag), 0o600); err != nil {
		t.Fatal(err)
	}
	logs, err := runIn(ctx, dir, "dag", "test", "uses_vars")
	if err != nil {
		t.Fatalf("dag test: %v\n%s", err, logs)
	}
	for _, want := range []string{"[show.1] hi there", "[show.1] token=********", "[show.1] matches"} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %q:\n%s", want, logs)
		}
	}
	if strings.Contains(logs, "s3cr3t") {
		t.Errorf("secret leaked into the log:\n%s", logs)
	}
	for _, f := range []string{"meshflow.db", "meshflow.db-wal"} {
		data, _ := os.ReadFile(filepath.Join(dir, f))
		if bytes.Contains(data, []byte("s3cr3t")) {
			t.Errorf("%s holds the secret in the clear", f)
		}
	}
}

// An error message that quotes a secret (an HTTP client error quotes the
// URL) is masked before it is stored and shown.
func TestSecretsInTaskErrorsAreMasked(t *testing.T) {
	dir := t.TempDir()
	ctx := t.Context()
	setSecretFromStdin(t, dir, "api_token", "s3cr3t-value")
	leaky := "name: leaky\ntasks:\n  - id: call\n    op: http\n    with: {url: 'http://127.0.0.1:1/x?key={{ secret \"api_token\" }}'}\n"
	if err := os.WriteFile(filepath.Join(dir, "dags", "leaky.yaml"), []byte(leaky), 0o600); err != nil {
		t.Fatal(err)
	}
	out2, err := runIn(ctx, dir, "dag", "test", "leaky")
	if err == nil || strings.Contains(out2+err.Error(), "s3cr3t") {
		t.Fatalf("dag test leaky: err %v\n%s", err, out2)
	}
	runs, _ := runIn(ctx, dir, "dag", "runs", "leaky")
	if strings.Contains(runs, "s3cr3t") {
		t.Errorf("run list leaks the secret:\n%s", runs)
	}
	data, _ := os.ReadFile(filepath.Join(dir, "meshflow.db"))
	wal, _ := os.ReadFile(filepath.Join(dir, "meshflow.db-wal"))
	if bytes.Contains(append(data, wal...), []byte("s3cr3t")) {
		t.Error("the task's error was stored with the secret in the clear")
	}
}

// setSecretFromStdin runs `meshflow var set NAME --secret` with the value
// on stdin, the way a user keeps it out of the shell history.
func setSecretFromStdin(t *testing.T, dir, name, value string) {
	t.Helper()
	var out syncbuf.Buffer
	err := Run(t.Context(), []string{"var", "set", name, "--secret", "--data", dir}, Env{
		Version: "v", Examples: os.DirFS("../../testdata/examples"), Stdin: strings.NewReader(value + "\n"),
		Stdout: &out, Stderr: &out, Getenv: func(string) string { return "" },
	})
	if err != nil {
		t.Fatalf("set secret: %v %s", err, out.String())
	}
}

// A value awaited on stdin must not hold up Ctrl+C or SIGTERM.
func TestVarSetFromStdinStopsOnCancel(t *testing.T) {
	stdin, w := io.Pipe()
	defer w.Close()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, []string{"var", "set", "TOKEN", "--secret", "--data", t.TempDir()}, Env{
			Version: "v", Examples: starters, Stdin: stdin,
			Stdout: io.Discard, Stderr: io.Discard, Getenv: func(string) string { return "" },
		})
	}()
	time.Sleep(50 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("var set kept waiting for stdin after the cancel")
	}
}

// A secret on the command line would be in ps and the shell history: it is
// refused, and nothing is stored.
func TestVarSetRefusesASecretOnTheCommandLine(t *testing.T) {
	dir := t.TempDir()
	var out syncbuf.Buffer
	env := Env{
		Version: "v", Examples: starters, Stdin: strings.NewReader(""),
		Stdout: &out, Stderr: &out, Getenv: func(string) string { return "" },
	}
	err := Run(t.Context(), []string{"var", "set", "TOKEN", "CANARY-a11", "--secret", "--data", dir}, env)
	if err == nil || !strings.Contains(err.Error(), "shell history") || strings.Contains(err.Error(), "CANARY") {
		t.Fatalf("err = %v", err)
	}
	err = Run(t.Context(), []string{"var", "get", "TOKEN", "--data", dir}, env)
	if err == nil || !strings.Contains(err.Error(), "no variable TOKEN") {
		t.Fatalf("after the refusal, get = %v (%s)", err, out.String())
	}
}
