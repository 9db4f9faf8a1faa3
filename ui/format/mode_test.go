package format

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"math/rand/v2"
	"slices"
	"testing"
)

func gzipped(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func randomBytes(n int) []byte {
	rng := rand.New(rand.NewPCG(7, 8))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}

func b64(b []byte) []byte { return []byte(base64.StdEncoding.EncodeToString(b)) }

func TestDetectAndAvailable(t *testing.T) {
	digest := sha256.Sum256([]byte("x"))
	large := generateUsers(1 << 20)
	largeBroken := append(slices.Clone(large[:len(large)-10]), []byte("}}}}}}}}}}")...)
	cases := []struct {
		name      string
		value     []byte
		detect    Mode
		available []Mode
	}{
		{"object", []byte(`{"theme":"dark","lang":"en"}`), JSON, []Mode{JSON, Text, Hex}},
		{"array with space", []byte("\n  [1, 2, 3]\n"), JSON, []Mode{JSON, Text, Hex}},
		{"large JSON preview cut mid-way", large[:512<<10], JSON, []Mode{JSON, Text, Hex}},
		{"large JSON broken past the sniffed part", largeBroken, JSON, []Mode{JSON, Text, Hex}},
		{"small broken JSON", []byte(`{"a": 1,}`), Text, []Mode{Text, Hex}},
		{"log line in brackets", []byte("[INFO] server started on :8080"), Text, []Mode{Text, Hex}},
		{"JSON scalar", []byte(`42`), Text, []Mode{Text, Hex}},
		{"text", []byte("hello world\nsecond line\n"), Text, []Mode{Text, Hex}},
		{"text with ANSI escapes", []byte("\x1b[31mALERT\x1b[0m disk full on \x1b[1mdb-1\x1b[0m\r\n\x07"), Text, []Mode{Text, Hex}},
		{"empty", nil, Text, []Mode{Text, Hex}},
		{"binary", randomBytes(300), Hex, []Mode{Text, Hex}},
		{"control bytes", []byte{0, 1, 2, 3, 4, 5, 'a', 6, 7}, Hex, []Mode{Text, Hex}},
		{"gzip of JSON", gzipped(t, []byte(`{"a":1}`)), Gzip, []Mode{Gzip, Text, Hex}},
		{"base64 of JSON", b64([]byte(`{"user":"alice","roles":["admin"]}`)), Base64, []Mode{Base64, Text, Hex}},
		{"base64 of text", b64([]byte("this is a secret note")), Base64, []Mode{Base64, Text, Hex}},
		{"base64 of gzip", b64(gzipped(t, []byte("compressed text, encoded"))), Base64, []Mode{Base64, Text, Hex}},
		{"base64 of random bytes", b64(randomBytes(48)), Text, []Mode{Base64, Text, Hex}},
		{"hex digest", []byte(hex.EncodeToString(digest[:])), Text, []Mode{Base64, Text, Hex}},
		{"short base64", b64([]byte("hi")), Text, []Mode{Text, Hex}},
		{"base64 length not a multiple of 4", []byte("dGhpcyBpcyBhIHRlc3Q"), Text, []Mode{Text, Hex}},
	}
	for _, c := range cases {
		if got := Detect(c.value); got != c.detect {
			t.Errorf("%s: Detect = %v, want %v", c.name, got, c.detect)
		}
		avail := Available(c.value)
		if !slices.Equal(avail, c.available) {
			t.Errorf("%s: Available = %v, want %v", c.name, avail, c.available)
		}
		if !slices.Contains(avail, Detect(c.value)) {
			t.Errorf("%s: Available %v lacks the detected mode", c.name, avail)
		}
	}
}

func TestModeNames(t *testing.T) {
	for _, m := range []Mode{Auto, JSON, Text, Hex, Base64, Gzip} {
		got, ok := ParseMode(m.String())
		if !ok || got != m {
			t.Errorf("ParseMode(%q) = %v, %v", m.String(), got, ok)
		}
	}
	if _, ok := ParseMode("yaml"); ok {
		t.Errorf("ParseMode accepted an unknown name")
	}
}
