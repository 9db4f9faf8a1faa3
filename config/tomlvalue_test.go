package config

import (
	"testing"

	"github.com/pelletier/go-toml/v2"
)

// TestQuoteString: every string kvdeck writes reads back the same through
// the TOML library, control characters and quotes included.
func TestQuoteString(t *testing.T) {
	for _, s := range []string{"", "plain", `"quoted"`, `back\slash`, "tab\tnl\ncr\r", "\x00\x01\x1f\x7f", "é ü 中 🙂", "\u2028", "\b\f"} {
		enc := quoteString(s)
		var got struct{ K string }
		if err := toml.Unmarshal([]byte("K = "+enc), &got); err != nil {
			t.Errorf("%q as %s: %v", s, enc, err)
			continue
		}
		if got.K != s {
			t.Errorf("%q as %s reads back as %q", s, enc, got.K)
		}
	}
	if got := quoteString("a\xffb"); got != `"a\uFFFDb"` {
		t.Errorf("invalid UTF-8: %s", got)
	}
}

func TestQuoteKey(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"prod", "prod"},
		{"prod-2_a", "prod-2_a"},
		{"old prod", `"old prod"`},
		{"a.b", `"a.b"`},
		{"é", `"é"`},
		{"", `""`},
	} {
		if got := quoteKey(tc.in); got != tc.want {
			t.Errorf("%q: got %s, want %s", tc.in, got, tc.want)
		}
	}
}
