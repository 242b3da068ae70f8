package dag

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"text/template"
	"time"

	"github.com/meshflow/meshflow/backend/tasklog"
)

// TemplateData is what a template in a task's arguments or condition can
// read: .params, .vars, .run and .tasks.<id>.outputs.<key>.
type TemplateData struct {
	Params map[string]any
	Vars   map[string]string // global variables overridden by the DAG's vars
	Run    RunInfo
	Tasks  map[string]TaskData // finished tasks of the run, by id
}

// RunInfo is .run: .run.id, .run.logical_date and .run.trigger.
type RunInfo struct {
	ID          int64
	LogicalDate time.Time
	Trigger     string // "schedule", "manual", "api", ...
}

// TaskData is .tasks.<id>: the outputs a finished task returned.
type TaskData struct {
	Outputs map[string]string
}

// SecretFunc resolves a stored secret by name for `{{ secret "name" }}`.
type SecretFunc func(name string) (string, error)

// Limits on rendering.
const (
	maxRendered = 1 << 20 // bytes one template may produce
	maxCached   = 10_000  // parsed templates kept before the cache starts over
)

// runFields are the keys of .run, for validation messages.
var runFields = []string{"id", "logical_date", "trigger"}

// compiled is a parsed template plus what validation and rendering need to
// know about it without walking it again.
type compiled struct {
	tmpl     *template.Template
	err      error
	use      templateUse
	tasks    []string // task ids read with a static path
	allTasks bool     // .tasks is read dynamically (range, index with a variable)
	secrets  bool     // calls secret, so each render needs its own func
}

// templateCache holds parsed templates by text. The engine renders the
// same few texts thousands of times, and parsing dominates the cost. It is
// the package's only mutable global; it starts over past maxCached entries
// so edited DAGs cannot grow it without bound.
type templateCache struct {
	m sync.Map // text → *compiled
	n atomic.Int64
}

var cache templateCache

func (c *templateCache) get(text string) *compiled {
	if v, ok := c.m.Load(text); ok {
		return v.(*compiled)
	}
	ct := compile(text)
	if c.n.Add(1) > maxCached {
		c.m.Clear()
		c.n.Store(1)
	}
	v, _ := c.m.LoadOrStore(text, ct)
	return v.(*compiled)
}

func compile(text string) *compiled {
	t, err := template.New("t").Funcs(funcs(nil)).Option("missingkey=error").Parse(text)
	if err != nil {
		return &compiled{err: templateError(text, err)}
	}
	ct := &compiled{tmpl: t, use: walkTemplate(t)}
	ct.secrets = ct.use.funcs["secret"]
	for _, ref := range ct.use.refs {
		switch {
		case len(ref) == 0 || (len(ref) == 1 && ref[0] == "tasks"):
			ct.allTasks = true
		case len(ref) >= 2 && ref[0] == "tasks":
			ct.tasks = append(ct.tasks, ref[1])
		}
	}
	return ct
}

// templateErrRE splits text/template's "template: t:LINE[:COL]: [executing
// "t" ]MSG" into the parts a user needs.
var templateErrRE = regexp.MustCompile(`^template: t:(\d+)(?::\d+)?: (?:executing "t" )?`)

// templateError drops text/template's internal template name; the line is
// kept only when the text has several lines, where it helps.
func templateError(text string, err error) error {
	m := templateErrRE.FindStringSubmatch(err.Error())
	if m == nil {
		return err
	}
	msg := err.Error()[len(m[0]):]
	if strings.Contains(strings.TrimRight(text, "\n"), "\n") {
		msg = "template line " + m[1] + ": " + msg
	}
	return errors.New(msg)
}

// Render expands the template in text. Text without "{{" is returned as is
// without parsing. secretsUsed lists the values `secret` returned, so the
// caller can redact them from logs; it is complete even when Render fails,
// and the error never holds one of them (a secret name computed from a
// secret is quoted by the lookup's error). secret may be nil when no secret
// store is available, and a template calling it then fails.
func Render(text string, data TemplateData, secret SecretFunc) (out string, secretsUsed []string, err error) {
	if !strings.Contains(text, "{{") {
		return text, nil, nil
	}
	ct := cache.get(text)
	if ct.err != nil {
		return "", nil, ct.err
	}
	t := ct.tmpl
	if ct.secrets {
		// Clone so the recording func is this render's own; templates are
		// shared by concurrent renders.
		t, err = t.Clone()
		if err != nil {
			return "", nil, err
		}
		t.Funcs(template.FuncMap{"secret": recordSecret(secret, &secretsUsed)})
	}
	var buf limitedBuffer
	if err := t.Execute(&buf, ct.root(data)); err != nil {
		return "", secretsUsed, maskError(templateError(text, err), secretsUsed)
	}
	return buf.String(), secretsUsed, nil
}

func recordSecret(secret SecretFunc, used *[]string) func(string) (string, error) {
	return func(name string) (string, error) {
		if secret == nil {
			return "", fmt.Errorf("secret %q: no secret store available here", name)
		}
		v, err := secret(name)
		if err != nil {
			return "", err
		}
		if v != "" && !slices.Contains(*used, v) {
			*used = append(*used, v)
		}
		return v, nil
	}
}

// root builds the data the template sees. Only the tasks it reads are
// copied in, so rendering in a 10,000-task run does not copy 10,000
// entries per argument.
func (ct *compiled) root(data TemplateData) map[string]any {
	ids := ct.tasks
	if ct.allTasks {
		ids = make([]string, 0, len(data.Tasks))
		for id := range data.Tasks {
			ids = append(ids, id)
		}
	}
	tasks := make(map[string]any, len(ids))
	for _, id := range ids {
		if td, ok := data.Tasks[id]; ok {
			tasks[id] = map[string]any{"outputs": td.Outputs}
		}
	}
	return map[string]any{
		"params": data.Params,
		"vars":   data.Vars,
		"run":    map[string]any{"id": data.Run.ID, "logical_date": data.Run.LogicalDate, "trigger": data.Run.Trigger},
		"tasks":  tasks,
	}
}

// limitedBuffer fails writes past maxRendered, which stops a runaway
// template (a huge range) instead of filling memory.
type limitedBuffer struct{ strings.Builder }

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if b.Len()+len(p) > maxRendered {
		return 0, fmt.Errorf("rendered text exceeds %d bytes", maxRendered)
	}
	return b.Builder.Write(p)
}

// RenderArgs renders every string in an op's arguments, recursively,
// returning a new map (the DAG's own is never modified) and the secret
// values used, also when it fails. Errors name the argument:
// "with.command: ...", and hold none of the secrets.
func RenderArgs(with map[string]any, data TemplateData, secret SecretFunc) (map[string]any, []string, error) {
	r := argRenderer{data: data, secret: secret}
	out, _ := r.value("with", with).(map[string]any)
	return out, r.used, maskError(errors.Join(r.errs...), r.used)
}

// maskError masks secrets in err's text. The result does not wrap err:
// unwrapping must not give the unmasked text back.
func maskError(err error, secrets []string) error {
	if err == nil || len(secrets) == 0 {
		return err
	}
	return errors.New(tasklog.NewMasker(secrets).String(err.Error()))
}

type argRenderer struct {
	data   TemplateData
	secret SecretFunc
	used   []string
	errs   []error
}

func (r *argRenderer) value(path string, v any) any {
	switch v := v.(type) {
	case string:
		out, used, err := Render(v, r.data, r.secret)
		if err != nil {
			r.errs = append(r.errs, fmt.Errorf("%s: %w", path, err))
		}
		for _, s := range used {
			if !slices.Contains(r.used, s) {
				r.used = append(r.used, s)
			}
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(v))
		for _, k := range sortedKeys(v) {
			out[k] = r.value(path+"."+k, v[k])
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, item := range v {
			out[i] = r.value(fmt.Sprintf("%s[%d]", path, i), item)
		}
		return out
	}
	return v
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// RenderWhen evaluates a task's `when` condition. An empty condition means
// "always run"; otherwise the task runs unless the rendered text is empty,
// "false", "0" or "no" (any case, surrounding space ignored). Like Render it
// returns the secret values used, also when it fails.
func RenderWhen(expr string, data TemplateData, secret SecretFunc) (bool, []string, error) {
	if strings.TrimSpace(expr) == "" {
		return true, nil, nil
	}
	out, used, err := Render(expr, data, secret)
	if err != nil {
		return false, used, fmt.Errorf("when: %w", err)
	}
	switch strings.ToLower(strings.TrimSpace(out)) {
	case "", "false", "0", "no":
		return false, used, nil
	}
	return true, used, nil
}

// funcs are the template functions. secret is bound per render (see
// Render); the one here makes parsing accept it and fails if reached.
func funcs(secret SecretFunc) template.FuncMap {
	var unused []string
	return template.FuncMap{
		"secret":  recordSecret(secret, &unused),
		"default": defaultValue,
		"quote":   shellQuote,
		"join":    join,
		"upper":   func(v any) string { return strings.ToUpper(toString(v)) },
		"lower":   func(v any) string { return strings.ToLower(toString(v)) },
		"trim":    func(v any) string { return strings.TrimSpace(toString(v)) },
		"toJSON":  toJSON,
	}
}

// defaultValue is `default FALLBACK VALUE`, written last in a pipeline:
// {{ .params.tag | default "latest" }}. Zero values and empty collections
// count as unset.
func defaultValue(fallback, v any) any {
	rv := reflect.ValueOf(v)
	if !rv.IsValid() {
		return fallback
	}
	switch rv.Kind() {
	case reflect.String, reflect.Slice, reflect.Map, reflect.Array:
		if rv.Len() == 0 {
			return fallback
		}
	default:
		if rv.IsZero() {
			return fallback
		}
	}
	return v
}

// shellQuote wraps v in single quotes for a POSIX shell, so a parameter
// cannot break out of the command it is pasted into.
func shellQuote(v any) string {
	return "'" + strings.ReplaceAll(toString(v), "'", `'\''`) + "'"
}

// join is `join SEP LIST`, so it pipes: {{ .params.hosts | join "," }}.
func join(sep string, list any) (string, error) {
	switch l := list.(type) {
	case []string:
		return strings.Join(l, sep), nil
	case []any:
		parts := make([]string, len(l))
		for i, v := range l {
			parts[i] = toString(v)
		}
		return strings.Join(parts, sep), nil
	case string:
		return l, nil
	}
	return "", fmt.Errorf("join: want a list, got %T", list)
}

func toJSON(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("toJSON: %w", err)
	}
	return string(b), nil
}

func toString(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}
