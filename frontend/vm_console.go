package frontend

import (
	"net/http"

	"github.com/meshflow/meshflow/frontend/pages"
)

// consoleTail is how much of a console's output the page shows: the end
// is where a boot went wrong.
const consoleTail = 64 << 10

// showVMConsole shows the end of a VM's console output, as text.
func (h *Handler) showVMConsole(w http.ResponseWriter, r *http.Request) {
	vm, ok := h.findVM(w, r)
	if !ok {
		return
	}
	out, err := h.vms.Console(r.Context(), vm.Connection, vm.ID, consoleTail)
	if err != nil {
		h.fail(w, r, "read the console of "+vm.Name, err)
		return
	}
	h.render(w, r, http.StatusOK, pages.VMConsolePage(h.chrome(r.Context(), "vms"), pages.VMConsole{VM: vm, Output: out, MaxKiB: consoleTail >> 10}))
}
