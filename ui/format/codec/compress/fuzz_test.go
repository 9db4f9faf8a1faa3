package compress

import (
	"bytes"
	"testing"

	"github.com/kvdeck/kvdeck/ui/format/codec"
)

// fuzzLimit is small so that bombs cost little per run.
const fuzzLimit = 1 << 20

// smallLimit checks Cut against a second decode that stops much earlier.
const smallLimit = 1000

// fuzzCodec asserts what must hold of any input: no panic, Out within the
// limit, Cut meaning the limit was reached, a smaller limit giving a
// prefix of the same output, partial agreeing with whole when the value
// is whole, and an edit written back decoding to what was written.
func fuzzCodec(t *testing.T, c codec.Codec, x []byte) {
	if c.Sniff != nil {
		c.Sniff(x)
	}
	if c.Try != nil {
		c.Try(x)
	}
	d, err := c.Decode(x, fuzzLimit, false)
	p, perr := c.Decode(x, fuzzLimit, true)
	if perr == nil {
		checkBounds(t, c, p, fuzzLimit)
	}
	if err != nil {
		return
	}
	checkBounds(t, c, d, fuzzLimit)
	if perr != nil {
		t.Fatalf("%s: decodes whole but not as a prefix: %v", c.Name, perr)
	}
	if !bytes.Equal(p.Out, d.Out) || p.Cut != d.Cut {
		t.Fatalf("%s: partial decode of a whole value differs: %d bytes cut %v, not %d cut %v", c.Name, len(p.Out), p.Cut, len(d.Out), d.Cut)
	}

	s, err := c.Decode(x, smallLimit, false)
	if err != nil {
		t.Fatalf("%s: decodes with limit %d but not %d: %v", c.Name, fuzzLimit, smallLimit, err)
	}
	checkBounds(t, c, s, smallLimit)
	want := d.Out[:min(len(d.Out), smallLimit)]
	if !bytes.Equal(s.Out, want) {
		t.Fatalf("%s: limit %d gives other bytes than the first of limit %d", c.Name, smallLimit, fuzzLimit)
	}
	if wantCut := len(d.Out) > smallLimit || d.Cut; s.Cut != wantCut {
		t.Fatalf("%s: limit %d: cut %v, want %v (%d bytes at limit %d)", c.Name, smallLimit, s.Cut, wantCut, len(d.Out), fuzzLimit)
	}

	if d.Cut || c.Encode == nil {
		return
	}
	again, err := c.Encode(d, d.Out)
	if err != nil {
		t.Fatalf("%s: cannot encode what it decoded: %v", c.Name, err)
	}
	back, err := c.Decode(again, fuzzLimit, false)
	if err != nil {
		t.Fatalf("%s: its own encoding does not decode: %v", c.Name, err)
	}
	if back.Cut || !bytes.Equal(back.Out, d.Out) {
		t.Fatalf("%s: its own encoding decodes to other bytes", c.Name)
	}
	if back.Detail != d.Detail {
		t.Fatalf("%s: re-encoded %q as %q", c.Name, d.Detail, back.Detail)
	}
	if err := codec.RoundTrip(c, x, d, fuzzLimit); err != nil {
		t.Fatalf("%s: %v", c.Name, err)
	}
}

func checkBounds(t *testing.T, c codec.Codec, d codec.Decoded, limit int) {
	t.Helper()
	if len(d.Out) > limit {
		t.Fatalf("%s: %d bytes of output, over the limit %d", c.Name, len(d.Out), limit)
	}
	if d.Cut && len(d.Out) != limit {
		t.Fatalf("%s: cut at %d bytes, not at the limit %d", c.Name, len(d.Out), limit)
	}
	if d.View != codec.Bytes {
		t.Fatalf("%s: view %v", c.Name, d.View)
	}
}

// seeds adds the samples of the codecs given, whole and cut short.
func seeds(f *testing.F, cs ...codec.Codec) {
	for _, s := range samples(f) {
		for _, c := range cs {
			if s.codec.Name == c.Name {
				f.Add(s.value)
				f.Add(s.value[:len(s.value)/2])
			}
		}
	}
	f.Add([]byte{})
	f.Add([]byte(`{"plain":"json"}`))
}

func FuzzZstd(f *testing.F) {
	seeds(f, Zstd)
	f.Add(zstdOf(f, make([]byte, 3<<20)))
	f.Fuzz(func(t *testing.T, x []byte) { fuzzCodec(t, Zstd, x) })
}

func FuzzLZ4(f *testing.F) {
	seeds(f, LZ4)
	f.Add(lz4FrameOf(f, make([]byte, 3<<20)))
	f.Add(lz4BlockOf(f, make([]byte, 2<<20)))
	f.Fuzz(func(t *testing.T, x []byte) {
		fuzzCodec(t, LZ4, x)
		// The hand-written block walker against the library, on any
		// block it accepts.
		if n, ok := lz4BlockSize(x, false); ok && n <= fuzzLimit {
			walked := make([]byte, n)
			got, err := walkLZ4Block(x[4:], walked, n)
			lib := make([]byte, n)
			k, lerr := lz4UncompressBlock(x[4:], lib)
			if err == nil && got == n {
				if lerr != nil || uint64(k) != n || !bytes.Equal(walked, lib) {
					t.Fatalf("walker decodes a block the library does not (%v, %d of %d)", lerr, k, n)
				}
			}
		}
	})
}

func FuzzSnappy(f *testing.F) {
	seeds(f, Snappy)
	f.Add(snappyFramedOf(f, make([]byte, 3<<20)))
	f.Add(snappyRawOf(make([]byte, 2<<20)))
	f.Fuzz(func(t *testing.T, x []byte) {
		fuzzCodec(t, Snappy, x)
		if n, h, ok := rawSnappyLen(x, false); ok && n <= fuzzLimit {
			walked := make([]byte, n)
			got, err := walkRawSnappy(x[h:], walked, n)
			lib, lerr := snappyDecodeStrict(x)
			if err == nil && got == n {
				if lerr != nil || !bytes.Equal(walked, lib) {
					t.Fatalf("walker decodes a block the library does not (%v)", lerr)
				}
			} else if lerr == nil {
				t.Fatalf("library decodes a block the walker does not (%v, %d of %d)", err, got, n)
			}
		}
	})
}

func FuzzBrotli(f *testing.F) {
	seeds(f, Brotli)
	f.Add(brotliOf(f, make([]byte, 3<<20), 1))
	f.Fuzz(func(t *testing.T, x []byte) { fuzzCodec(t, Brotli, x) })
}

func FuzzDeflate(f *testing.F) {
	seeds(f, Zlib, Deflate)
	f.Add(zlibOf(f, make([]byte, 3<<20), 9))
	f.Add(deflateOf(f, make([]byte, 3<<20), 1))
	f.Fuzz(func(t *testing.T, x []byte) {
		fuzzCodec(t, Zlib, x)
		fuzzCodec(t, Deflate, x)
	})
}
