package local

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Bucket paths.
//
// kvdeck names a bbolt bucket by its path: the names of the buckets from the
// top level down, joined with '/'. A bbolt bucket name is any non-empty byte
// string, so within one segment these bytes are written as %XX (two
// upper-case hex digits):
//
//   - '%' and '/', so that a path has exactly one reading: "a/b" is the
//     bucket b nested in a, "a%2Fb" is one top-level bucket named "a/b", and
//     "a%252F" is a bucket named "a%2F";
//   - control bytes (C0, DEL) and the UTF-8 bytes of C1 controls, so that a
//     name never carries a terminal escape sequence into the screen;
//   - every byte that is not part of valid UTF-8.
//
// Every other byte is kept as it is, so ordinary names ("users", "app/cache")
// read as they always did. Any byte string round-trips: decodePath undoes
// encodeSegment exactly, and a path that is not the canonical encoding of
// some names (a stray '%', "%61" for "a", an empty segment) names no bucket.

const hexDigits = "0123456789ABCDEF"

// encodeSegment writes one bbolt bucket name as a path segment.
func encodeSegment(name []byte) string {
	var b strings.Builder
	b.Grow(len(name))
	for i := 0; i < len(name); {
		r, size := utf8.DecodeRune(name[i:])
		switch {
		case r == utf8.RuneError && size <= 1, r == '%', r == '/', unicode.IsControl(r):
			for _, c := range name[i : i+size] {
				b.WriteByte('%')
				b.WriteByte(hexDigits[c>>4])
				b.WriteByte(hexDigits[c&0xf])
			}
		default:
			b.Write(name[i : i+size])
		}
		i += size
	}
	return b.String()
}

// joinPath names the bucket seg nested in the bucket parent ("" = top level).
func joinPath(parent string, seg []byte) string {
	if parent == "" {
		return encodeSegment(seg)
	}
	return parent + "/" + encodeSegment(seg)
}

// decodePath splits a bucket path into the bbolt bucket names it encodes;
// ok is false when path is not a valid encoding.
func decodePath(path string) (segs [][]byte, ok bool) {
	for _, part := range strings.Split(path, "/") {
		if part == "" {
			return nil, false
		}
		seg := make([]byte, 0, len(part))
		for i := 0; i < len(part); i++ {
			c := part[i]
			if c != '%' {
				seg = append(seg, c)
				continue
			}
			if i+2 >= len(part) {
				return nil, false
			}
			hi, lo := unhex(part[i+1]), unhex(part[i+2])
			if hi < 0 || lo < 0 {
				return nil, false
			}
			seg = append(seg, byte(hi<<4|lo))
			i += 2
		}
		if encodeSegment(seg) != part {
			return nil, false // not canonical ("%61" for "a"): one name, one path
		}
		segs = append(segs, seg)
	}
	return segs, true
}

func unhex(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	}
	return -1
}
