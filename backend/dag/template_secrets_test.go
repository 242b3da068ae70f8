package dag

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// A secret name computed from a secret fails at run time with the lookup's
// error, which quotes the name: the value of the inner secret. The error
// must still say what is wrong, without the value.
func TestRenderErrorsNeverHoldASecret(t *testing.T) {
	const value = "CANARY-7f3a9"
	lookup := func(name string) (string, error) {
		if name == "canary" {
			return value, nil
		}
		return "", fmt.Errorf("no secret %s: set it with 'meshflow var set %s --secret'", name, name)
	}
	check := func(t *testing.T, used []string, err error) {
		t.Helper()
		if err == nil || !strings.Contains(err.Error(), "no secret ********: set it with") {
			t.Errorf("error = %v, want the missing secret's name masked", err)
		}
		if err != nil && strings.Contains(err.Error(), "7f3a9") {
			t.Errorf("error %q holds the secret", err)
		}
		if !reflect.DeepEqual(used, []string{value}) {
			t.Errorf("used = %q, want the secret resolved before the failure", used)
		}
	}
	const computed = `{{ secret (secret "canary") }}`
	t.Run("Render", func(t *testing.T) {
		_, used, err := Render(computed, testData(), lookup)
		check(t, used, err)
	})
	t.Run("RenderArgs", func(t *testing.T) {
		_, used, err := RenderArgs(map[string]any{"a": computed, "b": "{{ .params.nope }}"}, testData(), lookup)
		check(t, used, err)
	})
	t.Run("RenderWhen", func(t *testing.T) {
		_, used, err := RenderWhen(computed, testData(), lookup)
		check(t, used, err)
	})
}

func TestSecretNamesFindsLiteralNames(t *testing.T) {
	d := &DAG{
		Vars: []Var{{Name: "v", Value: `{{ secret "from-var" }}`}},
		Tasks: []Task{
			{ID: "a", With: map[string]any{
				"command": `echo {{ secret "b-token" }} {{ "piped" | secret }} {{ secret "b-token" }}`,
				"env":     map[string]any{"K": []any{`{{ if true }}{{ quote (secret "nested") }}{{ end }}`}},
				"plain":   "no template",
			}},
			{ID: "b", When: `{{ with .params.x }}{{ secret "in-when" }}{{ end }}`, With: map[string]any{
				"computed": `{{ secret (secret "inner") }}`, // only the literal inner name is known
				"broken":   `{{ secret "x"`,
			}},
		},
	}
	want := []string{"b-token", "from-var", "in-when", "inner", "nested", "piped"}
	if got := SecretNames(d); !reflect.DeepEqual(got, want) {
		t.Errorf("SecretNames = %q, want %q", got, want)
	}
	if got := SecretNames(&DAG{Tasks: []Task{{ID: "a", With: map[string]any{"c": "{{ .params.x }}"}}}}); len(got) != 0 {
		t.Errorf("SecretNames of a DAG without secrets = %q", got)
	}
}
