package backend

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseTTLReadsWhatPeopleType(t *testing.T) {
	cases := []struct {
		in   string
		want time.Duration
	}{
		{"90s", 90 * time.Second},
		{"15m", 15 * time.Minute},
		{"1h30m", 90 * time.Minute},
		{"7d", 7 * 24 * time.Hour},
		{"1d12h", 36 * time.Hour},
		{"1.5d", 36 * time.Hour},
		{"3600", time.Hour},
		{" 2H ", 2 * time.Hour},
		{"never", 0},
		{"0", 0},
		{"persist", 0},
		// The longest there is, each way it can be typed.
		{"9223372036", MaxTTL},
		{"106751d23h47m16s", MaxTTL},
		{"106751d", 106751 * 24 * time.Hour},
	}
	for _, c := range cases {
		got, err := ParseTTL(c.in)
		if err != nil || got != c.want {
			t.Errorf("ParseTTL(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
}

// Values that do not fit used to wrap: 9300000000 seconds became negative,
// 106752d, infd and NaNd the minimum int64. Each is refused, and a TTL
// that is too long says what the longest is.
func TestParseTTLRefusesWhatDoesNotFit(t *testing.T) {
	tooLong := []string{"9300000000", "9223372037", "99999999999999999999999", "106752d", "1e6d", "infd", "+infd", "106751d24h", "2562048h", "9223372036854775807ns1s", "9999999999999999999h"}
	for _, in := range tooLong {
		got, err := ParseTTL(in)
		if err == nil {
			t.Errorf("ParseTTL(%q) = %v, want a refusal", in, got)
			continue
		}
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "too long") || !strings.Contains(err.Error(), "106751d23h") {
			t.Errorf("ParseTTL(%q): %v; want it to say the TTL is too long and the longest is 106751d23h", in, err)
		}
	}
	invalid := []string{"NaNd", "nand", "-1", "-5m", "1d-5h", "-1d", "xd", "5 minutes", "", "1dd"}
	for _, in := range invalid {
		if got, err := ParseTTL(in); err == nil || !errors.Is(err, ErrInvalid) {
			t.Errorf("ParseTTL(%q) = %v, %v; want an invalid-TTL error", in, got, err)
		}
	}
}
