package osfake

import (
	"net/http"
	"net/url"
	"time"
)

func (c *Cloud) routeGlance(mux *http.ServeMux) {
	// Glance answers its root with 300 Multiple Choices and its versions.
	c.handle(mux, "GET /image/{$}", false, func(w http.ResponseWriter, _ *http.Request) {
		var vs []any
		for i, v := range []string{"v2.17", "v2.16", "v2.9", "v2.0"} {
			status := "SUPPORTED"
			if i == 0 {
				status = "CURRENT"
			}
			vs = append(vs, map[string]any{
				"id": v, "status": status,
				"links": []any{map[string]any{"rel": "self", "href": c.srv.URL + "/image/v2/"}},
			})
		}
		writeJSON(w, http.StatusMultipleChoices, map[string]any{"versions": vs})
	})
	c.handle(mux, "GET /image/v2/images", true, c.listImages)
	c.handle(mux, "GET /image/v2/images/{id}", true, c.showImage)
}

func imageJSON(i image) map[string]any {
	return map[string]any{
		"id": i.ID, "name": i.Name, "status": "active", "visibility": "public",
		"os_type": i.OS, "disk_format": "qcow2", "container_format": "bare",
		"min_disk": 0, "min_ram": 0, "size": 629145600, "protected": false, "tags": []string{},
		"owner":      ProjectID,
		"created_at": i.Created.Format(time.RFC3339), "updated_at": i.Created.Format(time.RFC3339),
		"self": "/v2/images/" + i.ID, "file": "/v2/images/" + i.ID + "/file", "schema": "/v2/schemas/image",
	}
}

// listImages answers GET /v2/images as Glance does: exact name filter,
// limit (25 by default) and marker, and a "next" link relative to Glance's
// root whenever the page is full.
func (c *Cloud) listImages(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	defer c.mu.Unlock()
	q := r.URL.Query()
	var all []image
	for _, i := range c.images {
		if n := q.Get("name"); n == "" || n == i.Name {
			all = append(all, i)
		}
	}
	if q.Get("limit") == "" {
		q.Set("limit", "25")
	}
	got, more, err := page(all, func(i image) string { return i.ID }, q, c.maxLimit)
	if err != nil {
		http.Error(w, "400 Bad Request\n\n"+err.Error(), http.StatusBadRequest)
		return
	}
	out := []any{}
	for _, i := range got {
		out = append(out, imageJSON(i))
	}
	body := map[string]any{"images": out, "first": "/v2/images", "schema": "/v2/schemas/images"}
	if more {
		next := url.Values{"marker": {got[len(got)-1].ID}, "limit": {q.Get("limit")}}
		if n := q.Get("name"); n != "" {
			next.Set("name", n)
		}
		body["next"] = "/v2/images?" + next.Encode()
	}
	writeJSON(w, http.StatusOK, body)
}

// showImage answers GET /v2/images/{id}; Glance's 404 is plain text.
func (c *Cloud) showImage(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	defer c.mu.Unlock()
	i := c.image(r.PathValue("id"))
	if i == nil {
		http.Error(w, "404 Not Found\n\nNo image found with ID "+r.PathValue("id")+"\n\n", http.StatusNotFound)
		return
	}
	writeJSON(w, http.StatusOK, imageJSON(*i))
}
