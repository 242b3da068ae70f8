package frontend

import (
	"net/http"

	"github.com/meshflow/meshflow/frontend/components"
	"github.com/meshflow/meshflow/frontend/pages"
)

// section is a part of the app whose features arrive in later releases. Its
// page is an honest empty state: what will be there, and how to get it.
type section struct {
	key, path string
	page      func(Info) pages.Section
}

// sections are the navigation entries that have no data to show yet.
var sections = []section{
	{"storage", "/storage", func(Info) pages.Section {
		return pages.Section{
			Title: "Storage",
			Lead:  "Browse buckets, containers and folders, and move files between them.",
			Empty: components.Empty{
				Icon:    "folder",
				Heading: "No storage connected yet",
				Body: []string{
					"Amazon S3 and S3-compatible stores, Azure Blob containers, OpenStack Swift and local folders will be browsable here side by side.",
				},
				Items: []string{
					"copy and move files between any two of them, streamed and checksum-verified",
					"resume interrupted transfers, watch progress, read the history",
				},
				Hint: "Storage appears once a cloud is added under Connections.",
			},
		}
	}},
}

// showSection renders the empty state of a section.
func (h *Handler) showSection(s section) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		h.render(w, r, http.StatusOK, pages.SectionPage(h.chrome(r.Context(), s.key), s.page(h.info)))
	}
}

// notFound answers any path no route claims.
func (h *Handler) notFound(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, http.StatusNotFound, pages.ErrorPage(h.chrome(r.Context(), "error"),
		"Page not found", "There is no page at "+r.URL.Path+"."))
}
