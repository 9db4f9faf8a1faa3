package backend

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// MaxTTL is the longest TTL kvdeck sets: the longest time.Duration in
// whole seconds, 106751d23h47m16s (292 years). Longer ones are refused, not
// wrapped around into a negative or minimum duration.
const MaxTTL = time.Duration(math.MaxInt64) / time.Second * time.Second

// tooLong is ParseTTL's refusal of a TTL beyond MaxTTL.
func tooLong(s string) error {
	return Invalid("ttl", "%q is too long; the longest TTL is %s (%s, about 292 years)", s, FormatTTL(MaxTTL), strconv.FormatInt(int64(MaxTTL/time.Second), 10)+"s")
}

// ParseTTL reads a TTL as people type it: Go durations ("90s", "15m",
// "36h", "1h30m"), days ("7d", "1d12h"), a bare number of seconds, or
// "never"/"0"/"persist" for no TTL (returns 0). Negative values, and values
// beyond MaxTTL, are refused.
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
		if n > int64(MaxTTL/time.Second) {
			return 0, tooLong(s)
		}
		return time.Duration(n) * time.Second, nil
	}
	if _, err := strconv.ParseUint(s, 10, 64); err != nil && errors.Is(err, strconv.ErrRange) {
		return 0, tooLong(s) // digits only, beyond even int64 seconds
	}
	typed := s
	var days time.Duration
	if i := strings.IndexByte(s, 'd'); i >= 0 {
		// ParseFloat takes "inf" and "nan" too: !(n >= 0) refuses NaN.
		n, err := strconv.ParseFloat(s[:i], 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) || !(n >= 0) {
			return 0, Invalid("ttl", "%q: days must be a number, like 7d", typed)
		}
		if n*float64(24*time.Hour) > float64(MaxTTL) {
			return 0, tooLong(typed)
		}
		days = time.Duration(n * float64(24*time.Hour))
		s = s[i+1:]
		if s == "" {
			return days, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		if strings.Contains(err.Error(), "invalid duration") && durationShape.MatchString(s) {
			return 0, tooLong(typed) // well formed, but beyond time.Duration
		}
		return 0, Invalid("ttl", "%q is not a duration; use 90s, 15m, 36h, 7d or never", typed)
	}
	if d < 0 {
		return 0, Invalid("ttl", "%q is negative", typed)
	}
	if d > MaxTTL-days {
		return 0, tooLong(typed)
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

// durationShape is what time.ParseDuration accepts, to tell a duration
// that overflows (which it reports as invalid too) from a typo.
var durationShape = regexp.MustCompile(`^(\d+(\.\d*)?(ns|us|µs|μs|ms|s|m|h))+$`)
