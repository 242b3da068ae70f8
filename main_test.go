//go:build !windows

package main

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

func TestMain(m *testing.M) {
	if os.Getenv("MESHFLOW_SIGNAL_HELPER") == "1" {
		hangingShutdown()
		return
	}
	os.Exit(m.Run())
}

// hangingShutdown stands for a command whose clean stop never finishes.
func hangingShutdown() {
	ctx, stop := signalContext(os.Stderr)
	defer stop()
	fmt.Println("ready")
	<-ctx.Done()
	fmt.Println("stopping")
	time.Sleep(time.Hour)
}

// The first SIGTERM or SIGINT asks the command to stop; a second one ends
// the process even when the stop hangs.
func TestSecondSignalExitsAtOnce(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), "MESHFLOW_SIGNAL_HELPER=1")
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = cmd.Process.Kill() })
			lines := bufio.NewScanner(out)
			expect := func(want string) {
				t.Helper()
				if !lines.Scan() || lines.Text() != want {
					t.Fatalf("helper said %q (%v), want %q", lines.Text(), lines.Err(), want)
				}
			}
			expect("ready")
			_ = cmd.Process.Signal(sig)
			expect("stopping")
			_ = cmd.Process.Signal(sig)
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			select {
			case err := <-exited:
				var exit *exec.ExitError
				if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != sig {
					t.Errorf("exit = %v, want death by %v", err, sig)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("the second signal did not end the process")
			}
		})
	}
}
