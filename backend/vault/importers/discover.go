package importers

import (
	"io"
	"os"
	"path/filepath"
)

// Candidate is a file found in one of the usual places, with the format
// its content shows, or the reason it cannot be read. Path is empty for the
// environment.
type Candidate struct {
	Path   string
	Format Format
	Err    error
}

// Discover looks where the clouds' own tools keep credentials, honouring
// the variables that move those files, and reports what it finds, so that
// `meshflow cloud import` with no FILE can offer it. It reads each file
// (at most MaxFileSize) to tell its format, and changes nothing.
func Discover(home string, getenv func(string) string) []Candidate {
	or := func(env, def string) string {
		if v := getenv(env); v != "" {
			return v
		}
		return def
	}
	xdg := or("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	paths := []string{
		or("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(home, ".aws", "credentials")),
		or("AWS_CONFIG_FILE", filepath.Join(home, ".aws", "config")),
		getenv("OS_CLIENT_CONFIG_FILE"),
		"clouds.yaml",
		filepath.Join(xdg, "openstack", "clouds.yaml"),
		filepath.Join(xdg, "openstack", "secure.yaml"),
		"/etc/openstack/clouds.yaml",
		filepath.Join(home, ".cloudmesh", "cloudmesh.yaml"),
		filepath.Join(home, ".cloudmesh", "cloudmesh4.yaml"),
		filepath.Join(home, ".azure", "sp.json"),
		filepath.Join(home, ".azure", "servicePrincipal.json"),
		filepath.Join(home, ".azure", "sdk-auth.json"),
	}
	var out []Candidate
	seen := map[string]bool{}
	for _, p := range paths {
		if p == "" || seen[p] {
			continue
		}
		seen[p] = true
		if c, ok := candidate(p); ok {
			out = append(out, c)
		}
	}
	if env := FromEnv(getenv); len(env.Connections)+len(env.Skipped) > 0 {
		out = append(out, Candidate{Format: FormatEnv})
	}
	return out
}

func candidate(path string) (Candidate, bool) {
	f, err := os.Open(path)
	if err != nil {
		return Candidate{}, false
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return Candidate{}, false
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return Candidate{Path: path, Err: err}, true
	}
	format, err := Detect(path, data)
	return Candidate{Path: path, Format: format, Err: err}, true
}
