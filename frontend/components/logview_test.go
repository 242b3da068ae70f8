package components

import (
	"bytes"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/meshflow/meshflow/backend/tasklog"
)

// Whatever a task prints, its line renders as our markup only: the
// elements and attributes of a log line, classes of our palette, links to
// the line itself, and its text, escaped. Inputs are random mixes of
// markup, quotes, escape sequences and controls.
func TestLogLineMarkupHoldsOnlyText(t *testing.T) {
	pieces := []string{
		"<", ">", "&", `"`, "'", "<script>", "</span>", `" onmouseover="x`, "javascript:", "\x1b", "\x1b[", "\x1b]",
		"31", "38;5;", "48;2;1;2;3", ";", "m", "K", "\x07", "\x1b\\", "\r", "\t", "\x00", "\x7f", "\u0085", "\u009b",
		"a", "Z", " ", "é", "€", "\xff", "8;;https://x\x1b\\",
	}
	allowed := map[string]map[string]bool{
		"div":  {"class": true, "id": true},
		"a":    {"class": true, "href": true},
		"time": {"class": true, "datetime": true, "data-t": true},
		"span": {"class": true, "title": true},
	}
	classes := regexp.MustCompile(`^(ln|ln err|ln-n|ln-t|ln-s|ln-x|(a-[fg]\d{1,2}|a-[bdiu])( (a-[fg]\d{1,2}|a-[bdiu]))*)$`)
	rng := rand.New(rand.NewPCG(7, 11))
	at := time.Date(2026, 12, 4, 17, 57, 23, 0, time.UTC)
	for round := range 3000 {
		var text strings.Builder
		for range rng.IntN(30) {
			text.WriteString(pieces[rng.IntN(len(pieces))])
		}
		line := tasklog.Line{N: round + 1, At: at, Stream: tasklog.Stream(round % 2), Text: text.String()}
		markup := appendLogLine(nil, "log-a-1", line)
		z := html.NewTokenizer(bytes.NewReader(markup))
		for {
			tt := z.Next()
			if tt == html.ErrorToken {
				break
			}
			if tt != html.StartTagToken && tt != html.EndTagToken {
				continue
			}
			tok := z.Token()
			attrs, ok := allowed[tok.Data]
			if !ok {
				t.Fatalf("line %q renders a <%s> element:\n%s", line.Text, tok.Data, markup)
			}
			for _, a := range tok.Attr {
				switch {
				case !attrs[a.Key]:
					t.Fatalf("line %q renders attribute %s on <%s>:\n%s", line.Text, a.Key, tok.Data, markup)
				case a.Key == "class" && !classes.MatchString(a.Val):
					t.Fatalf("line %q renders class %q:\n%s", line.Text, a.Val, markup)
				case a.Key == "href" && a.Val != "#log-a-1-L"+itoa(line.N):
					t.Fatalf("line %q renders a link to %q:\n%s", line.Text, a.Val, markup)
				}
			}
		}
	}
}

func itoa(n int) string { return string(appendDigits(nil, n, 1)) }
