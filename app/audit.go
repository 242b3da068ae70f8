package app

import (
	"context"
	"os/user"
	"time"

	"github.com/meshflow/meshflow/backend/api"
	"github.com/meshflow/meshflow/backend/audit"
	"github.com/meshflow/meshflow/backend/cloud"
	"github.com/meshflow/meshflow/backend/model"
)

// LocalOrigin is a meshflow command acting on the data dir itself, with
// no server in between: the CLI, run by whoever runs it.
func LocalOrigin() audit.Origin {
	actor := "local user"
	if u, err := user.Current(); err == nil && u.Username != "" {
		actor += " " + u.Username
	}
	return audit.Origin{Source: model.SourceCLI, Actor: actor}
}

// Audit records that o did action to target, ending with err, in the data
// dir's audit log: what the UI and the API record for their requests, for
// commands that work on the data dir directly.
func (a *App) Audit(ctx context.Context, o audit.Origin, action string, target model.AuditTarget, err error) error {
	return audit.Record(ctx, a.Store, o.Event(time.Now(), action, target, err))
}

// Audited returns svc recording every change asked of it as o's, the way
// the API records the requests of a client: for CLI commands that run the
// workflow system here because no server owns the data dir.
func (a *App) Audited(svc api.Service, o audit.Origin) api.Service {
	return &auditedService{Service: svc, app: a, origin: o}
}

type auditedService struct {
	api.Service
	app    *App
	origin audit.Origin
}

var _ api.Service = (*auditedService)(nil)

func (s *auditedService) record(ctx context.Context, action string, target model.AuditTarget, err error) error {
	return s.app.recorded(ctx, s.origin, action, target, err)
}

// recorded writes the event of a change and returns how it ended; a
// change that was made but could not be recorded is reported, since the
// log must not miss it quietly.
func (a *App) recorded(ctx context.Context, o audit.Origin, action string, target model.AuditTarget, err error) error {
	if aerr := a.Audit(ctx, o, action, target, err); aerr != nil && err == nil {
		return aerr
	}
	return err
}

func (s *auditedService) Trigger(ctx context.Context, name string, params map[string]any, trigger model.Trigger) (model.Run, error) {
	r, err := s.Service.Trigger(ctx, name, params, trigger)
	return r, s.record(ctx, model.ActionDAGTrigger, model.DAGTarget(name), err)
}

func (s *auditedService) Cancel(ctx context.Context, id int64) error {
	return s.record(ctx, model.ActionRunCancel, model.RunTarget(id), s.Service.Cancel(ctx, id))
}

func (s *auditedService) Retry(ctx context.Context, id int64, failedOnly bool) error {
	action := model.ActionRunRetry
	if failedOnly {
		action = model.ActionRunRetryFailed
	}
	return s.record(ctx, action, model.RunTarget(id), s.Service.Retry(ctx, id, failedOnly))
}

func (s *auditedService) SetPaused(ctx context.Context, name string, paused bool) error {
	action := model.ActionDAGUnpause
	if paused {
		action = model.ActionDAGPause
	}
	return s.record(ctx, action, model.DAGTarget(name), s.Service.SetPaused(ctx, name, paused))
}

// AuditedVMs returns the data dir's inventory recording every change
// asked of it as o's, as the API records its clients': for CLI commands
// that act on the data dir because no server owns it.
func (a *App) AuditedVMs(o audit.Origin) api.VMs {
	return &auditedVMs{Inventory: a.Inventory(), app: a, origin: o}
}

type auditedVMs struct {
	*cloud.Inventory
	app    *App
	origin audit.Origin
}

var _ api.VMs = (*auditedVMs)(nil)

func (v *auditedVMs) record(ctx context.Context, action string, target model.AuditTarget, err error) error {
	return v.app.recorded(ctx, v.origin, action, target, err)
}

func (v *auditedVMs) Refresh(ctx context.Context) ([]model.RefreshStatus, error) {
	status, err := v.Inventory.Refresh(ctx)
	return status, v.record(ctx, model.ActionVMRefresh, model.AuditTarget{Kind: model.TargetVM}, err)
}

func (v *auditedVMs) Create(ctx context.Context, req cloud.CreateRequest) ([]model.VMRecord, error) {
	made, err := v.Inventory.Create(ctx, req)
	return made, v.record(ctx, model.ActionVMCreate, model.AuditTarget{Kind: model.TargetVM, ID: req.Connection}, err)
}

func (v *auditedVMs) SetLabels(ctx context.Context, connection, id string, labels map[string]string, why string) (model.VMRecord, error) {
	got, err := v.Inventory.SetLabels(ctx, connection, id, labels, why)
	return got, v.record(ctx, model.ActionVMLabel, model.AuditTarget{Kind: model.TargetVM, ID: connection + "/" + id}, err)
}

// ActOn records the action on the VMs it went to, or on the choice that
// was refused; a dry run changes nothing and is not recorded.
func (v *auditedVMs) ActOn(ctx context.Context, req cloud.ActRequest) ([]cloud.Acted, error) {
	results, err := v.Inventory.ActOn(ctx, req)
	if req.DryRun {
		return results, err
	}
	target := model.AuditTarget{Kind: model.TargetVM, ID: req.String()}
	if results != nil {
		target = api.ActedTarget(results)
	}
	return results, v.record(ctx, "vm."+string(req.Action), target, err)
}
