package javaser

import "unicode/utf8"

// mutf8 decodes Java's modified UTF-8 (DataInput.readUTF) into WTF-8: NUL
// is C0 80, a supplementary character is two three-byte surrogates (here
// joined into one character), and an unpaired surrogate — legal in a Java
// String — is kept as a surrogate code point for the JSON writer to
// escape. A malformed byte becomes U+FFFD rather than an error: the value
// is shown, not validated.
func mutf8(b []byte) string {
	units := make([]rune, 0, len(b))
	for i := 0; i < len(b); {
		c := b[i]
		switch {
		case c < 0x80:
			units = append(units, rune(c))
			i++
		case c&0xe0 == 0xc0 && i+1 < len(b) && b[i+1]&0xc0 == 0x80:
			units = append(units, rune(c&0x1f)<<6|rune(b[i+1]&0x3f))
			i += 2
		case c&0xf0 == 0xe0 && i+2 < len(b) && b[i+1]&0xc0 == 0x80 && b[i+2]&0xc0 == 0x80:
			units = append(units, rune(c&0x0f)<<12|rune(b[i+1]&0x3f)<<6|rune(b[i+2]&0x3f))
			i += 3
		default:
			units = append(units, utf8.RuneError)
			i++
		}
	}
	out := make([]byte, 0, len(b))
	for i := 0; i < len(units); i++ {
		u := units[i]
		if u >= 0xd800 && u < 0xdc00 && i+1 < len(units) && units[i+1] >= 0xdc00 && units[i+1] <= 0xdfff {
			out = utf8.AppendRune(out, 0x10000+(u-0xd800)<<10+(units[i+1]-0xdc00))
			i++
			continue
		}
		out = appendWTF8(out, u)
	}
	return string(out)
}

// appendWTF8 appends r as UTF-8, a surrogate as its three bytes (which
// utf8.AppendRune would replace).
func appendWTF8(b []byte, r rune) []byte {
	if r >= 0xd800 && r <= 0xdfff {
		return append(b, 0xe0|byte(r>>12), 0x80|byte(r>>6)&0x3f, 0x80|byte(r)&0x3f)
	}
	return utf8.AppendRune(b, r)
}
