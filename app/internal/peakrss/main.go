// Command peakrss measures the engine's peak memory (issue 3, figure f):
// in a fresh process it runs one DAG of independent tasks on the real
// engine, over a new data dir, and prints the process's peak resident set
// (VmHWM from /proc/self/status; Linux only) with the run's duration.
//
//	go run ./app/internal/peakrss -tasks 1000
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/meshflow/meshflow/internal/benchrig"
	"github.com/meshflow/meshflow/store"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "peakrss:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("peakrss", flag.ContinueOnError)
	tasks := fs.Int("tasks", 1000, "independent tasks in the run")
	op := fs.String("op", "true", "task body: true (shell `true`) or noop")
	parallelism := fs.Int("parallelism", 0, "engine parallelism; 0: the engine's default")
	if err := fs.Parse(args); err != nil {
		return err
	}
	body := map[string]string{"true": benchrig.True, "noop": benchrig.Noop}[*op]
	if body == "" {
		return fmt.Errorf("-op %q: want true or noop", *op)
	}
	dir, err := os.MkdirTemp("", "meshflow-peakrss-")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(dir) }()

	before, err := memory()
	if err != nil {
		return err
	}
	r, err := benchrig.Start(ctx, benchrig.Options{Dir: dir, Open: openStore, Parallelism: *parallelism})
	if err != nil {
		return err
	}
	src := benchrig.Parallel("peakrss", *tasks, body)
	d, err := r.Load(src)
	if err != nil {
		_ = r.Close()
		return err
	}
	start := time.Now()
	_, runErr := r.Run(ctx, d, src)
	took := time.Since(start)
	if err := errors.Join(runErr, r.Close()); err != nil {
		return err
	}
	after, err := memory()
	if err != nil {
		return err
	}
	fmt.Printf("tasks=%d op=%s run=%s rss_at_start=%.1fMiB peak_rss=%.1fMiB\n",
		*tasks, *op, took.Round(time.Millisecond), mib(before["VmRSS"]), mib(after["VmHWM"]))
	return nil
}

// memory reads the kB figures of /proc/self/status.
func memory() (map[string]int64, error) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return nil, fmt.Errorf("read memory figures (Linux only): %w", err)
	}
	defer f.Close()
	out := map[string]int64{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		var kb int64
		if ok && strings.HasSuffix(rest, " kB") {
			if _, err := fmt.Sscan(strings.TrimSuffix(rest, " kB"), &kb); err == nil {
				out[name] = kb
			}
		}
	}
	return out, sc.Err()
}

// openStore opens the SQLite store, as meshflow does.
func openStore(ctx context.Context, path string) (benchrig.Store, error) {
	return store.Open(ctx, path)
}

func mib(kb int64) float64 { return float64(kb) / 1024 }
