// Package boundedjson is the bounded JSON writer of the msgpack and php
// codecs: they write a decoded value element by element into a Writer,
// which never holds more than its limit and, wherever the value stops,
// closes into valid JSON.
//
// Strings are taken as valid UTF-8 (the codecs write other bytes as
// base64, with Wrapped). The javaser and pickle codecs use another
// writer, internal/jsonw, whose strings are WTF-8.
package boundedjson

import (
	"encoding/base64"
	"errors"
	"unicode/utf8"
)

// ErrCut stops a decode when the Writer reached its limit; the codec turns
// it into codec.Decoded.Cut rather than an error.
var ErrCut = errors.New("output limit reached")

// Writer writes JSON bounded by a limit so that, wherever it stops (the
// limit reached, or a partial value ending early), what it holds can
// still be closed into valid JSON: the closers of every open container
// are kept in reserve, and an element that does not fit is dropped whole.
type Writer struct {
	buf      []byte
	limit    int
	reserved int // sum of the open containers' closers
	stack    []frame
	cut      bool
}

// Cut says whether a write did not fit (or a string was written in part):
// the value shown is not all of it.
func (o *Writer) Cut() bool { return o.cut }

// frame is an open container (the bottom one is the root, closed by "").
type frame struct {
	closer  string
	good    int // len(buf) after the last complete element
	n       int // elements written
	pending bool
}

// New returns a Writer of at most limit bytes (a negative limit is 0);
// sizeHint is the capacity to start with, when below the limit.
func New(limit int64, sizeHint int) *Writer {
	lim := int(min(limit, int64(1<<31-1)))
	if lim < 0 {
		lim = 0
	}
	return &Writer{
		buf:   make([]byte, 0, min(lim, sizeHint)),
		limit: lim,
		stack: []frame{{}},
	}
}

func (o *Writer) room() int { return o.limit - o.reserved - len(o.buf) }

// sep says whether the next element needs a comma before it.
func (o *Writer) sep() int {
	f := &o.stack[len(o.stack)-1]
	if f.n > 0 && !f.pending {
		return 1
	}
	return 0
}

func (o *Writer) comma(s int) {
	if s == 1 {
		o.buf = append(o.buf, ',')
	}
}

// done marks the innermost container's current element complete.
func (o *Writer) done() {
	f := &o.stack[len(o.stack)-1]
	f.pending = false
	f.n++
	f.good = len(o.buf)
}

// Put writes t, the JSON text of a whole scalar element (or nothing, and
// cuts).
func (o *Writer) Put(t []byte) error {
	s := o.sep()
	if s+len(t) > o.room() {
		o.cut = true
		return ErrCut
	}
	o.comma(s)
	o.buf = append(o.buf, t...)
	o.done()
	return nil
}

// Key writes an object member's name (quoted JSON, as AppendString gives
// it) and colon; the element is complete
// once its value is.
func (o *Writer) Key(name []byte) error {
	s := o.sep()
	if s+len(name)+1 > o.room() {
		o.cut = true
		return ErrCut
	}
	o.comma(s)
	o.buf = append(o.buf, name...)
	o.buf = append(o.buf, ':')
	o.stack[len(o.stack)-1].pending = true
	return nil
}

// Open starts a container, reserving room for its closer.
func (o *Writer) Open(opener, closer string) error {
	s := o.sep()
	if s+len(opener)+len(closer) > o.room() {
		o.cut = true
		return ErrCut
	}
	o.comma(s)
	o.buf = append(o.buf, opener...)
	o.stack[len(o.stack)-1].pending = false
	o.reserved += len(closer)
	o.stack = append(o.stack, frame{closer: closer, good: len(o.buf)})
	return nil
}

// Close ends the innermost container (its room was reserved).
func (o *Writer) Close() {
	f := o.stack[len(o.stack)-1]
	o.stack = o.stack[:len(o.stack)-1]
	o.reserved -= len(f.closer)
	o.buf = append(o.buf, f.closer...)
	o.done()
}

// Finish drops the innermost container's unfinished element and closes
// every open container, leaving valid JSON (empty when not even the root
// value began).
func (o *Writer) Finish() []byte {
	top := len(o.stack) - 1
	if top > 0 || o.stack[0].n == 0 {
		o.buf = o.buf[:o.stack[top].good]
	}
	for i := top; i > 0; i-- {
		o.buf = append(o.buf, o.stack[i].closer...)
	}
	o.stack = o.stack[:1]
	o.reserved = 0
	return o.buf
}

// Str writes s (valid UTF-8) as a JSON string element; when it does not
// fit, as much of it as fits, and cuts: a long string at the top level is
// then still shown in part.
func (o *Writer) Str(s []byte) error {
	need := o.sep() + 2 + jsonStringLen(s)
	if need <= o.room() {
		return o.Put(AppendString(nil, s))
	}
	return o.cutText(`"`, s, false, `"`)
}

// Wrapped writes prefix, base64 of raw, suffix as one element, cut like
// Str when it does not fit.
func (o *Writer) Wrapped(prefix string, raw []byte, suffix string) error {
	need := o.sep() + len(prefix) + base64.StdEncoding.EncodedLen(len(raw)) + len(suffix)
	if need <= o.room() {
		t := make([]byte, 0, need)
		t = append(t, prefix...)
		t = base64.StdEncoding.AppendEncode(t, raw)
		t = append(t, suffix...)
		return o.Put(t)
	}
	return o.cutText(prefix, raw, true, suffix)
}

// cutText writes the part of raw that fits between prefix and suffix
// (escaped, or base64 when b64), then reports the cut.
func (o *Writer) cutText(prefix string, raw []byte, b64 bool, suffix string) error {
	avail := o.room() - o.sep() - len(prefix) - len(suffix)
	if avail < 0 {
		o.cut = true
		return ErrCut
	}
	t := make([]byte, 0, len(prefix)+avail+len(suffix))
	t = append(t, prefix...)
	if b64 {
		n := min(len(raw), avail/4*3)
		t = base64.StdEncoding.AppendEncode(t, raw[:n])
	} else {
		for i := 0; i < len(raw); {
			_, size := utf8.DecodeRune(raw[i:])
			next := AppendString(nil, raw[i:i+size])
			piece := next[1 : len(next)-1]
			if len(t)-len(prefix)+len(piece) > avail {
				break
			}
			t = append(t, piece...)
			i += size
		}
	}
	t = append(t, suffix...)
	if err := o.Put(t); err != nil {
		return err
	}
	o.cut = true
	return ErrCut
}

const hexDigits = "0123456789abcdef"

// AppendString appends s (valid UTF-8) quoted, escaping what JSON
// requires and every control byte, so no raw control byte reaches the
// codec's Out.
func AppendString(dst, s []byte) []byte {
	dst = append(dst, '"')
	for _, c := range s {
		switch {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c == '\n':
			dst = append(dst, '\\', 'n')
		case c == '\t':
			dst = append(dst, '\\', 't')
		case c == '\r':
			dst = append(dst, '\\', 'r')
		case c < 0x20 || c == 0x7f:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&15])
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, '"')
}

// jsonStringLen is len(AppendString(nil, s)) - 2, without allocating.
func jsonStringLen(s []byte) int {
	n := 0
	for _, c := range s {
		switch {
		case c == '"' || c == '\\' || c == '\n' || c == '\t' || c == '\r':
			n += 2
		case c < 0x20 || c == 0x7f:
			n += 6
		default:
			n++
		}
	}
	return n
}
