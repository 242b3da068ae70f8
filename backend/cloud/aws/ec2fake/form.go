package ec2fake

import (
	"encoding/base64"
	"net/url"
	"path"
	"sort"
	"strconv"
	"strings"
)

// form is a Query API request: flat keys with 1-based list indices
// (InstanceId.1, Filter.1.Value.2).
type form struct{ url.Values }

func (f form) get(key string) string { return f.Get(key) }

// list returns prefix.1, prefix.2, … up to the first missing index.
func (f form) list(prefix string) []string {
	var out []string
	for i := 1; ; i++ {
		v, ok := f.Values[prefix+"."+strconv.Itoa(i)]
		if !ok {
			return out
		}
		out = append(out, v[0])
	}
}

// has reports whether any key starts with prefix + ".".
func (f form) has(prefix string) bool {
	for k := range f.Values {
		if strings.HasPrefix(k, prefix+".") {
			return true
		}
	}
	return false
}

// filters returns Filter.N.Name → its values.
func (f form) filters() map[string][]string {
	out := map[string][]string{}
	for i := 1; ; i++ {
		p := "Filter." + strconv.Itoa(i)
		name := f.get(p + ".Name")
		if name == "" {
			return out
		}
		out[name] = append(out[name], f.list(p+".Value")...)
	}
}

// canonical is the request's parameters but the ones named, sorted: what
// EC2 compares to tell a retry from a different request under one token.
func (f form) canonical(except ...string) string {
	var keys []string
	for k := range f.Values {
		skip := false
		for _, e := range except {
			skip = skip || k == e
		}
		if !skip {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k + "=" + strings.Join(f.Values[k], ",") + "&")
	}
	return b.String()
}

// matchAny reports whether v matches one of patterns, with EC2's filter
// wildcards: * any run of characters, ? one character.
func matchAny(v string, patterns []string) bool {
	for _, p := range patterns {
		if ok, _ := path.Match(p, v); ok || p == v {
			return true
		}
	}
	return false
}

// page cuts items after the one a nextToken names, at most max of them
// (0: all), and returns the token of the next page ("" on the last). The
// token is the base64 of the next item's key, opaque to clients; items
// must be sorted by key.
func page[T any](items []T, key func(T) string, token string, max int) ([]T, string, error) {
	start := 0
	if token != "" {
		raw, err := base64.RawURLEncoding.DecodeString(token)
		if err != nil {
			return nil, "", clientError("InvalidPaginationToken", "The specified pagination token is not valid or is expired.")
		}
		// From the first item at or after the named one, so an item
		// removed between pages costs no other.
		start = sort.Search(len(items), func(i int) bool { return key(items[i]) >= string(raw) })
	}
	end := len(items)
	if max > 0 && start+max < end {
		end = start + max
	}
	next := ""
	if end < len(items) {
		next = base64.RawURLEncoding.EncodeToString([]byte(key(items[end])))
	}
	return items[start:end], next, nil
}

// maxResults reads MaxResults and checks it lies in the range the action
// documents; 0 when absent.
func (f form) maxResults(lo, hi int) (int, error) {
	v := f.get("MaxResults")
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, clientError("InvalidParameterValue", "Value ( %s ) for parameter maxResults is invalid. Expecting a value between %d and %d.", v, lo, hi)
	}
	return n, nil
}
