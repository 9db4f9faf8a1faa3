package format

import (
	"strings"
	"testing"
	"unicode/utf8"
	"unsafe"
)

// assertTerminalSafe fails when s holds anything a terminal could act on:
// a C0 control byte, DEL, a C1 control, a bidi override, or invalid UTF-8.
func assertTerminalSafe(t *testing.T, what, s string) {
	t.Helper()
	if !utf8.ValidString(s) {
		t.Errorf("%s: output %q is not valid UTF-8", what, s)
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) || unsafeRune(r) {
			t.Errorf("%s: output %q holds raw %U", what, s, r)
			return
		}
	}
}

func TestEscapeEveryByteIsSafe(t *testing.T) {
	for c := range 256 {
		in := string([]byte{byte(c)})
		for name, escape := range map[string]func(string) string{"Escape": Escape, "EscapeLine": EscapeLine} {
			out := escape(in)
			assertTerminalSafe(t, name, out)
			printable := c >= 0x20 && c < 0x7f && !(name == "Escape" && c == '\\')
			if printable && out != in {
				t.Errorf("%s(%q) = %q, want it unchanged", name, in, out)
			}
			if !printable && out == in {
				t.Errorf("%s(%q) left the byte raw", name, in)
			}
		}
	}
}

func TestEscapeMakesSequencesVisible(t *testing.T) {
	cases := []struct{ in, want string }{
		{"\x1b[31mred\x1b[0m", `\x1b[31mred\x1b[0m`},
		{"\x1b]52;c;aGVsbG8=\x07", `\x1b]52;c;aGVsbG8=\x07`}, // OSC 52 clipboard write
		{"\u009b2J", `\u009b2J`},                             // C1 CSI
		{"a\nb\tc\rd\x00e\x7f", `a\nb\tc\rd\x00e\x7f`},
		{"bad\xffutf8\xc3", `bad\xffutf8\xc3`},
		{"user\u202Egnp.exe", `user\u202egnp.exe`}, // right-to-left override
		// A literal backslash is escaped too, so the text \x1b in a key never
		// looks like an ESC byte.
		{`back\slash`, `back\\slash`},
		{`lit\x1b`, `lit\\x1b`},
		{"naïve 名前 🙂", "naïve 名前 🙂"},
		{"", ""},
	}
	for _, c := range cases {
		got := Escape(c.in)
		if got != c.want {
			t.Errorf("Escape(%q) = %q, want %q", c.in, got, c.want)
		}
		assertTerminalSafe(t, "Escape", got)
	}
}

func TestEscapeLineExpandsTabsToStops(t *testing.T) {
	cases := []struct{ in, want string }{
		{"\tx", "    x"},
		{"ab\tx", "ab  x"},
		{"abcd\tx", "abcd    x"},
		{"名\tx", "名   x"},
		{"\x1b\tx", `\x1b` + "    x"},
		{"a\x1b[0mb", `a\x1b[0mb`},
	}
	for _, c := range cases {
		if got := EscapeLine(c.in); got != c.want {
			t.Errorf("EscapeLine(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestEscapeDoesNotAllocateForSafeStrings(t *testing.T) {
	keys := []string{"user-service:state:42", "flow.order.123", "sessions/ab12cd34", "café:名前:🙂"}
	for _, k := range keys {
		if n := testing.AllocsPerRun(100, func() { _ = Escape(k) }); n != 0 {
			t.Errorf("Escape(%q) allocates %v times, want 0", k, n)
		}
		if n := testing.AllocsPerRun(100, func() { _ = EscapeLine(k) }); n != 0 {
			t.Errorf("EscapeLine(%q) allocates %v times, want 0", k, n)
		}
		// Returned as is: the same backing bytes, not a copy.
		if got := Escape(k); unsafe.StringData(got) != unsafe.StringData(k) {
			t.Errorf("Escape(%q) returned a copy", k)
		}
	}
}

func TestEscapeHostileMix(t *testing.T) {
	var b strings.Builder
	for c := range 256 {
		b.WriteByte(byte(c))
	}
	b.WriteString("\u0080\u0085\u009f\u2028\u2029\u2066\u200f")
	all := b.String()
	assertTerminalSafe(t, "Escape", Escape(all))
	assertTerminalSafe(t, "EscapeLine", EscapeLine(all))
	out, spans := escapeLineSpans(all)
	if out != EscapeLine(all) {
		t.Fatalf("escapeLineSpans text differs from EscapeLine")
	}
	for _, sp := range spans {
		if !strings.HasPrefix(out[sp.from:sp.to], `\`) {
			t.Errorf("span %v = %q does not cover an escape", sp, out[sp.from:sp.to])
		}
	}
}

func BenchmarkEscape(b *testing.B) {
	keys := []string{
		"user-service:state:42", "flow.order.1234567", "sessions:9f86d081884c7d65",
		"cache:api:/v1/users?page=2", "rate:203.0.113.7:1700000000", "feature_flags.checkout-v2",
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		_ = Escape(keys[i%len(keys)])
	}
}

func BenchmarkEscapeHostile(b *testing.B) {
	key := "alert:\x1b[31mred\x1b[0m:\x07"
	b.ReportAllocs()
	for b.Loop() {
		_ = Escape(key)
	}
}

// Defect 13: a key holding the text \x1b and one holding an ESC byte
// looked identical.
func TestLiteralEscapeTextAndTheByteLookDifferent(t *testing.T) {
	if a, b := Escape(`k\x1b`), Escape("k\x1b"); a == b {
		t.Fatalf("both show as %q", a)
	}
}
