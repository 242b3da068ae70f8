package ops

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/meshflow/meshflow/backend/dag"
)

// Shell runs a local command or script. Its outputs are what it writes to the
// file named by $MESHFLOW_OUTPUT: key=value lines, or one JSON object.
type Shell struct {
	// Grace is how long a cancelled or timed-out process group gets between
	// SIGTERM and SIGKILL.
	Grace time.Duration
}

var (
	_ Op           = Shell{}
	_ ProcessEnder = Shell{}
)

func (Shell) Spec() dag.OpSpec {
	return dag.OpSpec{
		Name:        "shell",
		Description: "Runs a command or script on this machine.",
		Args: []dag.ArgSpec{
			{Name: "command", Type: dag.ArgString, Description: "Command line, run by the shell.", Shell: true},
			{Name: "script", Type: dag.ArgString, Description: "Script text, written to a file and run by the shell.", Shell: true},
			{Name: "shell", Type: dag.ArgString, Description: "Interpreter, e.g. /bin/sh or python3; default bash where installed, else /bin/sh."},
			{Name: "env", Type: dag.ArgMap, Description: "Extra environment variables."},
			{Name: "dir", Type: dag.ArgString, Description: "Working directory; default a fresh temporary one."},
		},
		AnyOutputs: true,
	}
}

// UsesTempDir asks the executor for Task.TempDir: the shell's default
// working directory, its script and its outputs file live there.
func (Shell) UsesTempDir() bool { return true }

func (s Shell) Run(ctx context.Context, t *Task) (map[string]string, error) {
	cmd, err := s.command(ctx, t)
	if err != nil {
		return nil, err
	}
	outFile := filepath.Join(t.TempDir, "outputs")
	cmd.Env = append(cmd.Env, "MESHFLOW_OUTPUT="+outFile)
	cmd.Stdout, cmd.Stderr = t.Log, t.ErrOut()

	err = runGroup(cmd, s.grace(), t.started)
	if ctx.Err() != nil {
		return nil, context.Cause(ctx)
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return nil, &ExitError{Code: exit.ExitCode()}
	}
	if err != nil {
		return nil, fmt.Errorf("shell: %w", err)
	}
	return readOutputs(outFile, t.OutputLimit)
}

// checkDir refuses a with.dir the process could not start in. Checked
// by the child after the fork, it fails as "fork/exec /bin/sh: no such
// file or directory", which blames the shell and names neither.
func checkDir(task, dir string) error {
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("shell: task %q: its working directory (with.dir) %s does not exist: create it, or point with.dir at a directory that exists", task, dir)
	case err != nil:
		return fmt.Errorf("shell: task %q: its working directory (with.dir): %w: make it a directory meshflow can enter, or point with.dir at one", task, err)
	case !fi.IsDir():
		return fmt.Errorf("shell: task %q: its working directory (with.dir) %s is not a directory: make it a directory, or point with.dir at one", task, dir)
	}
	return nil
}

func (s Shell) grace() time.Duration {
	if s.Grace <= 0 {
		return 5 * time.Second
	}
	return s.Grace
}

// command builds the process for a command or a script.
func (s Shell) command(ctx context.Context, t *Task) (*exec.Cmd, error) {
	command, err := argString(t.Args, "command")
	if err != nil {
		return nil, err
	}
	script, err := argString(t.Args, "script")
	if err != nil {
		return nil, err
	}
	shell, err := argString(t.Args, "shell")
	if err != nil {
		return nil, err
	}
	if shell == "" {
		shell = defaultShell
	}
	var cmd *exec.Cmd
	switch {
	case command != "" && script != "":
		return nil, errors.New("shell: give either with.command or with.script, not both")
	case command != "":
		cmd = exec.CommandContext(ctx, shell, shellFlag, command)
	case script != "":
		path := filepath.Join(t.TempDir, "script")
		if err := os.WriteFile(path, []byte(script), 0o700); err != nil {
			return nil, fmt.Errorf("shell: write script: %w", err)
		}
		cmd = exec.CommandContext(ctx, shell, path)
	default:
		return nil, errors.New("shell: nothing to run: set with.command or with.script")
	}
	env, err := argStringMap(t.Args, "env")
	if err != nil {
		return nil, err
	}
	cmd.Env = append(os.Environ(), t.Env...)
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	if cmd.Dir, err = argString(t.Args, "dir"); err != nil {
		return nil, err
	}
	if cmd.Dir == "" {
		cmd.Dir = t.TempDir
	} else if err := checkDir(t.TaskID, cmd.Dir); err != nil {
		return nil, err
	}
	return cmd, nil
}

// readOutputs parses the output file: one JSON object, or key=value lines.
func readOutputs(path string, limit int) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("outputs: %w", err)
	}
	if limit > 0 && len(data) > limit {
		return nil, fmt.Errorf("outputs are %d bytes, over the limit of %d: write large data to a file and output its path", len(data), limit)
	}
	return ParseOutputs(data)
}

// ParseOutputs reads task outputs: one JSON object (values other than
// strings are kept as JSON text), or key=value lines where blank lines and
// lines starting with # are ignored, keys are trimmed, values are kept as
// written, and a later key wins.
func ParseOutputs(data []byte) (map[string]string, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, nil
	}
	if trimmed[0] == '{' {
		return parseJSONOutputs(trimmed)
	}
	out := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), len(data)+1)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), "\r")
		if trimmed := strings.TrimSpace(line); trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return nil, fmt.Errorf("outputs line %d: %q is not key=value", n, line)
		}
		out[strings.TrimSpace(k)] = v
	}
	return out, sc.Err()
}

func parseJSONOutputs(data []byte) (map[string]string, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("outputs: not a JSON object: %w", err)
	}
	out := make(map[string]string, len(raw))
	for k, v := range raw {
		var s string
		if json.Unmarshal(v, &s) == nil {
			out[k] = s
		} else {
			out[k] = string(v)
		}
	}
	return out, nil
}
