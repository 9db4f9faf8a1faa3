package model

import (
	"testing"

	"github.com/kvdeck/kvdeck/backend"
)

// Defect 8: vi's :wq on an untouched 42 saved "42\n", and the
// application's INCR then failed.
func TestEditorsFinalNewlineIsNotAnEdit(t *testing.T) {
	cases := []struct{ old, file, want string }{
		{"42", "42\n", "42"},                              // the editor's newline
		{"42", "42\n\n", "42\n\n"},                        // the user typed a blank line
		{"42", "43\n", "43"},                              // an edit, and the editor's newline
		{"a\r\nb", "a\r\nb\r\n", "a\r\nb"},                // a CRLF value, a CRLF editor
		{"line\n", "line\n", "line\n"},                    // the value had its newline
		{"line\n", "line", "line"},                        // and the user removed it
		{`{"on":true}`, "{\"on\":true}\n", `{"on":true}`}, // JSON
		{"\x00\xff", "\x00\xff\n", "\x00\xff"},            // binary
	}
	for _, c := range cases {
		if got := string(fromEditor([]byte(c.old), []byte(c.file))); got != c.want {
			t.Errorf("fromEditor(%q, %q) = %q, want %q", c.old, c.file, got, c.want)
		}
	}
}

// Defect 8: the inline editor dropped ESC, BEL, backspace and DEL, turned
// CRLF and CR into newlines and expanded tabs.
func TestInlineTextRoundTripsEveryByte(t *testing.T) {
	values := []string{
		"plain text\nwith lines",
		`{"json":"with \"escapes\" and \\n"}`,
		"a\tb\r\nc\rd",
		"esc\x1b[31m bel\x07 bs\x08 del\x7f nul\x00",
		"invalid \xff\xfe utf8 and a literal \ufffd",
		`a literal \x1b and a backslash \`,
		"",
	}
	for _, v := range values {
		text, escaped := inlineText([]byte(v))
		back, err := fromInline(text, escaped)
		if err != nil || string(back) != v {
			t.Errorf("%q → %q (escaped %v) → %q, %v", v, text, escaped, back, err)
		}
	}
	// Plain values are edited as they are: JSON's own backslashes stay.
	if text, escaped := inlineText([]byte(values[1])); escaped || text != values[1] {
		t.Errorf("JSON without control bytes is shown escaped: %q", text)
	}
	// A typo in escaped text is refused, never guessed.
	if _, err := fromInline(`tab\q`, true); err == nil {
		t.Error(`\q was accepted`)
	}
	if _, err := fromInline(`end\`, true); err == nil {
		t.Error("a trailing backslash was accepted")
	}
}

func TestStreamFieldsTextRoundTrips(t *testing.T) {
	fields := []backend.Field{{Name: "dup", Value: "1"}, {Name: "dup", Value: "2"}, {Name: "msg", Value: "hello world"},
		{Name: "empty", Value: ""}, {Name: "eq", Value: "a=b"}, {Name: "ctl", Value: "\x1b[2J"}, {Name: "sp ace", Value: `q"uote`}}
	text := streamFieldsText(fields)
	back, err := parseStreamFields(text)
	if err != nil || len(back) != len(fields) {
		t.Fatalf("%q → %v, %v", text, back, err)
	}
	for i := range fields {
		if back[i] != fields[i] {
			t.Errorf("field %d: %+v → %q → %+v", i, fields[i], text, back[i])
		}
	}
	if _, err := parseStreamFields(`msg="unclosed`); err == nil {
		t.Error("an unclosed quote was accepted")
	}
}

func TestScoresShowInPlainDecimal(t *testing.T) {
	for f, want := range map[float64]string{123456789: "123456789", 1.5: "1.5", -0.25: "-0.25", 1e300: "1e+300", 0: "0"} {
		if got := formatScore(f); got != want {
			t.Errorf("formatScore(%v) = %q, want %q", f, got, want)
		}
	}
}
