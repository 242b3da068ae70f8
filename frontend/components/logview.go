package components

import (
	"context"
	"io"
	"strconv"
	"time"

	"github.com/a-h/templ"

	"github.com/meshflow/meshflow/backend/tasklog"
)

// lineMarkup writes the lines of a log. It is written by hand, not as a
// template, because a log shows up to ten thousand lines, and a template
// costs about a dozen allocations a line (a context, joined classes,
// converted numbers) where this costs none: the page of a 10,000-line log
// renders several times faster (BenchmarkLogPage). Every piece of text is
// escaped; classes and numbers are ours.
//
//	<div class="ln err" id="log-a-1-L7"><a class="ln-n" href="#log-a-1-L7">7</a>
//	<time class="ln-t" datetime="…" data-t="clock">09:32:32.123</time>
//	<span class="ln-s" title="written to stderr">err</span><span class="ln-x">…</span></div>
func lineMarkup(v LogView) templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		b := make([]byte, 0, 64<<10)
		for _, l := range v.Lines {
			b = appendLogLine(b, v.ID, l)
			if len(b) >= 48<<10 {
				if _, err := w.Write(b); err != nil {
					return err
				}
				b = b[:0]
			}
		}
		_, err := w.Write(b)
		return err
	})
}

func appendLogLine(b []byte, id string, l tasklog.Line) []byte {
	anchor := func(b []byte) []byte {
		b = appendEscaped(b, id)
		b = append(b, "-L"...)
		return strconv.AppendInt(b, int64(l.N), 10)
	}
	if l.Stream == tasklog.Stderr {
		b = append(b, `<div class="ln err" id="`...)
	} else {
		b = append(b, `<div class="ln" id="`...)
	}
	b = anchor(b)
	b = append(b, `"><a class="ln-n" href="#`...)
	b = anchor(b)
	b = append(b, `">`...)
	b = strconv.AppendInt(b, int64(l.N), 10)
	b = append(b, `</a>`...)
	if l.At.IsZero() {
		b = append(b, `<span class="ln-t"></span>`...)
	} else {
		b = append(b, `<time class="ln-t" datetime="`...)
		b = appendISO(b, l.At)
		b = append(b, `" data-t="clock">`...)
		b = appendClock(b, l.At.In(time.Local))
		b = append(b, `</time>`...)
	}
	if l.Stream == tasklog.Stderr {
		b = append(b, `<span class="ln-s" title="written to stderr">err</span>`...)
	} else {
		b = append(b, `<span class="ln-s"></span>`...)
	}
	b = append(b, `<span class="ln-x">`...)
	if PlainText(l.Text) {
		b = appendEscaped(b, l.Text)
	} else {
		for _, s := range ANSISegments(l.Text) {
			if s.Class == "" {
				b = appendEscaped(b, s.Text)
				continue
			}
			b = append(b, `<span class="`...)
			b = append(b, s.Class...)
			b = append(b, `">`...)
			b = appendEscaped(b, s.Text)
			b = append(b, `</span>`...)
		}
	}
	return append(b, "</span></div>"...)
}

// appendEscaped appends s escaped for HTML text and quoted attributes, as
// html.EscapeString does, without allocating.
func appendEscaped(b []byte, s string) []byte {
	last := 0
	for i := 0; i < len(s); i++ {
		var esc string
		switch s[i] {
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		case '&':
			esc = "&amp;"
		case '"':
			esc = "&#34;"
		case '\'':
			esc = "&#39;"
		default:
			continue
		}
		b = append(b, s[last:i]...)
		b = append(b, esc...)
		last = i + 1
	}
	return append(b, s[last:]...)
}

// appendISO appends t in UTC as 2006-01-02T15:04:05.000Z, and appendClock
// t's clock as 15:04:05.000: time.Format's general layouts cost a third of
// the page of a long log.
func appendISO(b []byte, t time.Time) []byte {
	t = t.UTC()
	y, mo, d := t.Date()
	b = appendDigits(b, y, 4)
	b = append(b, '-')
	b = appendDigits(b, int(mo), 2)
	b = append(b, '-')
	b = appendDigits(b, d, 2)
	b = append(b, 'T')
	b = appendClock(b, t)
	return append(b, 'Z')
}

func appendClock(b []byte, t time.Time) []byte {
	h, m, s := t.Clock()
	b = appendDigits(b, h, 2)
	b = append(b, ':')
	b = appendDigits(b, m, 2)
	b = append(b, ':')
	b = appendDigits(b, s, 2)
	b = append(b, '.')
	return appendDigits(b, t.Nanosecond()/int(time.Millisecond), 3)
}

// appendDigits appends n, zero-padded to width digits.
func appendDigits(b []byte, n, width int) []byte {
	var buf [8]byte
	i := len(buf)
	for n > 0 || i > len(buf)-width {
		i--
		buf[i] = byte('0' + n%10)
		n /= 10
	}
	return append(b, buf[i:]...)
}
