package msgpack

import (
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/kvdeck/kvdeck/ui/format/codec"
	"github.com/kvdeck/kvdeck/ui/format/codec/internal/boundedjson"
)

// sniffBytes bounds what Sniff and Try look at.
const sniffBytes = 64 << 10

// Codec decodes msgpack to typed JSON (doc.go) and writes it back.
var Codec = codec.Codec{
	Name:   "msgpack",
	Sniff:  sniff,
	Try:    try,
	Decode: decode,
	Encode: func(_ codec.Decoded, edited []byte) ([]byte, error) { return encode(edited) },
	Exact:  true,
}

// sniff: msgpack has no magic number, and almost any byte starts some
// msgpack value, so only a map or array header is taken as a sign, and
// only when the whole sniffed prefix parses as (the start of) one value
// and is not UTF-8 text.
func sniff(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	c := b[0]
	switch {
	case c >= 0x80 && c <= 0x9f: // fixmap, fixarray: never the start of UTF-8
	case c >= 0xdc && c <= 0xdf: // array16/32, map16/32
		// These bytes also lead two-byte UTF-8 runes (U+0700–U+07FF).
		if looksLikeText(b[:min(len(b), sniffBytes)]) {
			return false
		}
	default:
		return false
	}
	// Fewer bytes than the sniff window are the whole value: it must
	// parse to its end. Random binary bytes that start with a map header
	// often parse as the start of one (9% of random values did).
	return valid(b[:min(len(b), sniffBytes)], len(b) >= sniffBytes)
}

// try offers msgpack for any value that is one msgpack value.
func try(b []byte) bool {
	return len(b) > 0 && valid(b[:min(len(b), sniffBytes)], len(b) > sniffBytes)
}

// valid checks that b is one msgpack value, or the start of one when
// prefix, allocating nothing that grows with b.
func valid(b []byte, prefix bool) bool {
	w := newWalker(b)
	w.check = true
	err := w.value()
	if err != nil {
		return prefix && errors.Is(err, errTruncated)
	}
	return w.r.Len() == 0
}

// looksLikeText says b is UTF-8 (a rune cut at the end allowed) with at
// most a quarter of control bytes: msgpack's small integers and lengths
// are control bytes, text has few.
func looksLikeText(b []byte) bool {
	controls := 0
	for _, c := range b {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c == 0x7f {
			controls++
		}
	}
	if controls*4 > len(b) {
		return false
	}
	for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i]) {
			if !utf8.FullRune(b[i:]) {
				b = b[:i]
			}
			break
		}
	}
	return utf8.Valid(b)
}

func decode(b []byte, limit int64, partial bool) (codec.Decoded, error) {
	if len(b) == 0 {
		return codec.Decoded{}, errors.New("msgpack: the value is empty")
	}
	// First pass: the whole value is checked (so an invalid value shows
	// an error, not JSON cut where it went wrong) and maps' forms decided.
	w := newWalker(b)
	err := w.value()
	truncated := errors.Is(err, errTruncated)
	switch {
	case err != nil && !(truncated && partial):
		return codec.Decoded{}, fmt.Errorf("msgpack: %w", err)
	case err == nil && w.r.Len() > 0:
		return codec.Decoded{}, fmt.Errorf("msgpack: %d bytes after the value: not one msgpack value", w.r.Len())
	}
	pairs := w.pairs
	w = newWalker(b)
	w.pairs = pairs
	w.o = boundedjson.New(limit, 2*len(b)+16)
	err = w.value()
	res := codec.Decoded{View: codec.JSON, Cut: w.o.Cut() || truncated}
	res.Out = w.o.Finish()
	if err != nil && !errors.Is(err, boundedjson.ErrCut) && !errors.Is(err, errTruncated) {
		return codec.Decoded{}, fmt.Errorf("msgpack: %w", err)
	}
	if len(res.Out) == 0 {
		return codec.Decoded{}, fmt.Errorf("msgpack: a limit of %d bytes is too small to show the value", limit)
	}
	switch c := b[0]; {
	case c >= 0x80 && c <= 0x8f || c == 0xde || c == 0xdf:
		res.Detail = "map"
	case c >= 0x90 && c <= 0x9f || c == 0xdc || c == 0xdd:
		res.Detail = "array"
	}
	return res, nil
}
