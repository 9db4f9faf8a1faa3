package format

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
)

// DefaultMaxDecoded bounds what a gzip view decompresses, so a small
// compressed value cannot fill memory (a "zip bomb").
const DefaultMaxDecoded = 16 << 20

// base64Alphabet marks the bytes of the standard and URL-safe alphabets.
var base64Alphabet = func() (t [256]bool) {
	for _, c := range "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_" {
		t[c] = true
	}
	return t
}()

// looksLikeBase64 reports whether b is padded base64 of at least 16
// characters: its length a multiple of 4, its first sniffBytes in the
// alphabet, and '=' only as the last one or two characters.
func looksLikeBase64(b []byte) bool {
	if len(b) < 16 || len(b)%4 != 0 {
		return false
	}
	body := bytes.TrimRight(b, "=")
	if len(b)-len(body) > 2 {
		return false
	}
	head := body[:min(len(body), sniffBytes)]
	tail := body[max(len(body)-4, 0):]
	for _, part := range [][]byte{head, tail} {
		for _, c := range part {
			if !base64Alphabet[c] {
				return false
			}
		}
	}
	return true
}

// decodeBase64 decodes standard or URL-safe base64, padded or not, ignoring
// line breaks (MIME wraps base64 at 76 columns).
func decodeBase64(b []byte) ([]byte, error) {
	clean := bytes.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\r', '\n':
			return -1
		}
		return r
	}, b)
	var firstErr error
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		out := make([]byte, enc.DecodedLen(len(clean)))
		n, err := enc.Decode(out, clean)
		if err == nil {
			return out[:n], nil
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	return nil, fmt.Errorf("not base64: %w", firstErr)
}

// gunzip decompresses b up to limit bytes. cut reports that the output was
// longer and was cut at limit. With partial (b is a prefix of the stored
// value), a stream that ends early is not an error: what it held is shown.
func gunzip(b []byte, limit int64, partial bool) (out []byte, cut bool, err error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, false, fmt.Errorf("not gzip data: %w", err)
	}
	defer zr.Close()
	var buf bytes.Buffer
	n, err := buf.ReadFrom(io.LimitReader(zr, limit+1))
	if err != nil && !(partial && errors.Is(err, io.ErrUnexpectedEOF)) {
		return nil, false, fmt.Errorf("gzip data is damaged after %s of output: %w", HumanBytes(n), err)
	}
	out = buf.Bytes()
	if int64(len(out)) > limit {
		return out[:limit], true, nil
	}
	return out, false, nil
}
