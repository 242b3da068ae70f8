package frontend

import (
	"context"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/meshflow/meshflow/backend/cloud"
	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/frontend/pages"
)

// listVMs renders every known VM of every connection, filtered by text,
// connection, state and tag (values in the address), with how old each
// connection's listing is and its error if its last refresh failed.
func (h *Handler) listVMs(w http.ResponseWriter, r *http.Request) {
	ctx, q := r.Context(), r.URL.Query()
	l := pages.VMList{Query: q, Now: h.now(), Flash: h.flashes.get(q.Get("flash"))}
	if h.vms == nil {
		h.render(w, r, http.StatusOK, pages.VMsPage(h.chrome(ctx, "vms"), l))
		return
	}
	vms, err := h.vms.VMs(ctx, "", false)
	if err != nil {
		h.serverError(w, r, "list VMs", err)
		return
	}
	if l.Refreshes, err = h.vms.Refreshes(ctx); err != nil {
		h.serverError(w, r, "list VM refreshes", err)
		return
	}
	f := parseVMFilter(q)
	l.Total, l.Filtered = len(vms), f.active()
	conns := map[string]bool{}
	for _, vm := range vms {
		conns[vm.Connection] = true
		if f.match(vm) {
			l.Rows = append(l.Rows, h.vmRow(vm))
		}
	}
	for _, r := range l.Refreshes {
		conns[r.Connection] = true
	}
	for c := range conns {
		l.Connections = append(l.Connections, c)
	}
	l.Cost = pages.CostPerHour(l.Rows)
	l.Matched = len(l.Rows)
	page, _ := strconv.Atoi(q.Get("page"))
	l.Rows, l.PrevURL, l.NextURL = pageOf(l.Rows, max(page, 1), q)
	slices.Sort(l.Connections)
	l.Forgotten = h.countForgotten(ctx, vms)
	h.render(w, r, http.StatusOK, pages.VMsPage(h.chrome(ctx, "vms"), l))
}

// countForgotten is how many VMs the guard would call forgotten; a failure
// to tell is logged and shown as none, the list itself being the point.
func (h *Handler) countForgotten(ctx context.Context, vms []model.VMRecord) int {
	f, err := h.vms.ForgottenAmong(ctx, vms, cloud.ForgottenAfter, h.prices, h.vms)
	if err != nil {
		h.logger.Error("find forgotten VMs", "err", err)
	}
	return len(f)
}

// pageOf returns page n of rows, from 1, and the addresses of the pages
// before and after it ("" where there is none).
func pageOf(rows []pages.VMRow, n int, q url.Values) (page []pages.VMRow, prev, next string) {
	from := (n - 1) * pages.VMPageSize
	if from >= len(rows) {
		from, n = 0, 1
	}
	to := min(from+pages.VMPageSize, len(rows))
	link := func(p int) string {
		v := url.Values{}
		maps.Copy(v, q)
		v.Set("page", strconv.Itoa(p))
		return "/vms?" + v.Encode()
	}
	if n > 1 {
		prev = link(n - 1)
	}
	if to < len(rows) {
		next = link(n + 1)
	}
	return rows[from:to], prev, next
}
