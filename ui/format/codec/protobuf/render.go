package protobuf

import (
	"encoding/base64"
	"math"
	"strconv"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protowire"
)

// renderer writes the schemaless JSON view (the layout is in doc.go). It
// stops as soon as its output passes the limit: what it has written is then
// a prefix of the full JSON, which cutJSON closes into valid JSON. Large
// strings and bytes are written only as far as the limit, so a 100 MB
// field costs no 100 MB of output.
type renderer struct {
	out     []byte
	limit   int
	stopped bool
}

// full says the output has passed the limit; callers unwind without
// writing more.
func (r *renderer) full() bool {
	if len(r.out) > r.limit {
		r.stopped = true
	}
	return r.stopped
}

// message writes b's fields as a JSON object. b has been checked to parse
// (readField cannot fail here), at depth.
func (r *renderer) message(b []byte, depth int) {
	r.out = append(r.out, '{')
	// seen counts occurrences per field number for the "#k" suffix of
	// repeated numbers; most messages have few fields, so it stays small.
	var seen map[protowire.Number]int
	first := true
	for i := 0; i < len(b); {
		if r.full() {
			return
		}
		f, n, err := readField(b[i:], depth)
		if err != nil {
			// Checked before rendering; reaching here is a bug, and the
			// output stays valid by closing the object.
			break
		}
		i += n
		if seen == nil {
			seen = make(map[protowire.Number]int)
		}
		seen[f.num]++
		if !first {
			r.out = append(r.out, ',')
		}
		first = false
		r.field(f, seen[f.num], depth)
		if r.stopped {
			return
		}
	}
	r.out = append(r.out, '}')
}

// field writes one member: its key ("num:kind", "#k" for the k-th
// occurrence of num) and its value.
func (r *renderer) field(f field, occurrence, depth int) {
	kind, value := r.classify(f, depth)
	r.out = append(r.out, '"')
	r.out = strconv.AppendInt(r.out, int64(f.num), 10)
	r.out = append(r.out, ':')
	r.out = append(r.out, kind...)
	if occurrence > 1 {
		r.out = append(r.out, '#')
		r.out = strconv.AppendInt(r.out, int64(occurrence), 10)
	}
	r.out = append(r.out, '"', ':')
	value()
}

// classify picks a field's kind (the key's suffix) and returns the writer
// of its value. For length-delimited fields the order of guesses is:
// a message (when the bytes parse entirely as a plausible message and are
// not printable text), printable UTF-8 text, packed varints, raw bytes.
func (r *renderer) classify(f field, depth int) (string, func()) {
	switch f.typ {
	case protowire.VarintType:
		return "varint", func() { r.varint(f.v) }
	case protowire.Fixed32Type:
		return "i32", func() {
			r.out = append(r.out, `{"int":`...)
			r.out = strconv.AppendInt(r.out, int64(int32(uint32(f.v))), 10)
			if int32(uint32(f.v)) < 0 {
				r.out = append(r.out, `,"uint":`...)
				r.out = strconv.AppendUint(r.out, f.v, 10)
			}
			r.out = append(r.out, `,"float":`...)
			r.out = appendFloat(r.out, float64(math.Float32frombits(uint32(f.v))), 32)
			r.out = append(r.out, '}')
		}
	case protowire.Fixed64Type:
		return "i64", func() {
			r.out = append(r.out, `{"int":`...)
			r.out = strconv.AppendInt(r.out, int64(f.v), 10)
			if int64(f.v) < 0 {
				r.out = append(r.out, `,"uint":`...)
				r.out = strconv.AppendUint(r.out, f.v, 10)
			}
			r.out = append(r.out, `,"float":`...)
			r.out = appendFloat(r.out, math.Float64frombits(f.v), 64)
			r.out = append(r.out, '}')
		}
	case protowire.StartGroupType:
		return "group", func() { r.message(f.b, depth+1) }
	}
	// BytesType.
	b := f.b
	switch {
	case len(b) > 0 && !isText(b, true) && plausible(b, depth+1, 1):
		return "message?", func() { r.message(b, depth+1) }
	case isText(b, false):
		return "string", func() { r.text(b) }
	case packedVarints(b):
		return "packed?", func() { r.packed(b) }
	}
	return "bytes", func() { r.bytes(b) }
}

// varint writes a varint as the unsigned number, except that one of 2^63
// or more is written as the negative int64 it almost always is: protobuf
// writes a negative int32 or int64 as a ten-byte sign-extended varint,
// while a uint64 that large is rare.
func (r *renderer) varint(v uint64) {
	if int64(v) < 0 {
		r.out = strconv.AppendInt(r.out, int64(v), 10)
		return
	}
	r.out = strconv.AppendUint(r.out, v, 10)
}

// packed writes b (known to be minimal varints) as a JSON array.
func (r *renderer) packed(b []byte) {
	r.out = append(r.out, '[')
	for i := 0; i < len(b); {
		if r.full() {
			return
		}
		v, n := protowire.ConsumeVarint(b[i:])
		if i > 0 {
			r.out = append(r.out, ',')
		}
		r.varint(v)
		i += n
	}
	r.out = append(r.out, ']')
}

// text writes printable UTF-8 as a JSON string, as far as the limit.
func (r *renderer) text(b []byte) {
	r.out = append(r.out, '"')
	for i := 0; i < len(b); {
		if r.full() {
			return
		}
		c, size := utf8.DecodeRune(b[i:])
		switch c {
		case '"', '\\':
			r.out = append(r.out, '\\', byte(c))
		case '\n':
			r.out = append(r.out, '\\', 'n')
		case '\r':
			r.out = append(r.out, '\\', 'r')
		case '\t':
			r.out = append(r.out, '\\', 't')
		default:
			r.out = append(r.out, b[i:i+size]...)
		}
		i += size
	}
	r.out = append(r.out, '"')
}

// bytes writes {"$bytes":"<base64>"}, encoding only as much as fits: a
// field larger than the limit is encoded up to it, then the output stops.
func (r *renderer) bytes(b []byte) {
	r.out = append(r.out, `{"$bytes":"`...)
	room := r.limit - len(r.out) + 4
	if room < 0 {
		room = 0
	}
	if max := room / 4 * 3; len(b) > max {
		r.out = base64.StdEncoding.AppendEncode(r.out, b[:max])
		r.stopped = true
		return
	}
	r.out = base64.StdEncoding.AppendEncode(r.out, b)
	r.out = append(r.out, `"}`...)
}

// isText says b is valid UTF-8 with no control characters but tab, line
// feed and carriage return. asGuess is stricter, for choosing text over a
// message guess: a message whose first field is 1 starts with a tab, line
// feed or carriage return byte (tags 0x09, 0x0a, 0x0d), text rarely does.
func isText(b []byte, asGuess bool) bool {
	if asGuess && len(b) > 0 && (b[0] == '\t' || b[0] == '\n' || b[0] == '\r') {
		return false
	}
	for i := 0; i < len(b); {
		c := b[i]
		if c < utf8.RuneSelf {
			if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 || r >= 0x80 && r <= 0x9f {
			return false
		}
		i += size
	}
	return true
}

// packedVarints says b is one or more varints, each minimally encoded (no
// trailing 0x80 0x00 padding, which no protobuf library writes). Any bytes
// ending below 0x80 would otherwise pass, so this is the last guess before
// raw bytes and its key says it is one.
func packedVarints(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for i := 0; i < len(b); {
		_, n := protowire.ConsumeVarint(b[i:])
		if n < 0 || n > 1 && b[i+n-1] == 0 {
			return false
		}
		i += n
	}
	return true
}

// appendFloat writes f as a JSON number the way encoding/json does
// (exponent form only for very small or large magnitudes), and NaN and
// the infinities, which JSON has no number for, as the strings protojson
// uses: "NaN", "Infinity", "-Infinity".
func appendFloat(out []byte, f float64, bits int) []byte {
	switch {
	case math.IsNaN(f):
		return append(out, `"NaN"`...)
	case math.IsInf(f, 1):
		return append(out, `"Infinity"`...)
	case math.IsInf(f, -1):
		return append(out, `"-Infinity"`...)
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	return strconv.AppendFloat(out, f, format, -1, bits)
}
