package components

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/a-h/templ"
)

// Bytes formats a size the way people read it: 0 B, 12.3 KiB, 4.0 MiB.
func Bytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// Timestamp formats t for tables: local time to the second.
func Timestamp(t time.Time) string { return t.Local().Format("2006-01-02 15:04:05") }

// ISO formats t for the datetime attribute of <time>.
func ISO(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// Ago says how long before now t was, coarsely: "just now", "5 min ago".
func Ago(now, t time.Time) string {
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%d min ago", int(d/time.Minute))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h ago", int(d/time.Hour))
	default:
		return fmt.Sprintf("%d days ago", int(d/(24*time.Hour)))
	}
}

// Duration formats a length of time for tables, to a useful precision:
// "850 ms", "4.2 s", "3 min 20 s", "2 h 5 min".
func Duration(d time.Duration) string {
	switch {
	case d < 0:
		return "–"
	case d < time.Second:
		return fmt.Sprintf("%d ms", d.Milliseconds())
	case d < 10*time.Second:
		return fmt.Sprintf("%.1f s", d.Seconds())
	case d < time.Minute:
		return fmt.Sprintf("%d s", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%d min %d s", int(d.Minutes()), int(d.Seconds())%60)
	default:
		return fmt.Sprintf("%d h %d min", int(d.Hours()), int(d.Minutes())%60)
	}
}

// Until says how far in the future t is, coarsely: "in 5 min"; times
// already past read as Ago does.
func Until(now, t time.Time) string {
	d := t.Sub(now)
	switch {
	case d < 0:
		return Ago(now, t)
	case d < time.Minute:
		return "in under a minute"
	case d < time.Hour:
		return fmt.Sprintf("in %d min", int(d/time.Minute)+1)
	case d < 48*time.Hour:
		return fmt.Sprintf("in %d h", int(d/time.Hour))
	default:
		return fmt.Sprintf("in %d days", int(d/(24*time.Hour)))
	}
}

// TimeTitle is an instant written in full with its zone, for hovers:
// "2026-12-03 08:32:32 UTC". The script replaces it with the browser's zone.
func TimeTitle(t time.Time) string { return t.Local().Format("2006-01-02 15:04:05 MST") }

// ServerZone names the zone the server writes times in before the script
// rewrites them: "UTC", "Europe/Berlin".
func ServerZone() string { return ZoneName(time.Local) }

// ZoneName names a zone for people: its IANA name, or for the machine's
// own zone when that has none, its abbreviation ("CET").
func ZoneName(loc *time.Location) string {
	if name := loc.String(); name != "Local" {
		return name
	}
	name, _ := time.Now().In(loc).Zone()
	return name
}

// Plural writes a count with its noun: "1 task", "5 tasks".
func Plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// TitleTimes are the attributes that let the page's script rewrite the
// time t, written by TimeTitle into an element's title, in the browser's
// zone; none for the zero time.
func TitleTimes(t time.Time) templ.Attributes {
	if t.IsZero() {
		return nil
	}
	return templ.Attributes{"data-at": ISO(t), "data-at-text": TimeTitle(t)}
}

// Path writes a file path for people: under the user's home directory as
// "~/…", which is shorter and reads the same on every machine.
func Path(p string) string {
	home, err := os.UserHomeDir()
	if err != nil || home == "" || home == string(filepath.Separator) {
		return p
	}
	if rest, ok := strings.CutPrefix(p, home+string(filepath.Separator)); ok {
		return "~" + string(filepath.Separator) + rest
	}
	if p == home {
		return "~"
	}
	return p
}
