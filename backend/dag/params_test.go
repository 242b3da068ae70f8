package dag

import (
	"reflect"
	"strings"
	"testing"
)

func paramsDAG(t *testing.T) *DAG {
	t.Helper()
	d, err := Parse("p.yaml", []byte(`
params:
  who: {default: world}
  n: {type: int, required: true}
  env: {type: enum, values: [dev, prod], default: dev}
  dry: {type: bool, default: false}
  hosts: {type: list}
tasks:
  - {id: a, op: shell, with: {command: "true"}}
`))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestResolveParams(t *testing.T) {
	d := paramsDAG(t)
	tests := []struct {
		name  string
		given map[string]any
		want  map[string]any
	}{
		{
			"defaults fill in",
			map[string]any{"n": "3"},
			map[string]any{"who": "world", "n": 3, "env": "dev", "dry": false},
		},
		{
			"strings convert",
			map[string]any{"n": " 7 ", "dry": "true", "hosts": "a, b,,c", "env": "prod"},
			map[string]any{"who": "world", "n": 7, "env": "prod", "dry": true, "hosts": []any{"a", "b", "c"}},
		},
		{
			"typed values from JSON",
			map[string]any{"n": 2.0, "hosts": []any{"x", 1}, "who": 5},
			map[string]any{"who": "5", "n": 2, "env": "dev", "dry": false, "hosts": []any{"x", "1"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ResolveParams(d, tt.given)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestResolveParamsErrors(t *testing.T) {
	_, err := ResolveParams(paramsDAG(t), map[string]any{"env": "staging", "dry": "maybe", "typo": "x", "hosts": 3})
	if err == nil {
		t.Fatal("bad params were accepted")
	}
	for _, want := range []string{
		"param n is required: pass --param n=VALUE",
		"param env: staging is not one of dev, prod",
		"param dry: maybe is not true or false",
		"param hosts: 3 is not a list",
		"param typo is not declared by DAG p (it declares: who, n, env, dry, hosts)",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

func TestResolveParamsQuotesAnExcerpt(t *testing.T) {
	long := strings.Repeat("9x", 50_000)
	_, err := ResolveParams(paramsDAG(t), map[string]any{"n": long, long: "x"})
	if err == nil || len(err.Error()) > 1000 {
		t.Fatalf("a %d-byte error for a 100 KB value", len(err.Error()))
	}
}
