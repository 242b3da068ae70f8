package dag

import (
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"text/template"
	"time"
)

func testData() TemplateData {
	return TemplateData{
		Params: map[string]any{"who": "world", "n": 3, "hosts": []string{"a", "b"}, "empty": "", "flag": false},
		Vars:   map[string]string{"bucket": "backups"},
		Run:    RunInfo{ID: 42, LogicalDate: time.Date(2025, 3, 30, 2, 30, 0, 0, time.UTC), Trigger: "manual"},
		Tasks: map[string]TaskData{
			"greet":   {Outputs: map[string]string{"greeting": "hello"}},
			"my-task": {Outputs: map[string]string{"x": "dash"}},
		},
	}
}

func testSecrets(name string) (string, error) {
	if name == "token" {
		return "s3cr3t", nil
	}
	return "", fmt.Errorf("no secret %q", name)
}

func TestRender(t *testing.T) {
	tests := []struct {
		name, text, want, wantErr string
	}{
		{name: "no template", text: "echo {hello}", want: "echo {hello}"},
		{name: "param", text: "hi {{ .params.who }}", want: "hi world"},
		{name: "var", text: "{{ .vars.bucket }}", want: "backups"},
		{name: "run fields", text: "{{ .run.id }} {{ .run.trigger }} {{ .run.logical_date.Format \"2006-01-02\" }}", want: "42 manual 2025-03-30"},
		{name: "task output", text: "{{ .tasks.greet.outputs.greeting }}", want: "hello"},
		{name: "task id with a dash", text: `{{ index .tasks "my-task" "outputs" "x" }}`, want: "dash"},
		{name: "range over tasks", text: `{{ range $id, $t := .tasks }}{{ $id }};{{ end }}`, want: "greet;my-task;"},
		{name: "quote", text: `echo {{ quote "it's; rm -rf /" }}`, want: `echo 'it'\''s; rm -rf /'`},
		{name: "quote a number", text: `{{ quote .params.n }}`, want: `'3'`},
		{name: "default on empty", text: `{{ .params.empty | default "x" }}`, want: "x"},
		{name: "default on false", text: `{{ .params.flag | default true }}`, want: "true"},
		{name: "default keeps a value", text: `{{ .params.who | default "x" }}`, want: "world"},
		{name: "join", text: `{{ .params.hosts | join "," }}`, want: "a,b"},
		{name: "upper lower trim", text: `{{ upper .params.who }} {{ lower "ABC" }} [{{ trim "  x " }}]`, want: "WORLD abc [x]"},
		{name: "toJSON", text: `{{ toJSON .params.hosts }}`, want: `["a","b"]`},
		{name: "missing param", text: "{{ .params.nope }}", wantErr: `at <.params.nope>: map has no entry for key "nope"`},
		{name: "missing output", text: "{{ .tasks.greet.outputs.nope }}", wantErr: `map has no entry for key "nope"`},
		{name: "task without outputs yet", text: "{{ .tasks.later.outputs.x }}", wantErr: `map has no entry for key "later"`},
		{name: "multi-line error has a line", text: "a\n{{ .params.nope }}", wantErr: "template line 2: at <.params.nope>"},
		{name: "syntax error", text: "{{ .params.who", wantErr: "unclosed action"},
		{name: "unknown function", text: "{{ upcase .params.who }}", wantErr: `function "upcase" not defined`},
		{name: "join of a non-list", text: "{{ join \",\" .params.n }}", wantErr: "join: want a list, got int"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _, err := Render(tt.text, testData(), nil)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %q, %v; want error containing %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestRenderSecrets(t *testing.T) {
	tests := []struct {
		name, text string
		secret     SecretFunc
		want       string
		wantUsed   []string
		wantErr    string
	}{
		{name: "recorded once", text: `{{ secret "token" }}:{{ secret "token" }}`, secret: testSecrets, want: "s3cr3t:s3cr3t", wantUsed: []string{"s3cr3t"}},
		{name: "not a secret, nothing recorded", text: `{{ .params.who }}`, secret: testSecrets, want: "world"},
		{name: "unknown secret", text: `{{ secret "nope" }}`, secret: testSecrets, wantErr: `no secret "nope"`},
		{name: "no store", text: `{{ secret "token" }}`, wantErr: "no secret store available"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, used, err := Render(tt.text, testData(), tt.secret)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v, want error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want || !reflect.DeepEqual(used, tt.wantUsed) {
				t.Errorf("got %q %v %v; want %q %v", got, used, err, tt.want, tt.wantUsed)
			}
		})
	}
}

// TestRenderConcurrent renders shared cached templates from many
// goroutines, each with its own secret func; run with -race.
func TestRenderConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			own := fmt.Sprintf("v%d", g)
			secret := func(string) (string, error) { return own, nil }
			for range 200 {
				out, used, err := Render(`{{ secret "x" }}-{{ .params.who }}`, testData(), secret)
				if err != nil || out != own+"-world" || len(used) != 1 || used[0] != own {
					t.Errorf("goroutine %d got %q %v %v", g, out, used, err)
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestRenderArgs(t *testing.T) {
	with := map[string]any{
		"command": "echo {{ .params.who }} {{ secret \"token\" }}",
		"env":     map[string]any{"N": "{{ .params.n }}", "KEEP": 5},
		"args":    []any{"{{ .run.id }}", true},
	}
	got, used, err := RenderArgs(with, testData(), testSecrets)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"command": "echo world s3cr3t",
		"env":     map[string]any{"N": "3", "KEEP": 5},
		"args":    []any{"42", true},
	}
	if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(used, []string{"s3cr3t"}) {
		t.Errorf("got %#v %v", got, used)
	}
	if with["command"] != "echo {{ .params.who }} {{ secret \"token\" }}" {
		t.Error("RenderArgs modified its input")
	}
	_, _, err = RenderArgs(map[string]any{"a": "{{ .params.x }}", "b": map[string]any{"c": []any{"{{ .params.y }}"}}}, testData(), nil)
	for _, want := range []string{"with.a: ", "with.b.c[0]: "} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not name %q", err, want)
		}
	}
}

func TestRenderWhen(t *testing.T) {
	tests := []struct {
		expr    string
		want    bool
		wantErr bool
	}{
		{expr: "", want: true},
		{expr: "  ", want: true},
		{expr: "true", want: true},
		{expr: "false", want: false},
		{expr: "{{ .params.empty }}", want: false},
		{expr: "{{ .params.flag }}", want: false},
		{expr: "{{ .params.n }}", want: true},
		{expr: `{{ if eq .params.who "world" }}yes{{ end }}`, want: true},
		{expr: " No ", want: false},
		{expr: "0", want: false},
		{expr: "{{ .params.nope }}", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			got, _, err := RenderWhen(tt.expr, testData(), nil)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("got %v, %v; want %v (error %v)", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestRenderOutputCap(t *testing.T) {
	_, _, err := Render(`{{ range 2000000 }}x{{ end }}`, TemplateData{}, nil)
	if err == nil || !strings.Contains(err.Error(), "exceeds") {
		t.Errorf("runaway template not stopped: %v", err)
	}
}

func TestWalkTemplate(t *testing.T) {
	tests := []struct {
		text  string
		refs  string // paths joined by "." and separated by " "; [] is "."
		funcs string
	}{
		{`{{ .params.who }}`, "params.who", ""},
		{`{{ $.tasks.a.outputs.k }}`, "tasks.a.outputs.k", ""},
		{`{{ index .tasks "my-task" "outputs" "k" }}`, "tasks.my-task.outputs.k", "index"},
		{`{{ (index .tasks "t").outputs.k }}`, "tasks.t.outputs.k", "index"},
		{`{{ index .tasks $.params.id }}`, "tasks params.id", "index"},
		{`{{ with .tasks.a }}{{ .outputs.k }}{{ $.run.id }}{{ end }}`, "tasks.a run.id", ""},
		{`{{ range .params.hosts }}{{ . }}{{ else }}{{ .vars.none }}{{ end }}`, "params.hosts vars.none", ""},
		{`{{ if .params.x }}{{ .params.y }}{{ end }}`, "params.x params.y", ""},
		{`{{ $v := .vars.a }}{{ $v.b }}`, "vars.a", ""},
		{`{{ toJSON . }}`, ".", "toJSON"},
		{`{{ secret "k" | quote }}`, "", "quote secret"},
		{`{{ define "x" }}{{ .anything }}{{ $.y }}{{ end }}{{ template "x" .params }}`, "params", ""},
		{`{{ printf "%s" (.params.a) }}`, "params.a", "printf"},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			tm, err := template.New("t").Funcs(funcs(nil)).Parse(tt.text)
			if err != nil {
				t.Fatal(err)
			}
			use := walkTemplate(tm)
			var refs []string
			for _, r := range use.refs {
				s := strings.Join(r, ".")
				if s == "" {
					s = "."
				}
				refs = append(refs, s)
			}
			if got := strings.Join(refs, " "); got != tt.refs {
				t.Errorf("refs %q, want %q", got, tt.refs)
			}
			if got := strings.Join(sortedKeys(use.funcs), " "); got != tt.funcs {
				t.Errorf("funcs %q, want %q", got, tt.funcs)
			}
		})
	}
}

func TestTemplateCacheStartsOver(t *testing.T) {
	var c templateCache
	for i := range maxCached + 5 {
		if ct := c.get(fmt.Sprintf("{{ .params.p%d }}", i)); ct.err != nil {
			t.Fatal(ct.err)
		}
	}
	if n := c.n.Load(); n > maxCached {
		t.Errorf("cache holds %d entries, cap is %d", n, maxCached)
	}
	if ct := c.get("{{ .params.p0 }}"); ct.err != nil || ct.tmpl == nil {
		t.Errorf("cache miss after reset does not recompile: %v", ct.err)
	}
}

func BenchmarkRenderCached(b *testing.B) {
	data := testData()
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := Render("echo {{ .params.who }} {{ .tasks.greet.outputs.greeting }}", data, nil); err != nil {
			b.Fatal(err)
		}
	}
}
