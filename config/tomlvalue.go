package config

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// TOML text for the values and keys kvdeck writes. kvdeck writes only
// strings, booleans and arrays of strings, so a small encoder that is exact
// about TOML's escapes (which are not Go's: no \x, \a or \v) is simpler than
// going through a marshaller for one value at a time.

// quoteString is s as a TOML basic string.
func quoteString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\b':
			b.WriteString(`\b`)
		case '\t':
			b.WriteString(`\t`)
		case '\n':
			b.WriteString(`\n`)
		case '\f':
			b.WriteString(`\f`)
		case '\r':
			b.WriteString(`\r`)
		default:
			switch {
			case r == utf8.RuneError:
				// Invalid UTF-8 cannot be written in TOML; the
				// replacement character is what a reader would see.
				b.WriteString(`\uFFFD`)
			case r < 0x20 || r == 0x7f:
				fmt.Fprintf(&b, `\u%04X`, r)
			default:
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

// bareKey tells whether k can be written without quotes.
func bareKey(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// quoteKey is k as one part of a TOML key.
func quoteKey(k string) string {
	if bareKey(k) {
		return k
	}
	return quoteString(k)
}

// encodeValue is a known key's value as TOML.
func encodeValue(v any) string {
	switch v := v.(type) {
	case *string:
		return quoteString(*v)
	case *bool:
		if *v {
			return "true"
		}
		return "false"
	case *[]string:
		parts := make([]string, len(*v))
		for i, s := range *v {
			parts[i] = quoteString(s)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	panic(fmt.Sprintf("config: cannot encode %T", v))
}
