package cloud

import (
	"slices"
	"testing"

	"github.com/meshflow/meshflow/backend/model"
)

// A VM is offered the verbs its state allows, all of them where its
// state says nothing, none once it is gone.
func TestOfferForState(t *testing.T) {
	o := Offer{Actions: Actions}
	for _, tt := range []struct {
		state model.VMState
		want  []Action
	}{
		{model.VMRunning, []Action{Stop, Suspend, Reboot, Destroy}},
		{model.VMStopped, []Action{Start, Destroy}},
		{model.VMSuspended, []Action{Start, Resume, Destroy}},
		{model.VMPending, []Action{Stop, Destroy}},
		{model.VMError, Actions},
		{model.VMDeleted, nil},
	} {
		if got := o.For(tt.state); !slices.Equal(got, tt.want) {
			t.Errorf("For(%s) = %v, want %v", tt.state, got, tt.want)
		}
	}
	if got := (Offer{Actions: []Action{Start, Stop, Destroy}}).For(model.VMRunning); !slices.Equal(got, []Action{Stop, Destroy}) {
		t.Errorf("a cloud without suspend is offered %v on a running VM", got)
	}
}
