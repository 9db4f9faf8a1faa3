package format

import (
	"bytes"
	"unicode/utf8"
)

// Mode is a way of showing a value's bytes: one of the constants below,
// or the Name of a decoder (a codec.Codec of the Decoders in use: "zstd",
// "msgpack", a user's own decoder command).
type Mode string

const (
	// Auto picks a mode from the bytes (see Detect).
	Auto Mode = ""
	// JSON pretty-prints with a two-space indent.
	JSON Mode = "json"
	// Text shows lines with controls escaped.
	Text Mode = "text"
	// Hex is a hex dump: offset, 16 bytes, ASCII column.
	Hex Mode = "hex"
	// Base64 decodes the value and shows the result in its own Auto mode.
	Base64 Mode = "base64"
	// Gzip decompresses the value and shows the result in its own Auto mode.
	Gzip Mode = "gzip"
)

// String is the mode's name as the status bar shows it.
func (m Mode) String() string {
	if m == Auto {
		return "auto"
	}
	return string(m)
}

// ParseMode maps a name such as "json" or "zstd" to its Mode: a built-in
// mode or a decoder of the default Decoders.
func ParseMode(name string) (Mode, bool) {
	switch m := Mode(name); {
	case name == "auto":
		return Auto, true
	case m == JSON, m == Text, m == Hex, m == Base64, m == Gzip:
		return m, true
	case name != "" && Default().Has(m):
		return m, true
	}
	return Auto, false
}

// sniffBytes bounds how much of a value detection looks at, so detecting a
// 10 MB value costs the same as detecting a small one.
const sniffBytes = 64 << 10

// gzipMagic starts every gzip stream (ID1, ID2, CM=deflate).
var gzipMagic = []byte{0x1f, 0x8b, 0x08}

// Detect picks the mode that suits b with the default Decoders; see
// Decoders.Detect.
func Detect(b []byte) Mode { return Default().Detect(b) }

// Available lists the modes that make sense for b, a whole value, with
// the default Decoders; see Decoders.Available.
func Available(b []byte) []Mode { return Default().Available(b, false) }

// Detect picks the mode that suits b: JSON for an object or array (judged
// on its first 64 KB, so a large value costs no more to detect and a
// preview cut from a large JSON value is still JSON), Gzip for gzip data,
// a decoder whose Sniff recognises b (zstd's magic number, a PHP
// serialize() string, a pickle), Text for mostly printable UTF-8, Base64
// when the text is entirely base64 and decodes to something readable, Hex
// for everything else. It never returns Auto.
func (ds *Decoders) Detect(b []byte) Mode {
	return ds.detect(b, 0, false)
}

// detect is Detect for bytes at a nesting depth of decoding; partial says b
// is a prefix of the value, so JSON that ends early still counts.
func (ds *Decoders) detect(b []byte, depth int, partial bool) Mode {
	switch {
	case looksLikeJSON(b, partial):
		return JSON
	case bytes.HasPrefix(b, gzipMagic):
		return Gzip
	}
	if m, ok := ds.sniff(b); ok {
		return m
	}
	switch {
	case !looksLikeText(b):
		return Hex
	case depth < maxNesting && looksLikeBase64(b):
		// Only worth suggesting when the decoded bytes read as something:
		// a hex digest or a long word is base64 alphabet too.
		decoded, err := decodeBase64(b[:min(len(b), sniffBytes)])
		if err == nil {
			if m := ds.detect(decoded, depth+1, false); m != Hex {
				return Base64
			}
		}
	}
	return Text
}

// fallback is what Auto shows when the detected decoder cannot decode b
// after all (its Sniff was wrong): text or hex.
func fallback(b []byte) Mode {
	if looksLikeText(b) {
		return Text
	}
	return Hex
}

// Available lists the modes that make sense for b (partial: a prefix of
// the value), in the order the "switch format" key cycles through them:
// JSON, base64, gzip, the decoders that recognise b or offer to try it
// and then decode it, then Text and Hex, which are always there. It
// decodes, so it runs off the UI path (the value's load command).
func (ds *Decoders) Available(b []byte, partial bool) []Mode {
	var modes []Mode
	if looksLikeJSON(b, false) {
		modes = append(modes, JSON)
	}
	if looksLikeBase64(b) {
		modes = append(modes, Base64)
	}
	if bytes.HasPrefix(b, gzipMagic) {
		modes = append(modes, Gzip)
	}
	modes = append(modes, ds.offered(b, partial)...)
	return append(modes, Text, Hex)
}

// maxNesting bounds base64-in-base64 and gzip-in-base64 decoding.
const maxNesting = 3

// looksLikeJSON reports whether b is a JSON object or array, checking at
// most sniffBytes of it: a prefix that is valid so far counts, and so does
// all of b when it is partial.
func looksLikeJSON(b []byte, partial bool) bool {
	t := bytes.TrimLeft(b, " \t\r\n")
	if len(t) == 0 || (t[0] != '{' && t[0] != '[') {
		return false
	}
	cut := partial || len(b) > sniffBytes
	return validJSON(b[:min(len(b), sniffBytes)], cut)
}

// looksLikeText reports whether b (its first sniffBytes) is UTF-8 of which
// at least three quarters of the runes are printable: text with a few ANSI
// escapes or stray control bytes is still text, shown with them escaped.
func looksLikeText(b []byte) bool {
	b = b[:min(len(b), sniffBytes)]
	runes, controls := 0, 0
	for i := 0; i < len(b); {
		c := b[i]
		if c < utf8.RuneSelf {
			if !asciiSafe[c] && c != '\t' && c != '\n' && c != '\r' {
				controls++
			}
			runes++
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			if !utf8.FullRune(b[i:]) && len(b)-i < utf8.UTFMax {
				break // a rune cut by the sniff bound or a truncated preview
			}
			return false
		}
		if r >= 0x80 && r <= 0x9f {
			controls++
		}
		runes++
		i += size
	}
	return controls*4 <= runes
}
