package importers

import (
	"fmt"
	"strings"
)

// section is one [name] of an AWS-style INI file.
type section struct {
	name string
	keys map[string]string
}

// parseINI reads the INI dialect of ~/.aws/credentials and ~/.aws/config:
// [sections], key = value, # and ; comments, and indented sub-keys (such as
// s3 =\n  max_concurrent_requests = 20), which are skipped as meshflow
// needs none. Errors give file:line and never the line's text.
func parseINI(path string, data []byte) ([]section, error) {
	var out []section
	lines := strings.Split(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n")
	nested := false
	for i, raw := range lines {
		line := strings.TrimSpace(raw)
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		if line[0] == '[' {
			if !strings.HasSuffix(line, "]") {
				return nil, fmt.Errorf("%s:%d: %w: a section header without its closing ]", path, i+1, ErrSyntax)
			}
			name := strings.Join(strings.Fields(line[1:len(line)-1]), " ")
			out = append(out, section{name: name, keys: map[string]string{}})
			nested = false
			continue
		}
		if raw[0] == ' ' || raw[0] == '\t' {
			if nested {
				continue
			}
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("%s:%d: %w: expected key = value", path, i+1, ErrSyntax)
		}
		if len(out) == 0 {
			return nil, fmt.Errorf("%s:%d: %w: a key before the first [section]", path, i+1, ErrSyntax)
		}
		k, v = strings.ToLower(strings.TrimSpace(k)), strings.TrimSpace(v)
		nested = v == ""
		out[len(out)-1].keys[k] = v
	}
	return out, nil
}
