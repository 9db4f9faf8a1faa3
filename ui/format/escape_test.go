package format

import (
	"fmt"
	"slices"
	"strconv"
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
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) || UnsafeRune(r) {
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

// invisibleOrReordering lists, independently of UnsafeRune, the runes that
// draw nothing or reorder what is drawn: zero-width space and joiners, the
// bidi marks, embeddings, overrides and isolates, the word joiner and
// invisible operators, and the byte order mark. With any of them raw, two
// different keys can look the same, or a name can read backwards.
var invisibleOrReordering = func() (rs []rune) {
	for _, r := range [][2]rune{{0x200b, 0x200f}, {0x202a, 0x202e}, {0x2060, 0x2064}, {0x2066, 0x2069}, {0xfeff, 0xfeff}, {0x061c, 0x061c}} {
		for c := r[0]; c <= r[1]; c++ {
			rs = append(rs, c)
		}
	}
	return rs
}()

func TestEscapeShowsInvisibleAndBidiCharacters(t *testing.T) {
	for _, r := range invisibleOrReordering {
		key := "admin" + string(r) + "x"
		want := fmt.Sprintf(`admin\u%04xx`, r)
		if got := Escape(key); got != want {
			t.Errorf("Escape(%q) = %q, want %q", key, got, want)
		}
		if got := EscapeLine(key); got != want {
			t.Errorf("EscapeLine(%q) = %q, want %q", key, got, want)
		}
	}
	// The two keys a user must be able to tell apart.
	if a, b := Escape("session:42"), Escape("session:\u200b42"); a == b {
		t.Errorf("session:42 and session:<ZWSP>42 both show as %q", a)
	}
}

// unescape reverses Escape, for the fuzz test's round trip.
func unescape(t *testing.T, s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			b.WriteByte(s[i])
			continue
		}
		i++
		switch s[i] {
		case '\\':
			b.WriteByte('\\')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'x':
			v, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
			if err != nil {
				t.Fatalf("bad escape in %q: %v", s, err)
			}
			b.WriteByte(byte(v))
			i += 2
		case 'u':
			v, err := strconv.ParseUint(s[i+1:i+5], 16, 32)
			if err != nil {
				t.Fatalf("bad escape in %q: %v", s, err)
			}
			b.WriteRune(rune(v))
			i += 4
		default:
			t.Fatalf("unknown escape \\%c in %q", s[i], s)
		}
	}
	return b.String()
}

// FuzzEscape: whatever the bytes, nothing a terminal acts on and nothing
// invisible comes out raw, and Escape loses nothing (it can be undone), so
// two different keys never show alike.
func FuzzEscape(f *testing.F) {
	for _, s := range []string{"user:42", "\x1b]52;c;aGk=\x07", "\x1b]0;title\x07", "a\u200bb", "\u202egnp.exe", "\ufeffkey", `lit\x1b`, "bad\xff", "\u009b2J", "名前\u2066🙂\u2069", "\u200d\u200c\u2060"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for name, out := range map[string]string{"Escape": Escape(s), "EscapeLine": EscapeLine(s)} {
			for _, r := range out {
				if r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) || slices.Contains(invisibleOrReordering, r) || !utf8.ValidString(out) {
					t.Fatalf("%s(%q) = %q holds raw %U", name, s, out, r)
				}
			}
		}
		if back := unescape(t, Escape(s)); back != s {
			t.Fatalf("Escape(%q) = %q reads back as %q", s, Escape(s), back)
		}
	})
}

func TestKeyNameShowsTheEmptyNameAsAPlaceholderNoKeyCanLookLike(t *testing.T) {
	if got := KeyName(""); got != EmptyKey {
		t.Fatalf("KeyName(\"\") = %q, want %q", got, EmptyKey)
	}
	for _, k := range []string{EmptyKey, "(empty)", `\(empty)`, `\\(empty)`, " "} {
		if KeyName(k) == EmptyKey {
			t.Errorf("the key %q shows as the empty key's placeholder", k)
		}
	}
	if got := KeyName("a\x1bb"); got != Escape("a\x1bb") {
		t.Errorf("KeyName of a non-empty name = %q, want Escape's %q", got, Escape("a\x1bb"))
	}
}

// Issue 11, item 8: a 1 MB name was drawn whole. It shows its start and
// its length, cut on a character boundary, and stays distinct from any
// real name.
func TestKeyNameBoundsLongNames(t *testing.T) {
	long := strings.Repeat("é", 1<<19) // 1 MB of two-byte characters
	got := KeyName(long)
	want := strings.Repeat("é", MaxShownName/2) + `…\(1048576 bytes)`
	if got != want {
		t.Fatalf("KeyName(1 MB) = %q…, want %q…", got[:40], want[:40])
	}
	odd := "x" + strings.Repeat("é", MaxShownName) // the cut falls inside a character
	if got := KeyName(odd); !utf8.ValidString(got) || !strings.HasSuffix(got, `…\(`+strconv.Itoa(len(odd))+` bytes)`) {
		t.Errorf("KeyName cut a character in two or lost the length: %q", got)
	}
	exact := strings.Repeat("k", MaxShownName)
	if got := KeyName(exact); got != exact {
		t.Errorf("a name of exactly MaxShownName bytes was cut: %q", got)
	}
	// A real key named like a cut display is shown with its backslash
	// doubled, so the two never look the same.
	if KeyName(strings.Repeat("é", MaxShownName/2)+`…\(1048576 bytes)`) == got {
		t.Errorf("a key named like the cut display looks like it")
	}
}
