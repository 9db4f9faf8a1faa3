package protobuf

import (
	"errors"
	"fmt"

	"github.com/kvdeck/kvdeck/ui/format/codec"
)

// sniffMax is the most bytes Sniff and Try read. Sniff requires the whole
// value to parse, so a value (or a preview prefix) longer than this is not
// sniffed at all: protobuf has no magic number, and a long parse of every
// binary value shown is not worth a guess.
const sniffMax = 64 << 10

// Schemaless decodes protobuf without its .proto: the wire format's field
// numbers, wire types and values, with length-delimited fields guessed at
// (see doc.go for the JSON layout). It is read-only: the guesses lose what
// would be needed to write an edit back (a "string" may have been bytes,
// a "message?" a string).
var Schemaless = codec.Codec{
	Name:   "protobuf",
	Sniff:  sniffWire,
	Try:    tryWire,
	Decode: decodeSchemaless,
}

// sniffWire says b looks like protobuf: it is at most sniffMax bytes, is
// not printable text (JSON and plain text parse as wire format surprisingly
// often: "hi" is field 13 = 105), and parses to its end as at least two
// fields with plausible numbers.
func sniffWire(b []byte) bool {
	if len(b) == 0 || len(b) > sniffMax || isText(b, false) {
		return false
	}
	return plausible(b, 0, 2)
}

// tryWire says b parses as wire format with at least one field, to its end
// or up to a field cut off by its end (b may be a prefix of the value).
// Only the first sniffMax bytes are read, as a prefix.
func tryWire(b []byte) bool {
	if len(b) > sniffMax {
		b = b[:sniffMax]
	}
	count, _, err := scan(b, 0, nil)
	return count > 0 && (err == nil || errors.Is(err, errTruncated))
}

// decodeSchemaless renders b as the schemaless JSON. With partial, a field
// cut off by the end of b ends the view (Detail says so); otherwise any
// byte that is not wire format is an error.
func decodeSchemaless(b []byte, limit int64, partial bool) (codec.Decoded, error) {
	_, end, err := scan(b, 0, nil)
	detail := "schemaless"
	if err != nil {
		if !partial || !errors.Is(err, errTruncated) {
			return codec.Decoded{}, fmt.Errorf("not protobuf: %w", err)
		}
		b = b[:end]
		detail = "schemaless, partial: the last field is cut off"
	}
	return renderJSON(limit, detail, func(r *renderer) { r.message(b, 0) })
}

// renderJSON runs render within limit and cuts its output into valid JSON
// when it does not fit.
func renderJSON(limit int64, detail string, render func(r *renderer)) (codec.Decoded, error) {
	lim := clampLimit(limit)
	r := &renderer{limit: lim}
	render(r)
	d := codec.Decoded{Out: r.out, View: codec.JSON, Detail: detail}
	if r.stopped || len(r.out) > lim {
		d.Out, d.Cut = cutJSON(r.out, lim), true
		if d.Out == nil {
			return codec.Decoded{}, fmt.Errorf("a limit of %d bytes cannot hold even an empty JSON object", limit)
		}
	}
	return d, nil
}

// clampLimit makes limit an int that slicing can use; a negative limit is
// no room at all.
func clampLimit(limit int64) int {
	if limit < 0 {
		return 0
	}
	// Half the range leaves the renderer room for its arithmetic.
	if limit > int64(maxInt/2) {
		return maxInt / 2
	}
	return int(limit)
}

const maxInt = int(^uint(0) >> 1)
