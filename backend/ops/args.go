package ops

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The helpers below read rendered arguments. Validation has checked their
// types already, except where a template produced the value, so a mismatch
// here is a run-time error that names the argument.

func itoa(n int) string { return strconv.Itoa(n) }

func argString(args map[string]any, name string) (string, error) {
	switch v := args[name].(type) {
	case nil:
		return "", nil
	case string:
		return v, nil
	case int, int64, float64, bool:
		return fmt.Sprint(v), nil
	default:
		return "", fmt.Errorf("with.%s: want a string, got %T", name, v)
	}
}

func argInt(args map[string]any, name string, def int) (int, error) {
	switch v := args[name].(type) {
	case nil:
		return def, nil
	case int:
		return v, nil
	case int64:
		return int(v), nil
	case float64:
		return int(v), nil
	case string:
		n, err := strconv.Atoi(v)
		if err != nil {
			return 0, fmt.Errorf("with.%s: %q is not a whole number", name, v)
		}
		return n, nil
	default:
		return 0, fmt.Errorf("with.%s: want a number, got %T", name, v)
	}
}

func argBool(args map[string]any, name string) (bool, error) {
	return argBoolOr(args, name, false)
}

// argBoolOr is argBool for an argument that is true unless said.
func argBoolOr(args map[string]any, name string, def bool) (bool, error) {
	switch v := args[name].(type) {
	case nil:
		return def, nil
	case bool:
		return v, nil
	case string:
		b, err := strconv.ParseBool(v)
		if err != nil {
			return false, fmt.Errorf("with.%s: %q is not true or false", name, v)
		}
		return b, nil
	default:
		return false, fmt.Errorf("with.%s: want true or false, got %T", name, v)
	}
}

func argDuration(args map[string]any, name string) (time.Duration, error) {
	switch v := args[name].(type) {
	case nil:
		return 0, nil
	case int:
		return time.Duration(v) * time.Second, nil
	case string:
		d, err := time.ParseDuration(v)
		if err != nil {
			return 0, fmt.Errorf("with.%s: %q is not a duration such as 90s or 1h30m", name, v)
		}
		return d, nil
	default:
		return 0, fmt.Errorf("with.%s: want a duration, got %T", name, v)
	}
}

func argStringMap(args map[string]any, name string) (map[string]string, error) {
	switch v := args[name].(type) {
	case nil:
		return nil, nil
	case map[string]any:
		out := make(map[string]string, len(v))
		for k, val := range v {
			out[k] = fmt.Sprint(val)
		}
		return out, nil
	default:
		return nil, fmt.Errorf("with.%s: want a mapping of names to values, got %T", name, v)
	}
}

func argList(args map[string]any, name string) ([]string, error) {
	switch v := args[name].(type) {
	case nil:
		return nil, nil
	case []any:
		out := make([]string, 0, len(v))
		for _, x := range v {
			out = append(out, fmt.Sprint(x))
		}
		return out, nil
	case []string:
		return v, nil
	case string:
		// A template rendered a list as text, such as another task's
		// space-separated ids.
		return strings.Fields(v), nil
	default:
		return nil, fmt.Errorf("with.%s: want a list, got %T", name, v)
	}
}
