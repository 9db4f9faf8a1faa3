package msgpack

import (
	"bytes"
	"encoding/binary"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/vmihailenco/msgpack/v5"
)

// Canonical NaNs: the quiet NaN most encoders write. Others keep their
// bits in the text ("NaN:7ff8000000000001") so that the way back is exact.
const (
	nan64 = 0x7ff8000000000000
	nan32 = 0x7fc00000
)

func appendUint(dst []byte, v uint64) []byte { return strconv.AppendUint(dst, v, 10) }
func appendInt(dst []byte, v int64) []byte   { return strconv.AppendInt(dst, v, 10) }

// appendFloat64 writes a float64 as a JSON number that reads back as a
// float (1.0, not 1), or {"$f64":"NaN"|"+Inf"|"-Inf"} which JSON has no
// number for.
func appendFloat64(dst []byte, v float64) []byte {
	if math.IsInf(v, 0) || math.IsNaN(v) {
		dst = append(dst, `{"$f64":"`...)
		dst = appendNonFinite(dst, v, math.Float64bits(v) == nan64, math.Float64bits(v))
		return append(dst, `"}`...)
	}
	return appendFloatText(dst, v, 64)
}

// appendFloat32 writes {"$f32":N}: JSON numbers are read as float64 and
// the wrapper says which width to write back.
func appendFloat32(dst []byte, v float32) []byte {
	dst = append(dst, `{"$f32":`...)
	f := float64(v)
	if math.IsInf(f, 0) || math.IsNaN(f) {
		dst = append(dst, '"')
		dst = appendNonFinite(dst, f, math.Float32bits(v) == nan32, uint64(math.Float32bits(v)))
		dst = append(dst, '"')
	} else {
		dst = appendFloatText(dst, f, 32)
	}
	return append(dst, '}')
}

func appendNonFinite(dst []byte, v float64, canonical bool, bits uint64) []byte {
	switch {
	case math.IsInf(v, 1):
		return append(dst, "+Inf"...)
	case math.IsInf(v, -1):
		return append(dst, "-Inf"...)
	case canonical:
		return append(dst, "NaN"...)
	}
	return strconv.AppendUint(append(dst, "NaN:"...), bits, 16)
}

// appendFloatText writes the shortest text that reads back as the same
// float of that width, with ".0" added when it would read as an integer.
func appendFloatText(dst []byte, v float64, bits int) []byte {
	start := len(dst)
	dst = strconv.AppendFloat(dst, v, 'g', -1, bits)
	if !bytes.ContainsAny(dst[start:], ".eE") {
		dst = append(dst, ".0"...)
	}
	return dst
}

// parseNonFinite reads the text appendNonFinite writes.
func parseNonFinite(s string, bits int) (uint64, bool) {
	switch s {
	case "+Inf":
		if bits == 32 {
			return uint64(math.Float32bits(float32(math.Inf(1)))), true
		}
		return math.Float64bits(math.Inf(1)), true
	case "-Inf":
		if bits == 32 {
			return uint64(math.Float32bits(float32(math.Inf(-1)))), true
		}
		return math.Float64bits(math.Inf(-1)), true
	case "NaN":
		if bits == 32 {
			return nan32, true
		}
		return nan64, true
	}
	hex, ok := strings.CutPrefix(s, "NaN:")
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseUint(hex, 16, bits)
	if err != nil {
		return 0, false
	}
	if bits == 32 && !math.IsNaN(float64(math.Float32frombits(uint32(v)))) ||
		bits == 64 && !math.IsNaN(math.Float64frombits(v)) {
		return 0, false
	}
	return v, true
}

// timestamp reads a msgpack timestamp (ext -1) and gives its RFC 3339
// text, but only when writing that time back with the library gives the
// same bytes (element, header included): any other timestamp stays a
// plain {"$ext":…} so that nothing changes on the way back.
func timestamp(element, data []byte) (string, bool) {
	var sec int64
	var nsec uint32
	switch len(data) {
	case 4:
		sec = int64(binary.BigEndian.Uint32(data))
	case 8:
		v := binary.BigEndian.Uint64(data)
		nsec, sec = uint32(v>>34), int64(v&(1<<34-1))
	case 12:
		nsec, sec = binary.BigEndian.Uint32(data), int64(binary.BigEndian.Uint64(data[4:]))
	default:
		return "", false
	}
	if nsec >= 1e9 {
		return "", false
	}
	t := time.Unix(sec, int64(nsec)).UTC()
	if t.Year() < 0 || t.Year() > 9999 {
		return "", false
	}
	s := t.Format(time.RFC3339Nano)
	back, err := time.Parse(time.RFC3339Nano, s)
	if err != nil || !back.Equal(t) {
		return "", false
	}
	var buf bytes.Buffer
	if err := msgpack.NewEncoder(&buf).EncodeTime(t); err != nil || !bytes.Equal(buf.Bytes(), element) {
		return "", false
	}
	return s, true
}
