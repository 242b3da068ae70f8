package engine_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/meshflow/meshflow/backend/ops"
	"github.com/meshflow/meshflow/internal/benchrig"
	"github.com/meshflow/meshflow/store"
)

// openStore opens the real SQLite store for the rig.
func openStore(ctx context.Context, path string) (benchrig.Store, error) {
	return store.Open(ctx, path)
}

// The benchmarks run the real engine over a real SQLite file in a temp dir,
// with the local executor, the real shell and noop ops, the real clock and
// the engine's default parallelism. One iteration is one run, timed from
// the Trigger call until Wait returns, which is after the run's outcome is
// committed. Figures and commands are in docs/benchmarks.md.

func BenchmarkChain10True(b *testing.B) {
	benchRuns(b, benchrig.Chain("chain10", 10, benchrig.True), 10)
}

func BenchmarkChain100True(b *testing.B) {
	benchRuns(b, benchrig.Chain("chain100", 100, benchrig.True), 100)
}

func BenchmarkParallel100True(b *testing.B) {
	benchRuns(b, benchrig.Parallel("par100", 100, benchrig.True), 100)
}

func BenchmarkParallel1000True(b *testing.B) {
	benchRuns(b, benchrig.Parallel("par1000", 1000, benchrig.True), 1000)
}

func BenchmarkNoop10000(b *testing.B) {
	benchRuns(b, benchrig.Parallel("noop10000", 10000, benchrig.Noop), 10000)
}

// BenchmarkChain100Noop is the engine's own cost per dependency hop: the
// chain of BenchmarkChain100True without its processes.
func BenchmarkChain100Noop(b *testing.B) {
	benchRuns(b, benchrig.Chain("chain100noop", 100, benchrig.Noop), 100)
}

// benchRuns runs src b.N times and reports, besides the time per run,
// tasks per second and what the runs left on disk: the growth of the
// database file once its write-ahead log is checkpointed (as it is when the
// store closes), plus task logs, per run.
func benchRuns(b *testing.B, src []byte, tasks int) {
	ctx := b.Context()
	dir := b.TempDir()
	if err := benchrig.Prepare(ctx, dir, openStore); err != nil {
		b.Fatal(err)
	}
	before, err := benchrig.DiskUsage(dir)
	if err != nil {
		b.Fatal(err)
	}
	r, err := benchrig.Start(ctx, benchrig.Options{Dir: dir, Open: openStore})
	if err != nil {
		b.Fatal(err)
	}
	d, err := r.Load(src)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := r.Run(ctx, d, src); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	elapsed := b.Elapsed()
	if err := r.Close(); err != nil {
		b.Fatal(err)
	}
	after, err := benchrig.DiskUsage(dir)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(tasks*b.N)/elapsed.Seconds(), "tasks/s")
	b.ReportMetric(float64(after.Bytes-before.Bytes)/float64(b.N), "bytes_on_disk/run")
	b.ReportMetric(float64(after.Files-before.Files)/float64(b.N), "files/run")
}

// BenchmarkTriggerToFirstStart times, for a DAG of one true task, the span
// from the Trigger call to the moment the task's shell op is entered: all
// meshflow does before a process is forked (check params, plan, insert the
// run and its task in one transaction, dispatch, the executor's queue, the
// try's temp dir and log writer), but not the fork and exec of /bin/sh,
// which is the operating system's cost and the same for any engine (about
// 1.2 ms here). The executor's Started report comes before the temp dir is
// made, so timing to it would flatter the figure.
//
// Each run finishes, untimed, before the next trigger. In "busy" the next
// trigger follows at once; in "idle" the engine first sits idle for 20 ms,
// as it does between real triggers, and its goroutines' threads and the
// machine's CPUs have gone to sleep and must be woken: on a small VM that
// costs more than meshflow's own work.
func BenchmarkTriggerToFirstStart(b *testing.B) {
	b.Run("busy", func(b *testing.B) { benchFirstStart(b, 0) })
	b.Run("idle", func(b *testing.B) { benchFirstStart(b, 20*time.Millisecond) })
}

func benchFirstStart(b *testing.B, idle time.Duration) {
	ctx := b.Context()
	entered := make(chan time.Time, 1)
	r, err := benchrig.Start(ctx, benchrig.Options{Dir: b.TempDir(), Open: openStore, Shell: firstEntry{entered: entered, first: benchrig.TaskID(0)}})
	if err != nil {
		b.Fatal(err)
	}
	defer func() {
		if err := r.Close(); err != nil {
			b.Error(err)
		}
	}()
	src := benchrig.Parallel("one", 1, benchrig.True)
	d, err := r.Load(src)
	if err != nil {
		b.Fatal(err)
	}
	samples := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		run, err := r.Engine.Trigger(ctx, benchrig.Request(d, src))
		if err != nil {
			b.Fatal(err)
		}
		samples = append(samples, (<-entered).Sub(start))
		b.StopTimer()
		if _, err := r.Engine.Wait(ctx, run.ID); err != nil {
			b.Fatal(err)
		}
		time.Sleep(idle)
		b.StartTimer()
	}
	b.StopTimer()
	slices.Sort(samples)
	b.ReportMetric(ms(samples[len(samples)/2]), "p50_ms")
	b.ReportMetric(ms(samples[len(samples)*99/100]), "p99_ms")
}

// firstEntry is the shell op, noting when the try of one task begins.
type firstEntry struct {
	ops.Shell
	entered chan<- time.Time
	first   string
}

func (f firstEntry) Run(ctx context.Context, t *ops.Task) (map[string]string, error) {
	if t.TaskID == f.first {
		f.entered <- time.Now()
	}
	return f.Shell.Run(ctx, t)
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
