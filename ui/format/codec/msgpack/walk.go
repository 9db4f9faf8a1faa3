package msgpack

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/kvdeck/kvdeck/ui/format/codec/internal/boundedjson"
	"github.com/vmihailenco/msgpack/v5"
	"github.com/vmihailenco/msgpack/v5/msgpcode"
)

// maxDepth bounds nesting: deeper values are refused with an error rather
// than recursing without end on a hostile value of nested array headers.
const maxDepth = 1000

// errTruncated says the value ends inside an element.
var errTruncated = errors.New("the value ends early (truncated)")

// walker walks one msgpack value with the library's low-level Decoder,
// which reads every header and number at the width it was written. It
// runs twice over a value: the first pass (o nil) checks the whole value
// and decides, for each map, whether it can be a JSON object; the second
// writes the JSON. Deciding first keeps the work linear: a map's keys
// need not be read ahead of writing it.
type walker struct {
	b     []byte
	r     *bytes.Reader
	d     *msgpack.Decoder
	depth int

	// check: only validate (Sniff, Try): no allocation that grows with
	// the value.
	check bool
	// pairs[i] says the i-th map (in order of appearance) must be
	// written as {"$map":[[k,v],…]}: a key that is not a UTF-8 string,
	// or a repeated key.
	pairs []bool
	maps  int

	o   *boundedjson.Writer // second pass: where the JSON goes
	tmp []byte              // scratch for a scalar's text
}

func newWalker(b []byte) *walker {
	r := bytes.NewReader(b)
	return &walker{b: b, r: r, d: msgpack.NewDecoder(r)}
}

// pos is the offset of the next unread byte.
func (w *walker) pos() int { return len(w.b) - w.r.Len() }

// fail turns a read error into the walker's words.
func fail(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return errTruncated
	}
	return err
}

// take returns the next n bytes of the value without copying, checking
// first that they are there: a header claiming 4 GB allocates nothing.
func (w *walker) take(n int) ([]byte, error) {
	if n < 0 || n > w.r.Len() {
		return nil, errTruncated
	}
	p := w.pos()
	if _, err := w.r.Seek(int64(n), io.SeekCurrent); err != nil {
		return nil, err
	}
	return w.b[p : p+n], nil
}

// raw reads a str or bin element's bytes.
func (w *walker) raw() ([]byte, error) {
	n, err := w.d.DecodeBytesLen()
	if err != nil {
		return nil, fail(err)
	}
	return w.take(n)
}

func (w *walker) emit(t []byte) error {
	if w.o == nil {
		return nil
	}
	return w.o.Put(t)
}

// value walks one element.
func (w *walker) value() error {
	c, err := w.d.PeekCode()
	if err != nil {
		return fail(err)
	}
	switch {
	case c == msgpcode.Nil:
		_ = w.d.DecodeNil()
		return w.emit([]byte("null"))
	case c == msgpcode.False || c == msgpcode.True:
		v, _ := w.d.DecodeBool()
		if v {
			return w.emit([]byte("true"))
		}
		return w.emit([]byte("false"))
	case c <= msgpcode.PosFixedNumHigh || (c >= msgpcode.Uint8 && c <= msgpcode.Uint64):
		v, err := w.d.DecodeUint64()
		if err != nil {
			return fail(err)
		}
		w.tmp = appendUint(w.tmp[:0], v)
		return w.emit(w.tmp)
	case c >= msgpcode.NegFixedNumLow || (c >= msgpcode.Int8 && c <= msgpcode.Int64):
		v, err := w.d.DecodeInt64()
		if err != nil {
			return fail(err)
		}
		w.tmp = appendInt(w.tmp[:0], v)
		return w.emit(w.tmp)
	case c == msgpcode.Float:
		v, err := w.d.DecodeFloat32()
		if err != nil {
			return fail(err)
		}
		w.tmp = appendFloat32(w.tmp[:0], v)
		return w.emit(w.tmp)
	case c == msgpcode.Double:
		v, err := w.d.DecodeFloat64()
		if err != nil {
			return fail(err)
		}
		w.tmp = appendFloat64(w.tmp[:0], v)
		return w.emit(w.tmp)
	case msgpcode.IsString(c):
		s, err := w.raw()
		if err != nil {
			return err
		}
		if w.o == nil {
			return nil
		}
		if utf8.Valid(s) {
			return w.o.Str(s)
		}
		return w.o.Wrapped(`{"$str64":"`, s, `"}`)
	case msgpcode.IsBin(c):
		s, err := w.raw()
		if err != nil || w.o == nil {
			return err
		}
		return w.o.Wrapped(`{"$bin":"`, s, `"}`)
	case msgpcode.IsExt(c):
		return w.ext()
	case msgpcode.IsFixedMap(c) || c == msgpcode.Map16 || c == msgpcode.Map32:
		return w.mapValue()
	case msgpcode.IsFixedArray(c) || c == msgpcode.Array16 || c == msgpcode.Array32:
		return w.array()
	}
	return fmt.Errorf("byte 0x%02x at offset %d starts no msgpack value", c, w.pos())
}

// ext walks an extension: a timestamp (type -1) the way the library
// writes one is shown as {"$time":…}, any other as {"$ext":…}.
func (w *walker) ext() error {
	start := w.pos()
	typ, n, err := w.d.DecodeExtHeader()
	if err != nil {
		return fail(err)
	}
	data, err := w.take(n)
	if err != nil || w.o == nil {
		return err
	}
	if typ == -1 {
		if s, ok := timestamp(w.b[start:w.pos()], data); ok {
			w.tmp = append(append(append(w.tmp[:0], `{"$time":"`...), s...), `"}`...)
			return w.o.Put(w.tmp)
		}
	}
	prefix := fmt.Sprintf(`{"$ext":{"type":%d,"data":"`, typ)
	return w.o.Wrapped(prefix, data, `"}}`)
}

func (w *walker) enter() error {
	w.depth++
	if w.depth > maxDepth {
		return fmt.Errorf("nested more than %d deep", maxDepth)
	}
	return nil
}

func (w *walker) array() error {
	n, err := w.d.DecodeArrayLen()
	if err != nil {
		return fail(err)
	}
	if err := w.enter(); err != nil {
		return err
	}
	if w.o != nil {
		if err := w.o.Open("[", "]"); err != nil {
			return err
		}
	}
	// Each element takes at least one byte, so a claimed count beyond
	// the bytes left ends at errTruncated, not after 2^32 iterations.
	for i := 0; i < n; i++ {
		if err := w.value(); err != nil {
			return err
		}
	}
	if w.o != nil {
		w.o.Close()
	}
	w.depth--
	return nil
}

func (w *walker) mapValue() error {
	n, err := w.d.DecodeMapLen()
	if err != nil {
		return fail(err)
	}
	if err := w.enter(); err != nil {
		return err
	}
	ord := w.maps
	w.maps++
	if w.o == nil {
		err = w.checkMap(n, ord)
	} else {
		err = w.writeMap(n, w.pairs[ord])
	}
	if err != nil {
		return err
	}
	w.depth--
	return nil
}

// checkMap is the first pass over a map: it decides its form.
func (w *walker) checkMap(n, ord int) error {
	if !w.check {
		w.pairs = append(w.pairs, false)
	}
	var seen map[string]struct{}
	pairs := w.check
	for i := 0; i < n; i++ {
		c, err := w.d.PeekCode()
		if err != nil {
			return fail(err)
		}
		if !pairs && msgpcode.IsString(c) {
			k, err := w.raw()
			if err != nil {
				return err
			}
			if seen == nil {
				seen = make(map[string]struct{}, min(n, 64))
			}
			if _, dup := seen[string(k)]; dup || !utf8.Valid(k) {
				pairs = true
			} else {
				seen[string(k)] = struct{}{}
			}
		} else {
			pairs = true
			if err := w.value(); err != nil {
				return err
			}
		}
		if pairs && !w.check {
			// Set now, not at the end: a partial value ending inside
			// this map is still written the way its keys so far need.
			w.pairs[ord] = true
		}
		if err := w.value(); err != nil {
			return err
		}
	}
	return nil
}

// writeMap is the second pass over a map.
func (w *walker) writeMap(n int, pairs bool) error {
	if pairs {
		if err := w.o.Open(`{"$map":[`, `]}`); err != nil {
			return err
		}
		for i := 0; i < n; i++ {
			if err := w.o.Open("[", "]"); err != nil {
				return err
			}
			if err := w.value(); err != nil {
				return err
			}
			if err := w.value(); err != nil {
				return err
			}
			w.o.Close()
		}
		w.o.Close()
		return nil
	}
	if err := w.o.Open("{", "}"); err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		k, err := w.raw()
		if err != nil {
			return err
		}
		w.tmp = appendKey(w.tmp[:0], k)
		if err := w.o.Key(w.tmp); err != nil {
			return err
		}
		if err := w.value(); err != nil {
			return err
		}
	}
	w.o.Close()
	return nil
}

// appendKey writes an object key, escaping a key that starts with "$" by
// doubling that "$", so it is never read as a typed-JSON word.
func appendKey(dst, k []byte) []byte {
	if len(k) > 0 && k[0] == '$' {
		dst = append(dst, '"', '$')
		q := boundedjson.AppendString(nil, k)
		return append(dst, q[1:]...)
	}
	return boundedjson.AppendString(dst, k)
}
