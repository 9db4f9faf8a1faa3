package php

import (
	"encoding/base64"
	"errors"
	"unicode/utf8"
)

// errCut stops a decode when Out reached its limit; Decode turns it into
// Cut rather than an error.
var errCut = errors.New("output limit reached")

// out writes JSON bounded by a limit so that, wherever it stops (the limit
// reached, or a partial value ending early), what it holds can still be
// closed into valid JSON: the closers of every open container are kept in
// reserve, and an element that does not fit is dropped whole.
type out struct {
	buf      []byte
	limit    int
	reserved int // sum of the open containers' closers
	stack    []frame
	cut      bool
}

// frame is an open container (the bottom one is the root, closed by "").
type frame struct {
	closer  string
	good    int // len(buf) after the last complete element
	n       int // elements written
	pending bool
}

func newOut(limit int64, sizeHint int) *out {
	lim := int(min(limit, int64(1<<31-1)))
	if lim < 0 {
		lim = 0
	}
	return &out{
		buf:   make([]byte, 0, min(lim, sizeHint)),
		limit: lim,
		stack: []frame{{}},
	}
}

func (o *out) room() int { return o.limit - o.reserved - len(o.buf) }

// sep says whether the next element needs a comma before it.
func (o *out) sep() int {
	f := &o.stack[len(o.stack)-1]
	if f.n > 0 && !f.pending {
		return 1
	}
	return 0
}

func (o *out) comma(s int) {
	if s == 1 {
		o.buf = append(o.buf, ',')
	}
}

// done marks the innermost container's current element complete.
func (o *out) done() {
	f := &o.stack[len(o.stack)-1]
	f.pending = false
	f.n++
	f.good = len(o.buf)
}

// put writes a whole scalar element (or nothing, and cuts).
func (o *out) put(t []byte) error {
	s := o.sep()
	if s+len(t) > o.room() {
		o.cut = true
		return errCut
	}
	o.comma(s)
	o.buf = append(o.buf, t...)
	o.done()
	return nil
}

// key writes an object member's name and colon; the element is complete
// once its value is.
func (o *out) key(name []byte) error {
	s := o.sep()
	if s+len(name)+1 > o.room() {
		o.cut = true
		return errCut
	}
	o.comma(s)
	o.buf = append(o.buf, name...)
	o.buf = append(o.buf, ':')
	o.stack[len(o.stack)-1].pending = true
	return nil
}

// open starts a container, reserving room for its closer.
func (o *out) open(opener, closer string) error {
	s := o.sep()
	if s+len(opener)+len(closer) > o.room() {
		o.cut = true
		return errCut
	}
	o.comma(s)
	o.buf = append(o.buf, opener...)
	o.stack[len(o.stack)-1].pending = false
	o.reserved += len(closer)
	o.stack = append(o.stack, frame{closer: closer, good: len(o.buf)})
	return nil
}

// close ends the innermost container (its room was reserved).
func (o *out) close() {
	f := o.stack[len(o.stack)-1]
	o.stack = o.stack[:len(o.stack)-1]
	o.reserved -= len(f.closer)
	o.buf = append(o.buf, f.closer...)
	o.done()
}

// finish drops the innermost container's unfinished element and closes
// every open container, leaving valid JSON (empty when not even the root
// value began).
func (o *out) finish() []byte {
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

// str writes s (valid UTF-8) as a JSON string element; when it does not
// fit, as much of it as fits, and cuts: a long string at the top level is
// then still shown in part.
func (o *out) str(s []byte) error {
	need := o.sep() + 2 + jsonStringLen(s)
	if need <= o.room() {
		return o.put(appendJSONString(nil, s))
	}
	return o.cutText(`"`, s, false, `"`)
}

// wrapped writes prefix, base64 of raw, suffix as one element, cut like
// str when it does not fit.
func (o *out) wrapped(prefix string, raw []byte, suffix string) error {
	need := o.sep() + len(prefix) + base64.StdEncoding.EncodedLen(len(raw)) + len(suffix)
	if need <= o.room() {
		t := make([]byte, 0, need)
		t = append(t, prefix...)
		t = base64.StdEncoding.AppendEncode(t, raw)
		t = append(t, suffix...)
		return o.put(t)
	}
	return o.cutText(prefix, raw, true, suffix)
}

// cutText writes the part of raw that fits between prefix and suffix
// (escaped, or base64 when b64), then reports the cut.
func (o *out) cutText(prefix string, raw []byte, b64 bool, suffix string) error {
	avail := o.room() - o.sep() - len(prefix) - len(suffix)
	if avail < 0 {
		o.cut = true
		return errCut
	}
	t := make([]byte, 0, len(prefix)+avail+len(suffix))
	t = append(t, prefix...)
	if b64 {
		n := min(len(raw), avail/4*3)
		t = base64.StdEncoding.AppendEncode(t, raw[:n])
	} else {
		for i := 0; i < len(raw); {
			_, size := utf8.DecodeRune(raw[i:])
			next := appendJSONString(nil, raw[i:i+size])
			piece := next[1 : len(next)-1]
			if len(t)-len(prefix)+len(piece) > avail {
				break
			}
			t = append(t, piece...)
			i += size
		}
	}
	t = append(t, suffix...)
	if err := o.put(t); err != nil {
		return err
	}
	o.cut = true
	return errCut
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s (valid UTF-8) quoted, escaping what JSON
// requires and every control byte, so no raw control byte reaches Out.
func appendJSONString(dst, s []byte) []byte {
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

// jsonStringLen is len(appendJSONString(nil, s)) - 2, without allocating.
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
