package store

import (
	"database/sql"
	"time"
)

// Times are stored as Unix milliseconds; a zero time.Time is NULL.

func ms(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMilli()
}

func fromMS(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return time.UnixMilli(v.Int64)
}
