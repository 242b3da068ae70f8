package dag

import (
	"strings"
	"testing"
)

const shellParams = `
params:
  who: {default: world}
  n: {type: int, default: 1}
  dry: {type: bool, default: false}
  env: {type: enum, values: [dev, prod], default: dev}
  odd: {type: enum, values: ["a b", c], default: c}
  hosts: {type: list, default: [a]}
vars:
  fixed: plain
  made: "x-{{ .params.who }}"
  again: "{{ .vars.made }}"
  safe: "x-{{ .params.env }}"
`

// shellWarnings loads a DAG whose task "t" runs command (after an upstream
// task "up") and returns its warnings, one string each.
func shellWarnings(t *testing.T, command string) []string {
	t.Helper()
	src := "name: w" + shellParams + `tasks:
  - {id: up, op: shell, with: {command: "true"}}
  - {id: child, op: trigger_dag, with: {dag: other}}
  - id: t
    op: shell
    needs: [up, child]
    with:
      command: '` + strings.ReplaceAll(command, "'", "''") + `'
`
	d, err := Load("w.yaml", []byte(src), newTestCatalog())
	if err != nil {
		t.Fatalf("a DAG with warnings must still load: %v", err)
	}
	var out []string
	for _, w := range d.Warnings {
		if !w.Warning {
			t.Errorf("warning without Warning set: %v", w)
		}
		out = append(out, w.Error())
	}
	return out
}

func TestShellPasteWarnings(t *testing.T) {
	tests := []struct {
		command string
		want    string // substring of the only warning; "" means none
	}{
		{`echo "hello, {{ .params.who }}"`, `pastes .params.who into shell code unquoted`},
		{`echo {{ .params.who | upper }}`, `pastes .params.who`},
		{`echo {{ printf "%s!" .params.who }}`, `pastes .params.who`},
		{`echo '{{ .params.who }}'`, `pastes .params.who`},
		{`echo {{ .tasks.up.outputs.k }}`, `pastes .tasks.up.outputs.k`},
		{`echo {{ index .tasks "up" "outputs" "k" }}`, `pastes .tasks.up.outputs.k`},
		{`echo {{ .vars.made }}`, `pastes .vars.made`},
		{`echo {{ .vars.again }}`, `pastes .vars.again`},
		{`echo {{ .params.hosts }}`, `pastes .params.hosts`},
		{`echo {{ .params.odd }}`, `pastes .params.odd`},
		{`{{ range .params.hosts }}ssh {{ . }} true; {{ end }}`, `pastes .params.hosts`},
		{`{{ if .params.dry }}echo {{ .params.who }}{{ end }}`, `pastes .params.who`},
		{`echo "{{ quote .params.who }}"`, `sits inside "…" quotes`},
		{`echo '{{ quote .params.who }}'`, `sits inside '…' quotes`},
		// Safe shapes.
		{`echo hello, {{ quote .params.who }}`, ""},
		{`echo {{ .params.who | quote }}`, ""},
		{`echo "hello, $MESHFLOW_PARAM_WHO"`, ""},
		{`echo "it's" {{ quote .params.who }}`, ""},
		{"# don't worry\necho {{ quote .params.who }}", ""},
		{`{{ range .params.hosts }}ssh {{ quote . }} true; {{ end }}`, ""},
		{`echo {{ .params.n }} {{ .params.dry }} {{ .params.env }} {{ .vars.fixed }} {{ .vars.safe }} {{ .run.id }}`, ""},
		{`echo {{ $w := .params.who }}{{ quote $w }}`, ""},
		{`echo {{ .tasks.child.outputs.run_id }}`, ""},    // made by the op, not chosen
		{"cat <<EOF\n\"{{ quote .params.who }}\nEOF", ""}, // heredocs are not lexed: no claim
	}
	for _, tt := range tests {
		t.Run(tt.command, func(t *testing.T) {
			got := shellWarnings(t, tt.command)
			switch {
			case tt.want == "" && len(got) > 0:
				t.Errorf("unexpected warnings:\n%s", strings.Join(got, "\n"))
			case tt.want != "" && (len(got) != 1 || !strings.Contains(got[0], tt.want)):
				t.Errorf("want one warning with %q, got:\n%s", tt.want, strings.Join(got, "\n"))
			}
		})
	}
}

func TestShellWarningFormat(t *testing.T) {
	got := shellWarnings(t, `echo {{ .params.who }}`)
	want := `w.yaml:21:7: warning: task "t": with.command pastes .params.who into shell code unquoted: a value such as $(…) or ; would run as a command
    hint: write {{ quote .params.who }} with no quotes around it, or read it from the environment: "$MESHFLOW_PARAM_WHO"`
	if len(got) != 1 || got[0] != want {
		t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), want)
	}
}

// TestShellWarningsNeedAShellArg: the same template in an argument no
// shell parses (env values, an http url) is fine.
func TestShellWarningsNeedAShellArg(t *testing.T) {
	d, err := Load("w.yaml", []byte("name: w"+shellParams+`tasks:
  - id: t
    op: shell
    with:
      command: echo "$WHO"
      env: {WHO: "{{ .params.who }}"}
  - {id: h, op: http, with: {url: "http://x/{{ .params.who }}"}}
`), newTestCatalog())
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Warnings) > 0 {
		t.Errorf("unexpected warnings: %v", d.Warnings)
	}
}
