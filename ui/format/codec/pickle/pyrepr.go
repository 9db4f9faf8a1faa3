package pickle

import (
	"strconv"
	"strings"
	"unicode"

	"github.com/kvdeck/kvdeck/ui/format/codec/internal/jsonw"
)

// Python's repr of floats, str and bytes: the disassembly writes
// arguments as pickletools does (it prints repr(arg)), and the JSON writes
// floats as Python shows them (1.0, 1e+16), which JSON reads too.

// pyFloat is repr(float): the shortest digits that read back the same,
// fixed notation for decimal exponents -4 < e <= 16, else d.ddde±XX.
func pyFloat(f float64) string {
	switch {
	case f != f:
		return "nan"
	case f > 1.7976931348623157e308:
		return "inf"
	case f < -1.7976931348623157e308:
		return "-inf"
	}
	e := strconv.FormatFloat(f, 'e', -1, 64) // -d.ddde±XX
	neg := strings.HasPrefix(e, "-")
	e = strings.TrimPrefix(e, "-")
	mant, exp, _ := strings.Cut(e, "e")
	x, _ := strconv.Atoi(exp)
	digits := strings.Replace(mant, ".", "", 1)
	decpt := x + 1 // the point sits after this many digits
	var s string
	switch {
	case decpt > 16 || decpt <= -4:
		m := digits[:1]
		if len(digits) > 1 {
			m += "." + digits[1:]
		}
		sign := "+"
		if x < 0 {
			sign, x = "-", -x
		}
		xs := strconv.Itoa(x)
		if len(xs) < 2 {
			xs = "0" + xs
		}
		s = m + "e" + sign + xs
	case decpt <= 0:
		s = "0." + strings.Repeat("0", -decpt) + digits
	case decpt >= len(digits):
		s = digits + strings.Repeat("0", decpt-len(digits)) + ".0"
	default:
		s = digits[:decpt] + "." + digits[decpt:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

const hexDigits = "0123456789abcdef"

// pyStr is repr(str) of WTF-8 text (read as the JSON writer reads it).
func pyStr(s string) string {
	q := byte('\'')
	if strings.IndexByte(s, '\'') >= 0 && strings.IndexByte(s, '"') < 0 {
		q = '"'
	}
	b := []byte{q}
	for i := 0; i < len(s); {
		r, size := jsonw.DecodeRune(s[i:])
		i += size
		switch {
		case r == rune(q) || r == '\\':
			b = append(b, '\\', byte(r))
		case r == '\t':
			b = append(b, '\\', 't')
		case r == '\n':
			b = append(b, '\\', 'n')
		case r == '\r':
			b = append(b, '\\', 'r')
		case r < ' ' || r == 0x7f:
			b = append(b, '\\', 'x', hexDigits[r>>4], hexDigits[r&15])
		case r < 0x7f:
			b = append(b, byte(r))
		case unicode.IsPrint(r) && !(r >= 0xd800 && r <= 0xdfff):
			b = appendWTF8(b, r)
		case r <= 0xff:
			b = append(b, '\\', 'x', hexDigits[r>>4], hexDigits[r&15])
		case r <= 0xffff:
			b = append(b, '\\', 'u', hexDigits[r>>12&15], hexDigits[r>>8&15], hexDigits[r>>4&15], hexDigits[r&15])
		default:
			b = append(b, '\\', 'U')
			for sh := 28; sh >= 0; sh -= 4 {
				b = append(b, hexDigits[r>>sh&15])
			}
		}
	}
	return string(append(b, q))
}

// pyLatin1 is repr of bytes read as Latin-1 text (pickletools shows
// Python 2 strings so).
func pyLatin1(s []byte) string {
	b := make([]byte, 0, len(s))
	for _, c := range s {
		b = appendWTF8(b, rune(c))
	}
	return pyStr(string(b))
}

// pyBytes is repr(bytes).
func pyBytes(s []byte) string {
	q := byte('\'')
	if indexByte(s, '\'') >= 0 && indexByte(s, '"') < 0 {
		q = '"'
	}
	b := []byte{'b', q}
	for _, c := range s {
		switch {
		case c == q || c == '\\':
			b = append(b, '\\', c)
		case c == '\t':
			b = append(b, '\\', 't')
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\r':
			b = append(b, '\\', 'r')
		case c < ' ' || c >= 0x7f:
			b = append(b, '\\', 'x', hexDigits[c>>4], hexDigits[c&15])
		default:
			b = append(b, c)
		}
	}
	return string(append(b, q))
}

func indexByte(s []byte, c byte) int {
	for i, x := range s {
		if x == c {
			return i
		}
	}
	return -1
}
