package jsonw

import (
	"encoding/json"
	"strings"
	"testing"
)

// write writes one value with every kind of element; a full Writer
// ignores what comes after.
func write(w *Writer) {
	w.BeginObject()
	w.Name("name")
	w.Str("h\u00e9llo \"x\"\n\x01\x7f\u0085\u2028\\ \xed\xa0\x80 \xff")
	w.Name("list")
	w.BeginArray()
	w.Int64(-42)
	w.Bool(true)
	w.Bool(false)
	w.Null()
	w.Raw("1.5")
	w.BeginObject()
	w.End()
	w.BeginArray()
	w.Str("")
	w.End()
	w.End()
	w.Name("long")
	w.Str(strings.Repeat("ab\t", 20))
	w.End()
}

func TestWriterWhole(t *testing.T) {
	w := New(1 << 20)
	write(w)
	got := string(w.Finish())
	want := `{"name":"h` + "\u00e9" + `llo \"x\"\n\u0001\u007f\u0085\u2028\\ \ud800 ` + "\ufffd" + `","list":[-42,true,false,null,1.5,{},[""]],"long":"` +
		strings.Repeat(`ab\t`, 20) + `"}`
	if got != want || w.Full() {
		t.Fatalf("got %s (full %v), want %s", got, w.Full(), want)
	}
}

// TestWriterBound cuts the value at every limit: the output never exceeds
// the limit and is valid JSON (or empty when not even the root fits).
func TestWriterBound(t *testing.T) {
	whole := New(1 << 20)
	write(whole)
	full := string(whole.Finish())
	for limit := -1; limit <= len(full)+2; limit++ {
		w := New(int64(limit))
		write(w)
		cut := w.Full()
		got := w.Finish()
		if len(got) > max(limit, 0) {
			t.Fatalf("limit %d: %d bytes: %s", limit, len(got), got)
		}
		if len(got) > 0 && !json.Valid(got) {
			t.Fatalf("limit %d: not JSON: %s", limit, got)
		}
		if fits := limit >= len(full); fits == cut {
			t.Fatalf("limit %d: full %v for %d bytes", limit, cut, len(full))
		}
		if !cut && string(got) != full {
			t.Fatalf("limit %d: got %s, want %s", limit, got, full)
		}
	}
}

// TestWriterEarlyEnd closes what a partial value left open, at the last
// complete value.
func TestWriterEarlyEnd(t *testing.T) {
	w := New(100)
	w.BeginArray()
	w.Int64(1)
	w.BeginObject()
	w.Name("k")
	if got := string(w.Finish()); got != "[1,{}]" {
		t.Fatalf("got %s", got)
	}
	if got := string(New(100).Finish()); got != "" {
		t.Fatalf("nothing written: got %q", got)
	}
}

// TestWriterLongString shows the start of a string that does not fit,
// whole characters only.
func TestWriterLongString(t *testing.T) {
	w := New(10)
	w.Str("abcdefghijkl")
	if got := string(w.Finish()); got != `"abcdefgh"` {
		t.Fatalf("got %s", got)
	}
	w = New(10)
	w.Str("abc\u00e9\u00e9\u00e9")
	if got := string(w.Finish()); got != "\"abc\u00e9\u00e9\"" || !json.Valid([]byte(got)) {
		t.Fatalf("got %s", got)
	}
}

func TestDecodeRune(t *testing.T) {
	for _, tc := range []struct {
		in   string
		r    rune
		size int
	}{
		{"a", 'a', 1},
		{"\u00e9x", 0xe9, 2},
		{"\xed\xa0\x80", 0xd800, 3},
		{"\xed\xbf\xbfx", 0xdfff, 3},
		{"\xed\x9f\xbf", 0xd7ff, 3},
		{"\xed\xa0", 0xfffd, 1},
		{"\xff", 0xfffd, 1},
		{"\U0001f600", 0x1f600, 4},
	} {
		if r, size := DecodeRune(tc.in); r != tc.r || size != tc.size {
			t.Errorf("%q: %U %d, want %U %d", tc.in, r, size, tc.r, tc.size)
		}
	}
}
