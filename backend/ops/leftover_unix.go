//go:build !windows

package ops

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"syscall"
	"time"

	"github.com/meshflow/meshflow/backend/model"
)

// killWait bounds how long a process group may take to go after SIGKILL;
// longer means a process is stuck in the kernel (a hung network mount)
// and meshflow cannot end it.
const killWait = 5 * time.Second

// EndLeftover ends what a try's shell left running when meshflow died: the
// process group gets SIGTERM, then after the shell's grace period SIGKILL,
// and EndLeftover returns once it is gone.
func (s Shell) EndLeftover(ctx context.Context, p model.Process, marks []string) ([]int, error) {
	return endGroup(ctx, p, marks, s.grace(), killWait)
}

// endGroup signals the group p once leftovers has identified it as the
// try's. From then on, as long as the group has members its id cannot be
// given to another process, so the members seen later are the try's too.
func endGroup(ctx context.Context, p model.Process, marks []string, grace, killWait time.Duration) ([]int, error) {
	pids, err := leftovers(p, marks)
	if err != nil || len(pids) == 0 {
		return nil, err
	}
	ended := pids
	for _, step := range []struct {
		sig  syscall.Signal
		wait time.Duration
	}{{syscall.SIGTERM, grace}, {syscall.SIGKILL, killWait}} {
		if err := syscall.Kill(-p.PGID, step.sig); err != nil && !errors.Is(err, syscall.ESRCH) {
			return ended, fmt.Errorf("signal process group %d: %w", p.PGID, err)
		}
		left, err := waitGroupGone(ctx, p.PGID, step.wait)
		if err != nil {
			return ended, err
		}
		if len(left) == 0 {
			return ended, nil
		}
		for _, pid := range left {
			if !slices.Contains(ended, pid) {
				ended = append(ended, pid)
			}
		}
	}
	left, _ := groupMembers(p.PGID)
	return ended, fmt.Errorf("process group %d still runs (pids %v) %s after SIGKILL: a process may be stuck in the kernel", p.PGID, left, killWait)
}

// waitGroupGone polls until no process of group pgid runs or wait has
// passed, and returns those that still run.
func waitGroupGone(ctx context.Context, pgid int, wait time.Duration) ([]int, error) {
	deadline := time.Now().Add(wait)
	for {
		left, err := groupMembers(pgid)
		if err != nil || len(left) == 0 || !time.Now().Before(deadline) {
			return left, err
		}
		select {
		case <-ctx.Done():
			return left, context.Cause(ctx)
		case <-time.After(20 * time.Millisecond):
		}
	}
}
