package model

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/kvdeck/kvdeck/ui/format"
)

// The inline editor's text form of a value. A textarea holds lines of
// printable text: it drops control bytes and invalid UTF-8 and turns tabs
// and CR into spaces and newlines. A value with none of those is edited as
// it is. A value with any of them is shown with those bytes escaped (\t,
// \r, \xNN, \uNNNN for C1 controls, bidi and zero-width characters, and a
// literal backslash as \\), and the text is decoded back
// on save, so that every byte the user did not touch comes back as it was.
// Written by hand: the escape set must match exactly what the textarea
// cannot hold, which no library encoding does.

// inlineText returns the editor text for v and whether it is escaped.
func inlineText(v []byte) (string, bool) {
	if !needsInlineEscapes(v) {
		return string(v), false
	}
	return escapeInline(v), true
}

// needsInlineEscapes reports whether the textarea would alter v.
func needsInlineEscapes(v []byte) bool {
	for i := 0; i < len(v); {
		c := v[i]
		if c < utf8.RuneSelf {
			if c != '\n' && (c < 0x20 || c == 0x7f) {
				return true
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(v[i:])
		if r == utf8.RuneError || format.UnsafeRune(r) {
			// invalid, or a literal U+FFFD, which the textarea drops too;
			// or a character the terminal would act on or draw as nothing
			// (C1 controls, bidi overrides, zero-width characters)
			return true
		}
		i += size
	}
	return false
}

// inlineLine is inlineText for a one-line input, a key name: a newline,
// which a one-line input cannot hold either, is escaped too. The rename
// dialog started from the name as the input kept it, without its control
// bytes, so enter on an untouched name renamed the key to another name.
func inlineLine(v []byte) (string, bool) {
	if !needsInlineEscapes(v) && !bytes.ContainsRune(v, '\n') {
		return string(v), false
	}
	return strings.ReplaceAll(escapeInline(v), "\n", `\n`), true
}

// escapeInline writes v with the bytes the textarea cannot hold escaped,
// and every backslash doubled.
func escapeInline(v []byte) string {
	var b strings.Builder
	b.Grow(len(v) + 16)
	for i := 0; i < len(v); {
		c := v[i]
		if c < utf8.RuneSelf {
			i++
			switch {
			case c == '\\':
				b.WriteString(`\\`)
			case c == '\t':
				b.WriteString(`\t`)
			case c == '\r':
				b.WriteString(`\r`)
			case c == '\n':
				b.WriteByte('\n')
			case c < 0x20 || c == 0x7f:
				fmt.Fprintf(&b, `\x%02x`, c)
			default:
				b.WriteByte(c)
			}
			continue
		}
		r, size := utf8.DecodeRune(v[i:])
		if r == utf8.RuneError {
			for _, x := range v[i : i+size] {
				fmt.Fprintf(&b, `\x%02x`, x)
			}
		} else if format.UnsafeRune(r) {
			fmt.Fprintf(&b, `\u%04x`, r)
		} else {
			b.Write(v[i : i+size])
		}
		i += size
	}
	return b.String()
}

// fromInline turns the editor's text back into bytes.
func fromInline(text string, escaped bool) ([]byte, error) {
	if !escaped {
		return []byte(text), nil
	}
	out := make([]byte, 0, len(text))
	line := 1
	for i := 0; i < len(text); i++ {
		c := text[i]
		if c == '\n' {
			line++
		}
		if c != '\\' {
			out = append(out, c)
			continue
		}
		if i+1 >= len(text) {
			return nil, fmt.Errorf("line %d: a backslash at the end: write \\\\ for a backslash", line)
		}
		i++
		switch text[i] {
		case '\\':
			out = append(out, '\\')
		case 't':
			out = append(out, '\t')
		case 'r':
			out = append(out, '\r')
		case 'n':
			out = append(out, '\n')
		case 'u':
			if i+4 >= len(text) {
				return nil, fmt.Errorf(`line %d: \u needs four hex digits`, line)
			}
			n, err := strconv.ParseUint(text[i+1:i+5], 16, 32)
			if err != nil {
				return nil, fmt.Errorf(`line %d: \u%s is not a character: \u needs four hex digits`, line, text[i+1:i+5])
			}
			out = utf8.AppendRune(out, rune(n))
			i += 4
		case 'x':
			if i+2 >= len(text) {
				return nil, fmt.Errorf(`line %d: \x needs two hex digits`, line)
			}
			n, err := strconv.ParseUint(text[i+1:i+3], 16, 8)
			if err != nil {
				return nil, fmt.Errorf(`line %d: \x%s is not a byte: \x needs two hex digits`, line, text[i+1:i+3])
			}
			out = append(out, byte(n))
			i += 2
		default:
			return nil, fmt.Errorf(`line %d: \%c is not an escape here: write \\ for a backslash`, line, text[i])
		}
	}
	return out, nil
}
