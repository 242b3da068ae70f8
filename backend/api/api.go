// Package api is meshflow's REST API under /api/v1: JSON over HTTP with a
// bearer token. It is transport only: Handler turns requests into calls of
// the workflow service and its answers and errors into JSON and statuses;
// Client speaks the same API for the CLI, which uses it to act through a
// running server. The use cases live in backend/workflow.
package api

import (
	"context"

	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/backend/workflow"
)

// Service is what the API serves; *workflow.Service is one, and Client
// speaks it remotely.
type Service interface {
	DAGs(ctx context.Context) ([]workflow.DAG, error)
	DAG(ctx context.Context, name string) (workflow.DAG, error)
	Trigger(ctx context.Context, name string, params map[string]any, trigger model.Trigger) (model.Run, error)
	RunDetail(ctx context.Context, id int64) (workflow.RunDetail, error)
	Wait(ctx context.Context, id int64) (model.Run, error)
	Runs(ctx context.Context, f model.RunFilter) ([]model.Run, error)
	RunControl
}

// RunControl is what can be done to runs and DAGs.
type RunControl interface {
	Cancel(ctx context.Context, id int64) error
	Retry(ctx context.Context, id int64, failedOnly bool) error
	SetPaused(ctx context.Context, name string, paused bool) error
}

// AuditLog records the changes clients make, and lists them; *store.Store
// is one.
type AuditLog interface {
	AddAuditEvent(ctx context.Context, e model.AuditEvent) (int64, error)
	AuditEvents(ctx context.Context, f model.AuditFilter) ([]model.AuditEvent, error)
}

// TriggerRequest is the body of POST /api/v1/dags/{name}/runs.
type TriggerRequest struct {
	Params  map[string]any `json:"params"`
	Trigger model.Trigger  `json:"trigger"`
}

// Error is the body of every error response.
type Error struct {
	Error string `json:"error"`
}
