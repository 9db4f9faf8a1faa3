package pickle

import (
	"strconv"
	"unicode/utf8"
)

// The text decodings of protocol 0's opcodes, done here rather than by a
// codec library because they must accept what Python accepts (surrogates
// included) without failing on the odd byte.

// escapeDecode undoes Python's bytes escapes (codecs.escape_decode), as
// the STRING opcode's argument holds them: \\ \' \" \a \b \f \n \r \t \v,
// \ooo, \xhh and a backslash-newline; another escape stays as written.
func escapeDecode(s []byte) []byte {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 >= len(s) {
			out = append(out, c)
			continue
		}
		i++
		switch e := s[i]; e {
		case '\\', '\'', '"':
			out = append(out, e)
		case 'a':
			out = append(out, 7)
		case 'b':
			out = append(out, 8)
		case 'f':
			out = append(out, 12)
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'v':
			out = append(out, 11)
		case '\n':
		case 'x':
			if i+2 < len(s) {
				if v, err := strconv.ParseUint(string(s[i+1:i+3]), 16, 8); err == nil {
					out = append(out, byte(v))
					i += 2
					continue
				}
			}
			out = append(out, '\\', 'x')
		default:
			if e >= '0' && e <= '7' {
				v, j := 0, i
				for ; j < len(s) && j < i+3 && s[j] >= '0' && s[j] <= '7'; j++ {
					v = v*8 + int(s[j]-'0')
				}
				out = append(out, byte(v))
				i = j - 1
				continue
			}
			out = append(out, '\\', e)
		}
	}
	return out
}

// rawUnicodeDecode decodes the UNICODE opcode's raw-unicode-escape text:
// \uXXXX and \UXXXXXXXX escapes, every other byte a Latin-1 character.
// The result is WTF-8: surrogates stay as Python keeps them.
func rawUnicodeDecode(s []byte) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' && i+1 < len(s) && (s[i+1] == 'u' || s[i+1] == 'U') {
			n := 4
			if s[i+1] == 'U' {
				n = 8
			}
			if i+2+n <= len(s) {
				if v, err := strconv.ParseUint(string(s[i+2:i+2+n]), 16, 32); err == nil {
					out = appendWTF8(out, rune(v))
					i += 1 + n
					continue
				}
			}
		}
		out = utf8.AppendRune(out, rune(c))
	}
	return string(out)
}

// appendWTF8 appends r as UTF-8, a surrogate as its three bytes (which
// utf8.AppendRune would replace), anything past U+10FFFF as U+FFFD.
func appendWTF8(b []byte, r rune) []byte {
	if r >= 0xd800 && r <= 0xdfff {
		return append(b, 0xe0|byte(r>>12), 0x80|byte(r>>6)&0x3f, 0x80|byte(r)&0x3f)
	}
	return utf8.AppendRune(b, r)
}
