package backend

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ParseTTL reads a TTL as people type it: Go durations ("90s", "15m",
// "36h", "1h30m"), days ("7d", "1d12h"), a bare number of seconds, or
// "never"/"0"/"persist" for no TTL (returns 0). Negative values are refused.
func ParseTTL(s string) (time.Duration, error) {
	s = strings.TrimSpace(strings.ToLower(s))
	switch s {
	case "":
		return 0, Invalid("ttl", "empty; type a duration like 90s, 15m, 36h, 7d or never")
	case "never", "persist", "none", "0":
		return 0, nil
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n < 0 {
			return 0, Invalid("ttl", "%q is negative", s)
		}
		return time.Duration(n) * time.Second, nil
	}
	var days time.Duration
	if i := strings.IndexByte(s, 'd'); i >= 0 {
		n, err := strconv.ParseFloat(s[:i], 64)
		if err != nil || n < 0 {
			return 0, Invalid("ttl", "%q: days must be a number, like 7d", s)
		}
		days = time.Duration(n * float64(24*time.Hour))
		s = s[i+1:]
		if s == "" {
			return days, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, Invalid("ttl", "%q is not a duration; use 90s, 15m, 36h, 7d or never", s)
	}
	if d < 0 {
		return 0, Invalid("ttl", "%q is negative", s)
	}
	return days + d, nil
}

// FormatTTL renders a remaining time compactly: "2d3h", "14m05s", "900ms".
func FormatTTL(d time.Duration) string {
	if d <= 0 {
		return "expired"
	}
	if d < time.Second {
		return fmt.Sprintf("%dms", d.Milliseconds())
	}
	days := d / (24 * time.Hour)
	d -= days * 24 * time.Hour
	h := d / time.Hour
	d -= h * time.Hour
	m := d / time.Minute
	d -= m * time.Minute
	s := d / time.Second
	switch {
	case days > 0:
		return fmt.Sprintf("%dd%dh", days, h)
	case h > 0:
		return fmt.Sprintf("%dh%02dm", h, m)
	case m > 0:
		return fmt.Sprintf("%dm%02ds", m, s)
	}
	return fmt.Sprintf("%ds", s)
}
