// Package static embeds the UI's stylesheets, scripts and images and serves
// them under content-hashed URLs, so browsers may cache them for good and
// still never run an old copy after an upgrade.
package static

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"strings"
	"sync"
)

//go:embed css img js vendor
var files embed.FS

// Prefix is where the handler is mounted.
const Prefix = "/static/"

var hashes = sync.OnceValue(func() map[string]string {
	m := map[string]string{}
	_ = fs.WalkDir(files, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := files.ReadFile(path)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		m[path] = hex.EncodeToString(sum[:6])
		return nil
	})
	return m
})

// URL is the address of the embedded file name, e.g. URL("css/app.css").
// It panics on a name that is not embedded, which the page tests catch.
func URL(name string) string {
	h, ok := hashes()[name]
	if !ok {
		panic("static: no embedded file " + name)
	}
	return Prefix + name + "?v=" + h
}

// Handler serves the embedded files. A request carrying the file's current
// hash may be cached forever; anything else must be revalidated.
func Handler() http.Handler {
	fileServer := http.StripPrefix(Prefix, http.FileServerFS(files))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, Prefix)
		if strings.HasSuffix(name, "/") || name == "" {
			http.NotFound(w, r) // no directory listings
			return
		}
		if v := r.URL.Query().Get("v"); v != "" && v == hashes()[name] {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			w.Header().Set("Cache-Control", "no-cache")
		}
		fileServer.ServeHTTP(w, r)
	})
}
