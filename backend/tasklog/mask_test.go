package tasklog

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestMaskerHidesSecretsWhole(t *testing.T) {
	const canary = "CANARY-7f3a9"
	nonASCII := "tök€n/ü?&=\"x\"<y>"
	jsonForm, _ := json.Marshal(nonASCII)
	tests := []struct {
		name    string
		secrets []string
		in      string
		want    string
	}{
		{"short secret inside a long one, short first", []string{"a", canary}, "a " + canary, Mask + " " + Mask},
		{"short secret inside a long one, long first", []string{canary, "a"}, canary + " a", Mask + " " + Mask},
		{"overlapping secrets are masked as one", []string{"abcd", "cdef"}, "x abcdef x", "x " + Mask + " x"},
		{"a secret repeated back to back", []string{"aa"}, "aaa b", Mask + " b"},
		{"query-escaped", []string{nonASCII}, "GET /?k=" + url.QueryEscape(nonASCII), "GET /?k=" + Mask},
		{"path-escaped", []string{nonASCII}, "GET /items/" + url.PathEscape(nonASCII), "GET /items/" + Mask},
		{"in a URL path", []string{nonASCII}, (&url.URL{Scheme: "http", Host: "h", Path: "/i/" + nonASCII}).String(), "http://h/i/" + Mask},
		{"quoted by %q", []string{nonASCII}, fmt.Sprintf("no secret %q", nonASCII), `no secret "` + Mask + `"`},
		{"quoted by %+q", []string{nonASCII}, fmt.Sprintf("no secret %+q", nonASCII), `no secret "` + Mask + `"`},
		{"in JSON", []string{nonASCII}, `{"v":` + string(jsonForm) + `}`, `{"v":"` + Mask + `"}`},
		{"JSON with non-ASCII as \\u escapes", []string{"tök€n😀"}, `{"v": "t\u00f6k\u20acn\ud83d\ude00"}`, `{"v": "` + Mask + `"}`},
		{"JSON with upper-case \\u escapes", []string{"tök€n😀"}, `{"v":"t\u00F6k\u20ACn\uD83D\uDE00"}`, `{"v":"` + Mask + `"}`},
		{
			"a host lower-cased",
			[]string{"Tok-ABC.example"},
			`Get "https://tok-abc.example/": dial tcp: lookup tok-abc.example: no such host`,
			`Get "https://` + Mask + `/": dial tcp: lookup ` + Mask + `: no such host`,
		},
		{
			"an IDNA host punycode-encoded",
			[]string{"Bücher-Tok.example"},
			`dial tcp: lookup xn--bcher-tok-q9a.example: no such host`,
			`dial tcp: lookup ` + Mask + `: no such host`,
		},
		{"empty secrets are ignored", []string{"", "tok"}, "a tok", "a " + Mask},
		{"no secret in the text", []string{"tok"}, "nothing here", "nothing here"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := NewMasker(tt.secrets).String(tt.in); got != tt.want {
				t.Errorf("String(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestNilMaskerMasksNothing(t *testing.T) {
	var m *Masker
	if NewMasker([]string{"", ""}) != nil {
		t.Error("a masker without secrets is not nil")
	}
	if got := m.String("x"); got != "x" {
		t.Errorf("String = %q", got)
	}
	if got := m.Map(map[string]string{"k": "v"}); got["k"] != "v" {
		t.Errorf("Map = %v", got)
	}
}

func TestMaskerMasksOutputKeysAndValues(t *testing.T) {
	got := NewMasker([]string{"tok"}).Map(map[string]string{"tok": "1", "k": "a tok"})
	if len(got) != 2 || got[Mask] != "1" || got["k"] != "a "+Mask {
		t.Errorf("Map = %v", got)
	}
}

// The log must read as if the whole output had been masked at once, however
// the process splits it: byte by byte, or at random points, and whether or
// not it pauses between writes long enough for held bytes to be flushed.
func TestWriterMasksLikeStringAtAnySplit(t *testing.T) {
	secrets := []string{"a", "CANARY-7f3a9", "abcd", "cdef", "tök€n/ü"}
	text := "a CANARY-7f3a9 xabcdefx " + url.PathEscape("tök€n/ü") + " aaa caNARY abcdabcd " + fmt.Sprintf("%q", "tök€n/ü") + " end"
	m := NewMasker(secrets)
	want := collapse(m.String(text)) + "\n" // the log ends its last line
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 200 {
		path := filepath.Join(t.TempDir(), fmt.Sprintf("%d.log", round))
		w := NewLog(path, m)
		for rest := text; rest != ""; {
			n := 1
			if round > 0 {
				n = 1 + rng.IntN(12)
			}
			n = min(n, len(rest))
			if _, err := w.Write([]byte(rest[:n])); err != nil {
				t.Fatal(err)
			}
			if round%2 == 1 {
				w.stdout.flushHeld() // as if the output paused here
			}
			rest = rest[n:]
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		data := logText(t, path)
		if got := collapse(data); got != want {
			t.Fatalf("round %d: log = %q, want %q", round, got, want)
		}
	}
}

// collapse joins masks that touch: where two secrets meet, a streamed log
// may show one mask or two, and either hides them.
func collapse(s string) string {
	for strings.Contains(s, Mask+Mask) {
		s = strings.ReplaceAll(s, Mask+Mask, Mask)
	}
	return s
}

func TestWriterWithoutSecretsWritesThrough(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.1.log")
	w := NewLog(path, nil)
	if _, err := fmt.Fprintf(w, "%s %s\n", http.MethodGet, "/x"); err != nil {
		t.Fatal(err)
	}
	// Readable before Close: a follower tails the file while the task runs.
	if data := logText(t, path); data != "GET /x\n" {
		t.Errorf("log before Close = %q", data)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// Output that pauses shows in the live log, all of it but what may still
// begin a secret; that part shows once the output goes on, masked if it
// turns out to be a secret.
func TestWriterShowsPausedOutput(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.1.log")
	w := NewLog(path, NewMasker([]string{"password-1234567890"}))
	if _, err := w.Write([]byte("step 1 done\npass")); err != nil {
		t.Fatal(err)
	}
	var data string
	for deadline := time.Now().Add(10 * time.Second); data != "step 1 done\n"; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("log while the task pauses = %q, want the line it printed", data)
		}
		data = logText(t, path)
	}
	if _, err := w.Write([]byte("word-1234567890 ok\n")); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if data := logText(t, path); data != "step 1 done\n"+Mask+" ok\n" {
		t.Errorf("log = %q", data)
	}
}
