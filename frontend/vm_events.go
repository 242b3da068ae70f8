package frontend

import (
	"context"
	"net/http"

	"github.com/meshflow/meshflow/frontend/pages"
)

// vmEvents streams a VM's page while it moves — created → running →
// SSH-ready, or on its way down — as server-sent events "facts" and
// "history", asking its cloud every streamBeat; once it has settled it
// sends "done", the final markup, which no longer listens.
func (h *Handler) vmEvents(w http.ResponseWriter, r *http.Request) {
	vm, ok := h.findVM(w, r)
	if !ok {
		return
	}
	look := func(ctx context.Context) (liveView, error) {
		pr, err := h.vms.Watch(ctx, vm.Connection, vm.ID)
		if err != nil {
			return liveView{}, err
		}
		p, err := h.vmPage(ctx, pr.VM, pr.SSHReady)
		if err != nil {
			return liveView{}, err
		}
		if pr.Done {
			return liveView{done: pages.VMLive(p)}, nil
		}
		h.watchFrom(&p)
		return liveView{parts: []streamPart{{"facts", pages.VMFacts(p)}, {"history", pages.VMHistory(p)}}}, nil
	}
	// The cloud changes the VM, not meshflow: nothing signals, the beat
	// asks again.
	h.stream(w, r, "VM "+vm.Name, nil, look)
}
