package cli

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/meshflow/meshflow/app"
	"github.com/meshflow/meshflow/backend/tasklog"
)

func newDAGLogs(env Env, g *globals) *cobra.Command {
	var follow, raw, stamps bool
	cmd := &cobra.Command{
		Use:   "logs RUN [TASK]",
		Short: "Print the logs of a run, or of one of its tasks",
		Long: `Print the logs of a run, or of one of its tasks, each try under its own
heading. Control characters and terminal escape sequences in the output
(colours, cursor movement, window titles) are left out, so that a task cannot
drive your terminal; --raw prints the bytes as the task wrote them.
--timestamps puts the time each line was written before it, and marks the
lines the task wrote to stderr.`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseRunID(args[0])
			if err != nil {
				return err
			}
			task := ""
			if len(args) == 2 {
				task = args[1]
			}
			out := cmd.OutOrStdout()
			if raw {
				out = env.rawStdout
			}
			return withApp(cmd.Context(), env, *g, "", false, func(a *app.App) error {
				r, err := a.Workflows().Service.Run(cmd.Context(), id)
				if err != nil {
					return err
				}
				logs := a.Workflows().Logs
				if !follow || r.State.Done() {
					return printLogs(out, logs, r.DAG, id, task, stamps)
				}
				done := make(chan struct{})
				go func() { waitDone(cmd.Context(), a, id); close(done) }()
				return logs.Follow(cmd.Context(), out, r.DAG, id, task, done)
			})
		},
	}
	cmd.Flags().BoolVarP(&follow, "follow", "f", false, "keep printing as the run writes, until it ends")
	cmd.Flags().BoolVar(&raw, "raw", false, "print the output as written, escape sequences included")
	cmd.Flags().BoolVarP(&stamps, "timestamps", "t", false, "show when each line was written, and mark stderr lines")
	return cmd
}

// waitDone polls the store until the run has ended: this process may not
// be the one running it.
func waitDone(ctx context.Context, a *app.App, id int64) {
	for {
		r, err := a.Workflows().Service.Run(ctx, id)
		if err != nil || r.State.Done() {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func printLogs(w io.Writer, logs tasklog.Dir, dagName string, runID int64, task string, stamps bool) error {
	files := logs.Files(dagName, runID, task)
	if len(files) == 0 {
		fmt.Fprintln(w, "(no output)")
	}
	for _, k := range files {
		fmt.Fprintf(w, "== %s ==\n", k.Name())
		if err := logs.CopyText(w, k, stamps, nil); err != nil {
			return err
		}
	}
	return nil
}
