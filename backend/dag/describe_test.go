package dag

import "testing"

func TestDescribeSchedule(t *testing.T) {
	tests := []struct{ spec, want string }{
		{"* * * * *", "every minute"},
		{"*/15 * * * *", "every 15 minutes"},
		{"0/30 * * * *", "every 30 minutes"},
		{"*/7 * * * *", "*/7 * * * *"}, // 56 → 0 is 4 minutes: not "every 7"
		{"0 * * * *", "every hour"},
		{"30 * * * *", "at 30 minutes past every hour"},
		{"0 */2 * * *", "every 2 hours"},
		{"0 6 * * *", "every day at 06:00"},
		{"5 9,17 * * *", "every day at 09:05 and 17:05"},
		{"0 8,12,18 * * *", "every day at 08:00, 12:00 and 18:00"},
		{"30 22 * * 1-5", "at 22:30 on weekdays"},
		{"30 22 * * MON-FRI", "at 22:30 on weekdays"},
		{"0 10 * * 0,6", "at 10:00 on weekends"},
		{"0 10 * * sat,sun", "at 10:00 on weekends"},
		{"0 9 * * 1", "every Monday at 09:00"},
		{"0 9 * * 7", "every Sunday at 09:00"},
		{"0 9 * * 1,3,5", "at 09:00 on Monday, Wednesday and Friday"},
		{"0 0 1 * *", "on the 1st of every month at 00:00"},
		{"0 3 22 * *", "on the 22nd of every month at 03:00"},
		{"0 3 13 * *", "on the 13th of every month at 03:00"},
		{"0 0 25 12 *", "every year on 25 December at 00:00"},
		{"0 0 1 jan *", "every year on 1 January at 00:00"},
		// Seconds.
		{"* * * * * *", "every second"},
		{"*/10 * * * * *", "every 10 seconds"},
		{"0 0 6 * * *", "every day at 06:00"},
		{"30 0 6 * * *", "every day at 06:00:30"},
		// Descriptors.
		{"@daily", "every day at 00:00"},
		{"@midnight", "every day at 00:00"},
		{"@hourly", "every hour"},
		{"@weekly", "every Sunday at 00:00"},
		{"@monthly", "on the 1st of every month at 00:00"},
		{"@yearly", "every year on 1 January at 00:00"},
		{"@every 5m", "every 5 minutes"},
		{"@every 1h", "every hour"},
		{"@every 90m", "every 90 minutes"},
		{"@every 45s", "every 45 seconds"},
		{"@manual", "only when triggered"},
		// No simple phrase, or not valid: shown as written.
		{"*/15 9-17 * * 1-5", "*/15 9-17 * * 1-5"},
		{"0 0 13 * FRI", "0 0 13 * FRI"},
		{"0 22-2 * * *", "0 22-2 * * *"},
		{"0 9 * * fri-mon", "0 9 * * fri-mon"},
		{"not a schedule", "not a schedule"},
		{"  @daily  ", "every day at 00:00"},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			if got := DescribeSchedule(tt.spec); got != tt.want {
				t.Errorf("DescribeSchedule(%q) = %q, want %q", tt.spec, got, tt.want)
			}
		})
	}
}
