package dag

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// ResolveParams checks the values given for a run against the DAG's params
// and fills in defaults. Strings (from a form or --param k=v) are converted
// to the param's type; typed values (from --conf JSON) must match it. Every
// problem is reported, each naming the param and what would be accepted.
// It is pure, so the engine, the trigger form and the CLI check params the
// same way without importing the engine.
func ResolveParams(d *DAG, given map[string]any) (map[string]any, error) {
	out := make(map[string]any, len(d.Params))
	var errs []error
	known := map[string]bool{}
	for _, p := range d.Params {
		known[p.Name] = true
		v, ok := given[p.Name]
		if !ok || v == nil {
			if p.Default != nil {
				def, err := convertParam(p, p.Default)
				if err != nil {
					errs = append(errs, fmt.Errorf("param %s: default: %w", p.Name, err))
				}
				out[p.Name] = def
			} else if p.Required {
				errs = append(errs, fmt.Errorf("param %s is required: pass --param %s=VALUE", p.Name, p.Name))
			}
			continue
		}
		typed, err := convertParam(p, v)
		if err != nil {
			errs = append(errs, fmt.Errorf("param %s: %w", p.Name, err))
			continue
		}
		out[p.Name] = typed
	}
	for name := range given {
		if !known[name] {
			errs = append(errs, fmt.Errorf("param %s is not declared by DAG %s (it declares: %s)", cut(name, maxShownLength), d.Name, paramNames(d)))
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

func convertParam(p Param, v any) (any, error) {
	s, isString := v.(string)
	switch p.Type {
	case ParamInt:
		switch n := v.(type) {
		case int:
			return n, nil
		case float64:
			if n == float64(int(n)) {
				return int(n), nil
			}
		case string:
			if i, err := strconv.Atoi(strings.TrimSpace(n)); err == nil {
				return i, nil
			}
		}
		return nil, fmt.Errorf("%s is not a whole number", shown(v))
	case ParamBool:
		if b, ok := v.(bool); ok {
			return b, nil
		}
		if b, err := strconv.ParseBool(s); isString && err == nil {
			return b, nil
		}
		return nil, fmt.Errorf("%s is not true or false", shown(v))
	case ParamList:
		return convertList(v)
	case ParamEnum:
		if isString && slices.Contains(p.Values, s) {
			return s, nil
		}
		return nil, fmt.Errorf("%s is not one of %s", shown(v), strings.Join(p.Values, ", "))
	default:
		if isString {
			return s, nil
		}
		return fmt.Sprint(v), nil
	}
}

// convertList accepts a JSON list, or a comma-separated string.
func convertList(v any) (any, error) {
	switch l := v.(type) {
	case []any:
		out := make([]any, len(l))
		for i, x := range l {
			out[i] = fmt.Sprint(x)
		}
		return out, nil
	case []string:
		out := make([]any, len(l))
		for i, x := range l {
			out[i] = x
		}
		return out, nil
	case string:
		var out []any
		for _, part := range strings.Split(l, ",") {
			if part = strings.TrimSpace(part); part != "" {
				out = append(out, part)
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("%s is not a list", shown(v))
}

func paramNames(d *DAG) string {
	if len(d.Params) == 0 {
		return "none"
	}
	names := make([]string, 0, min(len(d.Params), maxListed))
	for _, p := range d.Params[:min(len(d.Params), maxListed)] {
		names = append(names, cut(p.Name, maxShownLength))
	}
	if rest := len(d.Params) - len(names); rest > 0 {
		return strings.Join(names, ", ") + fmt.Sprintf(" and %d more", rest)
	}
	return strings.Join(names, ", ")
}

// shown is a given value as a message shows it: cut, since it comes from a
// form or a command line and may be any size.
func shown(v any) string { return cut(fmt.Sprint(v), maxShownLength) }
