package dag

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func readFixture(t *testing.T, rel string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, rel))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func ptr[T any](v T) *T { return &v }

func TestParseFull(t *testing.T) {
	d, err := Load("testdata/dag/full.yaml", readFixture(t, "testdata/dag/full.yaml"), newTestCatalog())
	if err != nil {
		t.Fatal(err)
	}
	want := fullWant()
	got := *d
	got.Pos, got.doc = nil, nil
	for i := range got.Tasks {
		got.Tasks[i].Pos, got.Tasks[i].KeyPos = Pos{}, nil
	}
	for i := range got.Params {
		got.Params[i].Pos = Pos{}
	}
	for i := range got.Vars {
		got.Vars[i].Pos = Pos{}
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{
			"header",
			[7]any{got.Name, got.Description, got.Tags, got.Schedule, got.Timezone, got.Catchup, got.Overlap},
			[7]any{want.Name, want.Description, want.Tags, want.Schedule, want.Timezone, want.Catchup, want.Overlap},
		},
		{"max_active_runs", got.MaxActiveRuns, want.MaxActiveRuns},
		{"params", got.Params, want.Params},
		{"vars", got.Vars, want.Vars},
		{"defaults", got.Defaults, want.Defaults},
		{"tasks", got.Tasks, want.Tasks},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			if !reflect.DeepEqual(c.got, c.want) {
				t.Errorf("\ngot  %#v\nwant %#v", c.got, c.want)
			}
		})
	}
}

func fullWant() DAG {
	return DAG{
		Name: "full", Description: "Every field once.", Tags: []string{"nightly", "team-a"},
		Schedule: "0 30 6 * * MON-FRI", Timezone: "Europe/Berlin", Catchup: CatchupLatest,
		MaxActiveRuns: 2, Overlap: OverlapQueue,
		Params: []Param{
			{Name: "env", Type: ParamEnum, Values: []string{"dev", "prod"}, Default: "dev", Required: true, Description: "Where to deploy."},
			{Name: "count", Type: ParamInt, Default: 3},
			{Name: "dry", Type: ParamBool, Default: false},
			{Name: "hosts", Type: ParamList, Default: []string{"a", "b"}},
			{Name: "label", Type: ParamString, Default: "7"},
		},
		Vars: []Var{{Name: "bucket", Value: "backups-{{ .params.env }}"}},
		Defaults: TaskDefaults{
			Retries: 2, RetryDelay: 30 * time.Second, RetryBackoff: BackoffExponential,
			RetryMaxDelay: 10 * time.Minute, Timeout: 90 * time.Minute, Pool: "default",
		},
		Tasks: []Task{
			{ID: "fetch", Op: "http", With: map[string]any{
				"url": "https://example.com/{{ .params.env }}", "expect_status": 200,
				"headers": map[string]any{"Accept": "application/json"},
				"body":    map[string]any{"n": 1.5, "ok": true, "none": nil, "list": []any{1, "two"}, "when": "2024-01-02"},
			}},
			{
				ID: "build", Op: "shell", Needs: []string{"fetch"}, TriggerRule: AllDone,
				Retries: ptr(0), RetryDelay: ptr(5 * time.Second), RetryBackoff: BackoffConstant,
				RetryMaxDelay: ptr(time.Minute), Timeout: ptr(90 * time.Second), Pool: "builders",
				Queue: "linux", When: `{{ ne .params.env "dev" }}`, With: map[string]any{"command": "echo build"},
			},
			{ID: "ship", Op: "noop", Needs: []string{"fetch", "build"}, Retries: ptr(4), Pool: "shared"},
		},
	}
}

func TestParsePositions(t *testing.T) {
	d, err := Parse("full.yaml", readFixture(t, "testdata/dag/full.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	fetch, build, ship := d.Tasks[0], d.Tasks[1], d.Tasks[2]
	tests := []struct {
		name      string
		got, want Pos
	}{
		{"dag key", d.Pos["schedule"], Pos{5, 1}},
		{"param", d.Params[1].Pos, Pos{20, 3}},
		{"param field", d.Pos["params.count.default"], Pos{22, 5}},
		{"var", d.Vars[0].Pos, Pos{32, 3}},
		{"defaults field", d.Pos["defaults.timeout"], Pos{38, 3}},
		{"task", fetch.Pos, Pos{41, 5}},
		{"task key", fetch.KeyPos["op"], Pos{42, 5}},
		{"with arg", fetch.KeyPos["with.expect_status"], Pos{45, 7}},
		{"nested with key", fetch.KeyPos["with.headers.Accept"], Pos{46, 17}},
		{"with list item", fetch.KeyPos["with.body.list[1]"], Pos{47, 54}},
		{"needs item", ship.KeyPos["needs.build"], Pos{65, 20}},
		{"when", build.KeyPos["when"], Pos{59, 5}},
		{"merged key sits at the anchor", ship.KeyPos["retries"], Pos{11, 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %v, want %v", tt.got, tt.want)
			}
		})
	}
}

func TestParseValues(t *testing.T) {
	tests := []struct {
		name, yaml string
		check      func(d *DAG) any
		want       any
	}{
		{"duration string", "defaults: {timeout: 1h30m}", func(d *DAG) any { return d.Defaults.Timeout }, 90 * time.Minute},
		{"duration seconds", "defaults: {timeout: 90}", func(d *DAG) any { return d.Defaults.Timeout }, 90 * time.Second},
		{"duration zero", "defaults: {timeout: 0}", func(d *DAG) any { return d.Defaults.Timeout }, time.Duration(0)},
		{"needs as a string", "tasks: [{id: b, needs: a}]", func(d *DAG) any { return d.Tasks[0].Needs }, []string{"a"}},
		{"needs as a list", "tasks: [{id: c, needs: [a, b]}]", func(d *DAG) any { return d.Tasks[0].Needs }, []string{"a", "b"}},
		{"numeric name", "name: 2024", func(d *DAG) any { return d.Name }, "2024"},
		{"name from file", "tasks: []", func(d *DAG) any { return d.Name }, "file"},
		{"catchup default", "name: x", func(d *DAG) any { return d.Catchup }, CatchupNone},
		{"overlap default", "name: x", func(d *DAG) any { return d.Overlap }, OverlapSkip},
		{"backoff default", "name: x", func(d *DAG) any { return d.Defaults.RetryBackoff }, BackoffConstant},
		{"task retries unset", "tasks: [{id: a}]", func(d *DAG) any { return d.Tasks[0].Retries }, (*int)(nil)},
		{"empty with", "tasks: [{id: a, with: }]", func(d *DAG) any { return d.Tasks[0].With }, map[string]any(nil)},
		{"hex int arg", "tasks: [{id: a, with: {n: 0x10}}]", func(d *DAG) any { return d.Tasks[0].With["n"] }, 16},
		{"big int becomes float", "tasks: [{id: a, with: {n: 99999999999999999999}}]", func(d *DAG) any { return d.Tasks[0].With["n"] }, 1e20},
		{"x- keys ignored", "x-anchors: {a: 1}\nname: x", func(d *DAG) any { return d.Name }, "x"},
		{"leading document marker", "---\nname: x", func(d *DAG) any { return d.Name }, "x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Parse("dir/file.yaml", []byte(tt.yaml))
			if err != nil {
				t.Fatal(err)
			}
			if got := tt.check(d); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"float duration", "defaults: {timeout: 1.5}", `f.yaml:1:21: defaults: timeout: invalid duration "1.5"`},
		{"negative duration string ok for parse", "defaults: {timeout: -5s}", ""},
		{"huge seconds", "defaults: {timeout: 9999999999999}", `f.yaml:1:21: defaults: timeout: invalid duration "9999999999999"`},
		{"bad explicit int", "tasks: [{id: a, with: {n: !!int x}}]", `f.yaml:1:27: task "a": with.n: invalid int value "x"`},
		{"key is a list", "[a]: 1", "f.yaml:1:1: keys must be strings, found a list"},
		{"yaml.v3 says line 2, the problem is on 4", "name: x\ntasks:\n  - id: a\n  op: b\n", "f.yaml:4: invalid YAML: did not find expected '-' indicator"},
		{"yaml.v3 gives no line", "name: x\ndescription: a: b\n", "f.yaml:2: invalid YAML: mapping values are not allowed in this context"},
		{"tab indentation", "name: x\n\tdescription: y\n", "f.yaml:2: invalid YAML: found a tab character that violates indentation"},
		{"all errors, not the first", "nme: a\ntasks: {}\ncatchup: [x]\n", "f.yaml:1:1: unknown field \"nme\"\n    hint: did you mean \"name\"?\n" +
			"f.yaml:2:8: tasks must be a list, found a mapping\n    hint: write each task as a list item: - id: build\n" +
			"f.yaml:3:10: catchup must be a string, found a list"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("f.yaml", []byte(tt.yaml))
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tt.want == "":
			case err == nil:
				t.Fatalf("no error; want %q", tt.want)
			case !strings.HasPrefix(err.Error(), tt.want):
				t.Errorf("got\n%v\nwant prefix\n%s", err, tt.want)
			}
		})
	}
}

func TestParseLimits(t *testing.T) {
	big := bytes.Repeat([]byte("#"), maxFileSize+1)
	if _, err := Parse("big.yaml", big); err == nil || !strings.Contains(err.Error(), "at most") {
		t.Errorf("oversized file: got %v", err)
	}
	deep := strings.Repeat("[", 20000) + strings.Repeat("]", 20000)
	if _, err := Parse("deep.yaml", []byte("a: "+deep)); err == nil {
		t.Error("20,000 nested lists accepted")
	}
}

// TestRoundTrip checks that Marshal gives back the file byte for byte:
// the fixtures use yaml.v3's own layout (2-space indent, lists indented
// under their key, no folded scalars), which is also the house layout.
func TestRoundTrip(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(repoRoot, "testdata/examples/*.yaml"))
	files = append(files, filepath.Join(repoRoot, "testdata/dag/roundtrip.yaml"), filepath.Join(repoRoot, "testdata/dag/full.yaml"))
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			d, err := Parse(file, data)
			if err != nil {
				t.Fatal(err)
			}
			out, err := d.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out, data) {
				t.Errorf("round trip changed the file:\n%s", out)
			}
		})
	}
}

func TestMarshalWithoutDocument(t *testing.T) {
	_, err := (&DAG{Name: "code"}).Marshal()
	if !errors.Is(err, ErrNoDocument) {
		t.Errorf("got %v, want ErrNoDocument", err)
	}
}

func TestErrorFormat(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"full", &Error{File: "a.yaml", Line: 3, Col: 5, Msg: "bad", Hint: "fix it"}, "a.yaml:3:5: bad\n    hint: fix it"},
		{"no column", &Error{File: "a.yaml", Line: 3, Msg: "bad"}, "a.yaml:3: bad"},
		{"no position", &Error{File: "a.yaml", Msg: "bad"}, "a.yaml: bad"},
		{"no file", &Error{Msg: "bad"}, "bad"},
		{"sorted by line then column", (&errorList{errs: Errors{
			{File: "f", Line: 9, Col: 1, Msg: "c"}, {File: "f", Line: 2, Col: 7, Msg: "b"}, {File: "f", Line: 2, Col: 3, Msg: "a"},
		}}).err(), "f:2:3: a\nf:2:7: b\nf:9:1: c"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
	var e *Error
	if !errors.As(Errors{{Msg: "x"}}, &e) || e.Msg != "x" {
		t.Error("errors.As cannot reach an *Error inside Errors")
	}
	if (&errorList{}).err() != nil {
		t.Error("an empty list must give a nil error")
	}
}

func TestClosest(t *testing.T) {
	known := []string{"name", "needs", "timeout", "trigger_rule", "id", "op"}
	tests := []struct{ in, want string }{
		{"neesd", "needs"},     // transposition
		{"neeeds", "needs"},    // insertion
		{"Timeout", "timeout"}, // case
		{"trigger_rul", "trigger_rule"},
		{"x", ""},           // too short to guess
		{"description", ""}, // nothing near
		{"ip", "id"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := closest(tt.in, known); got != tt.want {
				t.Errorf("closest(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
