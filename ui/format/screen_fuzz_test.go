package format

import (
	"bytes"
	"compress/gzip"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/klauspost/compress/zstd"
	"github.com/vmihailenco/msgpack/v5"
)

// FuzzDecodedScreen is every decoder as the value pane uses it: any bytes,
// built in every mode the f cycle offers, in a chain where detection
// finds one, and drawn. Whatever a decoder gives, no raw control byte,
// escape sequence or invisible character reaches the screen, and nothing
// panics. The seeds are real payloads of the formats' own libraries and
// languages; the decoders' own targets (FuzzZstd, FuzzMsgpack, …) cover
// their bounds.
func FuzzDecodedScreen(f *testing.F) {
	mp, _ := msgpack.Marshal(map[string]any{"a\x1b[2Jb": []byte("\x1b]52;c;aGk=\x07"), "n": 1.5})
	var gz bytes.Buffer
	w := gzip.NewWriter(&gz)
	w.Write([]byte("\x1b[31mred\x1b[0m\u202e"))
	w.Close()
	zw, _ := zstd.NewWriter(nil)
	f.Add(mp)
	f.Add(gz.Bytes())
	f.Add(zw.EncodeAll(mp, nil))
	for _, path := range []string{"codec/php/testdata/session.sess", "codec/php/testdata/strings.ser", "codec/javaser/testdata/unicode.ser",
		"codec/pickle/testdata/mixed_p0.pickle", "codec/pickle/testdata/mixed_p4.pickle"} {
		f.Add(fixture(f, path))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		opts := Options{MaxDecoded: 64 << 10}
		modes := append([]Mode{Auto}, Available(b)...)
		for _, m := range modes {
			doc, err := Build(b, m, opts)
			if err != nil {
				continue
			}
			for _, line := range doc.Render(0, min(doc.Len(), 400), 80, nil) {
				checkScreenSafe(t, m, line)
			}
			checkScreenSafe(t, m, Escape(doc.Notice())) // the pane escapes it, as it does names
			checkScreenSafe(t, m, Escape(strings.Join(doc.Chain(), " → ")))
		}
	})
}

func checkScreenSafe(t *testing.T, m Mode, s string) {
	t.Helper()
	if !utf8.ValidString(s) {
		t.Fatalf("mode %s: invalid UTF-8 drawn: %q", m, s)
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) || slices.Contains(invisibleOrReordering, r) {
			t.Fatalf("mode %s: %U reaches the screen in %q", m, r, s)
		}
	}
}
