// Package jsonw is the bounded JSON writer of the javaser and pickle
// codecs: they write a decoded value into a Writer, which never holds more
// than its limit and still ends with valid JSON. Its strings are WTF-8
// (DecodeRune), as Java's and Python's strings may hold unpaired
// surrogates. The msgpack and php codecs use another writer,
// internal/boundedjson, whose strings are valid UTF-8.
package jsonw

import (
	"strconv"
	"unicode/utf8"
)

// Writer writes JSON into at most limit bytes and, when the value does not
// fit, still ends with valid JSON: it falls back to the last point where
// every open container could be closed (a "safe point") and closes them.
// So a cut value folds in the JSON viewer like a whole one.
//
// Invariant: after every accepted write len(buf)+len(closers) <= limit, so
// any safe point with its closers fits. Between two safe points only keys
// and commas are written, never a container opened or closed (those are
// safe points themselves), so the closers at the last safe point are the
// current ones.
type Writer struct {
	buf     []byte
	limit   int
	closers []byte // '}' or ']' for each open container, innermost last
	items   []bool // whether each open container holds an item yet
	key     bool   // a key was written; its value comes next
	full    bool   // a write did not fit: nothing more is written
	safe    int    // len(buf) at the last safe point
}

// New returns a Writer of at most limit bytes (a negative limit is 0).
func New(limit int64) *Writer {
	l := int(min(limit, int64(1)<<40))
	if l < 0 {
		l = 0
	}
	return &Writer{limit: l}
}

// Full says whether a write did not fit: nothing more is written, and the
// value shown is cut.
func (w *Writer) Full() bool { return w.full }

// room says whether n more bytes fit with the closers still to come.
func (w *Writer) room(n int) bool {
	return !w.full && len(w.buf)+n+len(w.closers) <= w.limit
}

// sep is the separator a new value or key needs before it.
func (w *Writer) sep() string {
	if w.key || len(w.items) == 0 || !w.items[len(w.items)-1] {
		return ""
	}
	return ","
}

// done marks a value complete: a safe point.
func (w *Writer) done() {
	w.key = false
	if len(w.items) > 0 {
		w.items[len(w.items)-1] = true
	}
	w.safe = len(w.buf)
}

// Raw writes a complete scalar (a number, true, null) as is.
func (w *Writer) Raw(s string) {
	sep := w.sep()
	if !w.room(len(sep) + len(s)) {
		w.full = true
		return
	}
	w.buf = append(w.buf, sep...)
	w.buf = append(w.buf, s...)
	w.done()
}

// Null, Int64 and Bool write a scalar.
func (w *Writer) Null()         { w.Raw("null") }
func (w *Writer) Int64(v int64) { w.Raw(strconv.FormatInt(v, 10)) }
func (w *Writer) Bool(v bool) {
	if v {
		w.Raw("true")
	} else {
		w.Raw("false")
	}
}

func (w *Writer) open(c, closer byte) {
	sep := w.sep()
	// The container's closer must fit too: it joins the closers.
	if !w.room(len(sep) + 2) {
		w.full = true
		return
	}
	w.buf = append(w.buf, sep...)
	w.buf = append(w.buf, c)
	w.closers = append(w.closers, closer)
	w.items = append(w.items, false)
	w.key = false
	w.safe = len(w.buf)
}

// BeginObject and BeginArray open a container; End closes it.
func (w *Writer) BeginObject() { w.open('{', '}') }
func (w *Writer) BeginArray()  { w.open('[', ']') }

// End closes the innermost container (its byte was reserved by open).
func (w *Writer) End() {
	if w.full || len(w.closers) == 0 {
		return
	}
	n := len(w.closers) - 1
	w.buf = append(w.buf, w.closers[n])
	w.closers = w.closers[:n]
	w.items = w.items[:n]
	w.done()
}

// Name writes an object key; its value must follow.
func (w *Writer) Name(k string) {
	if w.full {
		return
	}
	sep := w.sep()
	n := len(sep) + quotedLen(k) + 1
	if !w.room(n) {
		w.full = true
		return
	}
	w.buf = append(w.buf, sep...)
	w.buf = appendQuoted(w.buf, k, -1)
	w.buf = append(w.buf, ':')
	w.key = true
}

// Str writes a string value; when it does not fit whole, as much of it as
// fits (a long string shows its start), and the writer is full.
func (w *Writer) Str(s string) {
	if w.full {
		return
	}
	sep := w.sep()
	n := len(sep) + quotedLen(s)
	if w.room(n) {
		w.buf = append(w.buf, sep...)
		w.buf = appendQuoted(w.buf, s, -1)
		w.done()
		return
	}
	if !w.room(len(sep) + 2) {
		w.full = true
		return
	}
	w.buf = append(w.buf, sep...)
	w.buf = appendQuoted(w.buf, s, w.limit-len(w.buf)-len(w.closers))
	w.done()
	w.full = true
}

// Finish closes what is open at the last safe point and returns the JSON.
// After a cut or an early end the value shown is what was complete then.
func (w *Writer) Finish() []byte {
	if len(w.closers) > 0 || w.full || w.key {
		w.buf = w.buf[:w.safe]
		for i := len(w.closers) - 1; i >= 0; i-- {
			w.buf = append(w.buf, w.closers[i])
		}
		w.closers = w.closers[:0]
		w.items = w.items[:0]
		w.key = false
	}
	return w.buf
}

// quotedLen is the length appendQuoted gives s.
func quotedLen(s string) int {
	n := 2
	for i := 0; i < len(s); {
		r, size := DecodeRune(s[i:])
		n += escapedLen(r)
		i += size
	}
	return n
}

// appendQuoted appends s as a JSON string. With max >= 0 the quoted
// string takes at most max bytes, whole characters only.
//
// s is read as WTF-8: UTF-8 that may hold surrogate code points (Python's
// surrogatepass, Java's unpaired chars), written as \uD8xx escapes;
// bytes that are not UTF-8 become U+FFFD. Control characters (C0, DEL,
// C1) and the line separators are escaped, so the codec's Out never holds
// them raw.
func appendQuoted(b []byte, s string, max int) []byte {
	start := len(b)
	b = append(b, '"')
	for i := 0; i < len(s); {
		r, size := DecodeRune(s[i:])
		if max >= 0 && len(b)-start+escapedLen(r)+1 > max {
			break
		}
		b = appendEscaped(b, r)
		i += size
	}
	return append(b, '"')
}

const hexDigits = "0123456789abcdef"

func escapedLen(r rune) int {
	switch {
	case r == '"' || r == '\\' || r == '\n' || r == '\r' || r == '\t':
		return 2
	case needsU(r):
		return 6
	}
	return utf8.RuneLen(r)
}

func needsU(r rune) bool {
	return r < 0x20 || (r >= 0x7f && r <= 0x9f) || r == 0x2028 || r == 0x2029 || (r >= 0xd800 && r <= 0xdfff)
}

func appendEscaped(b []byte, r rune) []byte {
	switch {
	case r == '"' || r == '\\':
		return append(b, '\\', byte(r))
	case r == '\n':
		return append(b, '\\', 'n')
	case r == '\r':
		return append(b, '\\', 'r')
	case r == '\t':
		return append(b, '\\', 't')
	case needsU(r):
		return append(b, '\\', 'u', hexDigits[r>>12&15], hexDigits[r>>8&15], hexDigits[r>>4&15], hexDigits[r&15])
	}
	return utf8.AppendRune(b, r)
}

// DecodeRune decodes one WTF-8 character: like utf8.DecodeRuneInString but
// a three-byte surrogate (ED A0..BF xx) is returned as its code point.
func DecodeRune(s string) (rune, int) {
	if len(s) >= 3 && s[0] == 0xed && s[1] >= 0xa0 && s[1] <= 0xbf && s[2]&0xc0 == 0x80 {
		return rune(s[0]&0x0f)<<12 | rune(s[1]&0x3f)<<6 | rune(s[2]&0x3f), 3
	}
	return utf8.DecodeRuneInString(s)
}
