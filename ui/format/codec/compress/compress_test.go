package compress

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/snappy"
	"github.com/klauspost/compress/zlib"
	"github.com/klauspost/compress/zstd"
	"github.com/kvdeck/kvdeck/ui/format/codec"
	"github.com/pierrec/lz4/v4"
)

const paneLimit = 16 << 20 // the value pane's limit (format.DefaultMaxDecoded)

func TestDecodeLibraryPayloads(t *testing.T) {
	for _, s := range samples(t) {
		t.Run(s.name, func(t *testing.T) {
			d, err := s.codec.Decode(s.value, paneLimit, false)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(d.Out, s.plain) || d.Cut || d.View != codec.Bytes {
				t.Fatalf("decoded %d bytes (cut %v), want the %d compressed", len(d.Out), d.Cut, len(s.plain))
			}
			if d.Detail != s.detail {
				t.Errorf("detail %q, want %q", d.Detail, s.detail)
			}
			if got := s.codec.Sniff(s.value); got != s.sniff {
				t.Errorf("Sniff = %v, want %v", got, s.sniff)
			}
			if !s.sniff && !s.codec.Try(s.value) {
				t.Error("not offered by Try")
			}
			if !s.sniff && !s.codec.Try(s.value[:min(len(s.value), 256)]) {
				t.Error("its first 256 bytes are not offered by Try")
			}
		})
	}
}

// TestSniffRejects: no codec detects plain text, JSON, gzip or another
// codec's values, and the guessing ones (Try) leave text and JSON alone.
func TestSniffRejects(t *testing.T) {
	var gz bytes.Buffer
	w := gzip.NewWriter(&gz)
	w.Write(jsonPayload(50))
	w.Close()
	others := map[string][]byte{
		"text":     []byte("Hello, this is a plain text value stored by a service.\n"),
		"json":     jsonPayload(20),
		"short":    []byte("ok"),
		"number":   []byte("1234567890"),
		"gzip":     gz.Bytes(),
		"msgpack":  msgpackPayload(20),
		"empty":    {},
		"uuid":     []byte("3f2b8c1e-9d4a-4e6b-8f7a-2c1d0e9b8a7f"),
		"base64":   []byte("eyJ1c2VyIjoiYWxpY2UiLCJyb2xlIjoiYWRtaW4ifQ=="),
		"html":     []byte("<!doctype html><html><head><title>x</title></head></html>"),
		"csv-line": []byte("id,name,email\n1,alice,alice@example.com\n"),
	}
	for _, c := range All() {
		for name, v := range others {
			if c.Sniff(v) {
				t.Errorf("%s detects %s", c.Name, name)
			}
			if name != "gzip" && name != "msgpack" && c.Try != nil && c.Try(v) {
				t.Errorf("%s offers itself for %s", c.Name, name)
			}
		}
		for _, s := range samples(t) {
			if s.codec.Name != c.Name && c.Sniff(s.value) {
				t.Errorf("%s detects %s", c.Name, s.name)
			}
		}
	}
}

// zeros streams n zero bytes.
type zeros struct{ n int64 }

func (z *zeros) Read(p []byte) (int, error) {
	if z.n <= 0 {
		return 0, io.EOF
	}
	k := int(min(int64(len(p)), z.n))
	clear(p[:k])
	z.n -= int64(k)
	return k, nil
}

const gigabyte = 1 << 30

func bomb(t *testing.T, newWriter func(io.Writer) io.WriteCloser) []byte {
	var buf bytes.Buffer
	w := newWriter(&buf)
	if _, err := io.CopyBuffer(w, &zeros{gigabyte}, make([]byte, 1<<20)); err != nil {
		t.Fatal(err)
	}
	must(t, w.Close())
	return buf.Bytes()
}

// allocated runs f and says how many bytes it allocated.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestBombs: values that inflate to a gigabyte show the first 16 MiB,
// cut, and decoding them allocates about that, not the gigabyte.
func TestBombs(t *testing.T) {
	bombs := []struct {
		name  string
		codec codec.Codec
		make  func(io.Writer) io.WriteCloser
	}{
		{"zstd", Zstd, func(w io.Writer) io.WriteCloser {
			e, _ := zstd.NewWriter(w, zstd.WithEncoderConcurrency(1), zstd.WithEncoderLevel(zstd.SpeedFastest))
			return e
		}},
		{"lz4", LZ4, func(w io.Writer) io.WriteCloser {
			z := lz4.NewWriter(w)
			z.Apply(lz4.ConcurrencyOption(1))
			return z
		}},
		{"snappy", Snappy, func(w io.Writer) io.WriteCloser { return snappy.NewBufferedWriter(w) }},
		{"brotli", Brotli, func(w io.Writer) io.WriteCloser { return brotli.NewWriterLevel(w, 1) }},
		{"zlib", Zlib, func(w io.Writer) io.WriteCloser {
			z, _ := zlib.NewWriterLevel(w, 9)
			return z
		}},
	}
	for _, b := range bombs {
		t.Run(b.name, func(t *testing.T) {
			value := bomb(t, b.make)
			t.Logf("%s of 1 GiB of zeros: %d bytes", b.name, len(value))
			if !b.codec.Sniff(value) && !b.codec.Try(value) {
				t.Fatal("not detected nor offered")
			}
			var d codec.Decoded
			var err error
			alloc := allocated(func() { d, err = b.codec.Decode(value, paneLimit, false) })
			if err != nil {
				t.Fatal(err)
			}
			if len(d.Out) != paneLimit || !d.Cut {
				t.Fatalf("%d bytes, cut %v: want exactly %d, cut", len(d.Out), d.Cut, paneLimit)
			}
			if bytes.IndexFunc(d.Out, func(r rune) bool { return r != 0 }) >= 0 {
				t.Fatal("the output is not the zeros compressed")
			}
			if alloc > 64<<20 {
				t.Fatalf("decoding allocated %d MiB", alloc>>20)
			}
			t.Logf("decoding allocated %.1f MiB", float64(alloc)/(1<<20))
			if err := codec.RoundTrip(b.codec, value, d, paneLimit); err == nil {
				t.Fatal("a cut value is offered for editing")
			}
		})
	}
}

// TestSizeClaims: a raw snappy or lz4 block whose header says 4 GB is
// refused before anything of that size is allocated.
func TestSizeClaims(t *testing.T) {
	claims := []struct {
		name  string
		codec codec.Codec
		value []byte
	}{
		{"snappy raw", Snappy, append(binary.AppendUvarint(nil, 0xFFFFFFFF), 0x00, 'x', 0xfe, 0x01, 0x00)},
		{"lz4 block", LZ4, append([]byte{0xFF, 0xFF, 0xFF, 0xFF}, 0x1F, 'x', 0x01, 0x00, 0xFF, 0xFF, 0xFF)},
	}
	for _, c := range claims {
		t.Run(c.name, func(t *testing.T) {
			var err error
			alloc := allocated(func() { _, err = c.codec.Decode(c.value, paneLimit, false) })
			if err == nil {
				t.Fatal("decoded")
			}
			t.Log(err)
			if alloc > 1<<20 {
				t.Fatalf("refusing allocated %d bytes", alloc)
			}
			if c.codec.Sniff(c.value) {
				t.Error("detected")
			}
		})
	}
	// A plausible block larger than the limit shows its first bytes, cut.
	big := jsonPayload(20000)
	for _, v := range []struct {
		name  string
		value []byte
		c     codec.Codec
	}{{"lz4 block", lz4BlockOf(t, big), LZ4}, {"snappy raw", snappyRawOf(big), Snappy}} {
		var d codec.Decoded
		var err error
		alloc := allocated(func() { d, err = v.c.Decode(v.value, 1<<20, false) })
		if err != nil {
			t.Fatalf("%s: %v", v.name, err)
		}
		if !d.Cut || !bytes.Equal(d.Out, big[:1<<20]) {
			t.Fatalf("%s: %d bytes cut %v, want the first MiB cut", v.name, len(d.Out), d.Cut)
		}
		if alloc > 2<<20 {
			t.Fatalf("%s: allocated %d bytes for a 1 MiB limit", v.name, alloc)
		}
	}
}

func TestRoundTripAndEdit(t *testing.T) {
	for _, s := range samples(t) {
		t.Run(s.name, func(t *testing.T) {
			d, err := s.codec.Decode(s.value, paneLimit, false)
			must(t, err)
			if err := codec.RoundTrip(s.codec, s.value, d, paneLimit); err != nil {
				t.Fatal(err)
			}
			edited := bytes.Replace(d.Out, []byte("user"), []byte("member"), -1)
			again, err := s.codec.Encode(d, edited)
			must(t, err)
			back, err := s.codec.Decode(again, paneLimit, false)
			must(t, err)
			if !bytes.Equal(back.Out, edited) || back.Cut {
				t.Fatal("the written-back edit decodes to other bytes")
			}
			if back.Detail != d.Detail || s.codec.Sniff(again) != s.sniff {
				t.Fatalf("written back as %q (sniff %v), not %q", back.Detail, s.codec.Sniff(again), d.Detail)
			}
			checkKept(t, s, again)
			// Emptied, the value is still of its format.
			empty, err := s.codec.Encode(d, nil)
			must(t, err)
			if e, err := s.codec.Decode(empty, paneLimit, false); err != nil || len(e.Out) != 0 {
				t.Fatalf("an emptied value: %v, %d bytes", err, len(e.Out))
			}
		})
	}
}

// checkKept: what the original's header said, the edit's says too.
func checkKept(t *testing.T, s sample, again []byte) {
	switch s.codec.Name {
	case "zstd":
		var h0, h1 zstd.Header
		v0, _, _ := skipSkippable(s.value)
		v1, n, _ := skipSkippable(again)
		must(t, h0.Decode(v0))
		must(t, h1.Decode(v1))
		if h0.HasCheckSum != h1.HasCheckSum || h0.HasFCS != h1.HasFCS {
			t.Errorf("checksum %v size %v, was %v %v", h1.HasCheckSum, h1.HasFCS, h0.HasCheckSum, h0.HasFCS)
		}
		if !bytes.Equal(again[:n], s.value[:len(s.value)-len(v0)]) {
			t.Error("the leading skippable frames are not kept")
		}
	case "lz4":
		if s.detail != "frame" {
			return
		}
		v0, _, _ := skipSkippable(s.value)
		v1, _, _ := skipSkippable(again)
		p0, _ := lz4Descriptor(v0[4], v0[5])
		p1, _ := lz4Descriptor(v1[4], v1[5])
		p0.prefix, p1.prefix = nil, nil
		if p0.blockSize != p1.blockSize || p0.blockChecksum != p1.blockChecksum || p0.checksum != p1.checksum || p0.contentSize != p1.contentSize {
			t.Errorf("frame descriptor %+v, was %+v", p1, p0)
		}
	case "zlib":
		if again[1]>>6 != s.value[1]>>6 {
			t.Errorf("FLEVEL %d, was %d", again[1]>>6, s.value[1]>>6)
		}
	}
}

// TestTruncated: a prefix of a value shows what it holds with partial,
// and is an error without.
func TestTruncated(t *testing.T) {
	big := jsonPayload(6000)
	values := []struct {
		name  string
		c     codec.Codec
		value []byte
	}{
		{"zstd", Zstd, zstdStreamOf(t, big)},
		{"lz4 frame", LZ4, lz4FrameOf(t, big, lz4.BlockSizeOption(lz4.Block64Kb))},
		{"lz4 block", LZ4, lz4BlockOf(t, big)},
		{"snappy framed", Snappy, snappyFramedOf(t, big)},
		{"snappy raw", Snappy, snappyRawOf(big)},
		{"brotli", Brotli, brotliOf(t, big, 5)},
		{"zlib", Zlib, zlibOf(t, big, 6)},
		{"deflate", Deflate, deflateOf(t, big, 6)},
	}
	for _, v := range values {
		t.Run(v.name, func(t *testing.T) {
			half := v.value[:len(v.value)*2/3]
			d, err := v.c.Decode(half, paneLimit, true)
			if err != nil {
				t.Fatal(err)
			}
			if len(d.Out) == 0 || len(d.Out) >= len(big) || !bytes.HasPrefix(big, d.Out) {
				t.Fatalf("partial: %d bytes, not a prefix of the %d", len(d.Out), len(big))
			}
			if _, err := v.c.Decode(half, paneLimit, false); err == nil {
				t.Fatal("a truncated value decodes without error")
			} else {
				t.Log(err)
			}
			// A few bytes only: no error with partial either.
			if _, err := v.c.Decode(v.value[:3], paneLimit, true); err != nil {
				t.Errorf("3 bytes: %v", err)
			}
		})
	}
}

func TestCutAtLimit(t *testing.T) {
	for _, s := range samples(t) {
		if len(s.plain) <= 1000 {
			continue
		}
		d, err := s.codec.Decode(s.value, 1000, false)
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if !d.Cut || !bytes.Equal(d.Out, s.plain[:1000]) {
			t.Fatalf("%s: %d bytes, cut %v", s.name, len(d.Out), d.Cut)
		}
		if codec.RoundTrip(s.codec, s.value, d, 1000) == nil {
			t.Fatalf("%s: a cut value is offered for editing", s.name)
		}
	}
}

func TestErrorsInWords(t *testing.T) {
	js := jsonPayload(300)
	damaged := func(b []byte, at int) []byte {
		b = bytes.Clone(b)
		for i := at; i < min(at+40, len(b)); i++ {
			b[i] ^= 0x5a
		}
		return b
	}
	cases := []struct {
		c     codec.Codec
		value []byte
		want  string
	}{
		{Zstd, []byte("plain text, not zstd"), "not zstd data"},
		{Zstd, damaged(zstdOf(t, js, zstd.WithEncoderCRC(true)), 200), "zstd data is damaged after"},
		{LZ4, damaged(lz4FrameOf(t, js), 300), "lz4 data is damaged after"},
		{Snappy, damaged(snappyFramedOf(t, js), 300), "snappy data is damaged after"},
		{Snappy, []byte("plain text"), "not snappy data"},
		{Zlib, []byte("plain text"), "not zlib data"},
		{Zlib, damaged(zlibOf(t, js, 6), 300), "zlib data is damaged after"},
		{Brotli, []byte("plain text value"), "brotli data"},
		{Deflate, []byte{0xff, 0xff, 0xff}, "deflate data"},
	}
	for _, c := range cases {
		_, err := c.c.Decode(c.value, paneLimit, false)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.c.Name, err, c.want)
		}
	}
}
