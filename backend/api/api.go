// Package api is meshflow's REST API under /api/v1: JSON over HTTP with a
// bearer token. The CLI uses it to act through a running server; the
// Client in this package speaks it, and Service is what both sides share.
package api

import (
	"context"
	"time"

	"github.com/meshflow/meshflow/backend/model"
)

// DAG describes one DAG file for listings.
type DAG struct {
	Name        string    `json:"name"`
	File        string    `json:"file"`
	Description string    `json:"description,omitempty"`
	Tags        []string  `json:"tags,omitempty"`
	Schedule    string    `json:"schedule,omitempty"`
	Paused      bool      `json:"paused"`
	NextRunAt   time.Time `json:"next_run_at,omitzero"`
	Error       string    `json:"error,omitempty"` // what is wrong with the file now
	Stale       bool      `json:"stale,omitempty"` // the last good version still runs
}

// RunDetail is a run with its tasks in plan order.
type RunDetail struct {
	Run   model.Run       `json:"run"`
	Tasks []model.TaskRun `json:"tasks"`
}

// Service is what the API offers.
type Service interface {
	DAGs(ctx context.Context) ([]DAG, error)
	Trigger(ctx context.Context, name string, params map[string]any, trigger model.Trigger) (model.Run, error)
	RunDetail(ctx context.Context, id int64) (RunDetail, error)
	Wait(ctx context.Context, id int64) (model.Run, error)
	Control(ctx context.Context, id int64, action Action) error
	SetPaused(ctx context.Context, name string, paused bool) error
}

// Action is something done to a run.
type Action string

const (
	ActionCancel      Action = "cancel"
	ActionRetry       Action = "retry"        // every task again
	ActionRetryFailed Action = "retry-failed" // failed tasks and their downstream
)
