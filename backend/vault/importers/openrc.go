package importers

import (
	"path/filepath"
	"regexp"
	"strings"
)

var shellAssign = regexp.MustCompile(`^\s*(?:export\s+)?(OS_[A-Z0-9_]+)=(.*)$`)

// parseOpenRC reads an openrc file without running it: each OS_X=value,
// quoted or not. The openrc Horizon writes asks for the password when
// sourced (OS_PASSWORD=$OS_PASSWORD_INPUT); such a value is left unset and
// the connection imported without it, with a note.
func parseOpenRC(r *Result, f *File) error {
	vars := map[string]string{}
	for _, line := range strings.Split(string(f.Data), "\n") {
		m := shellAssign.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		v := shellValue(m[2])
		if strings.Contains(v, "$") {
			delete(vars, m[1]) // a reference to another variable or a prompt
			continue
		}
		vars[m[1]] = v
	}
	a := osFromEnv(func(k string) string { return vars[k] })
	name := openrcName(f.Path, a.projectName)
	src := shortPath(f.Path)
	if c, ok := a.build(r, name, src); ok {
		r.Connections = append(r.Connections, c)
	}
	return nil
}

// shellValue reads one shell word: "double", 'single' or bare up to a
// space or comment.
func shellValue(s string) string {
	s = strings.TrimSpace(s)
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') {
		if end := strings.IndexByte(s[1:], s[0]); end >= 0 {
			return s[1 : end+1]
		}
	}
	if i := strings.IndexAny(s, " \t;#"); i >= 0 {
		s = s[:i]
	}
	return s
}

// openrcName names the connection after the file ("CH-819337-openrc.sh" →
// "CH-819337"), or its project when the file is just "openrc".
func openrcName(path, project string) string {
	base := filepath.Base(path)
	for _, suffix := range []string{".sh", ".rc", ".txt", "-openrc", "_openrc", "openrc"} {
		base = strings.TrimSuffix(base, suffix)
	}
	base = strings.TrimPrefix(strings.TrimPrefix(base, "openrc"), ".")
	if base == "" {
		return project
	}
	return base
}
