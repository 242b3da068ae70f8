package components

import (
	"fmt"
	"time"
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
