package compress

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"testing"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/snappy"
	"github.com/klauspost/compress/zlib"
	"github.com/klauspost/compress/zstd"
	"github.com/kvdeck/kvdeck/ui/format/codec"
	"github.com/pierrec/lz4/v4"
)

// jsonPayload is what services compress: a JSON document of n records.
func jsonPayload(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"users":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":%d,"name":"user-%d","email":"user%d@example.com","roles":["reader","writer"],"active":%t,"score":%d.%02d}`,
			i, i, i, i%3 == 0, i*37%1000, i%100)
	}
	b.WriteString(`]}`)
	return b.Bytes()
}

// msgpackPayload is msgpack-ish binary: a map header, short strings with
// their fixstr prefixes, integers.
func msgpackPayload(n int) []byte {
	var b bytes.Buffer
	for i := range n {
		b.Write([]byte{0x83, 0xa2, 'i', 'd', 0xce})
		binary.Write(&b, binary.BigEndian, uint32(i))
		b.Write([]byte{0xa4, 'n', 'a', 'm', 'e', 0xa8})
		fmt.Fprintf(&b, "user%04d", i%10000)
		b.Write([]byte{0xa3, 't', 'a', 'g', 0xc3})
	}
	return b.Bytes()
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func zstdOf(t testing.TB, b []byte, opts ...zstd.EOption) []byte {
	enc, err := zstd.NewWriter(nil, append([]zstd.EOption{zstd.WithEncoderConcurrency(1)}, opts...)...)
	must(t, err)
	defer enc.Close()
	return enc.EncodeAll(b, nil)
}

func zstdStreamOf(t testing.TB, b []byte, opts ...zstd.EOption) []byte {
	var buf bytes.Buffer
	enc, err := zstd.NewWriter(&buf, append([]zstd.EOption{zstd.WithEncoderConcurrency(1)}, opts...)...)
	must(t, err)
	_, err = enc.Write(b)
	must(t, err)
	must(t, enc.Close())
	return buf.Bytes()
}

func lz4FrameOf(t testing.TB, b []byte, opts ...lz4.Option) []byte {
	var buf bytes.Buffer
	w := lz4.NewWriter(&buf)
	must(t, w.Apply(append([]lz4.Option{lz4.ConcurrencyOption(1)}, opts...)...))
	_, err := w.Write(b)
	must(t, err)
	must(t, w.Close())
	return buf.Bytes()
}

// lz4BlockOf is python's lz4.block.compress(b): the size, then the block.
func lz4BlockOf(t testing.TB, b []byte) []byte {
	dst := make([]byte, lz4.CompressBlockBound(len(b)))
	var c lz4.Compressor
	n, err := c.CompressBlock(b, dst)
	must(t, err)
	return append(binary.LittleEndian.AppendUint32(nil, uint32(len(b))), dst[:n]...)
}

func snappyFramedOf(t testing.TB, b []byte) []byte {
	var buf bytes.Buffer
	w := snappy.NewBufferedWriter(&buf)
	_, err := w.Write(b)
	must(t, err)
	must(t, w.Close())
	return buf.Bytes()
}

func snappyRawOf(b []byte) []byte { return snappy.Encode(nil, b) }

func brotliOf(t testing.TB, b []byte, quality int) []byte {
	var buf bytes.Buffer
	w := brotli.NewWriterLevel(&buf, quality)
	_, err := w.Write(b)
	must(t, err)
	must(t, w.Close())
	return buf.Bytes()
}

func zlibOf(t testing.TB, b []byte, level int) []byte {
	var buf bytes.Buffer
	w, err := zlib.NewWriterLevel(&buf, level)
	must(t, err)
	_, err = w.Write(b)
	must(t, err)
	must(t, w.Close())
	return buf.Bytes()
}

func deflateOf(t testing.TB, b []byte, level int) []byte {
	var buf bytes.Buffer
	w, err := flate.NewWriter(&buf, level)
	must(t, err)
	_, err = w.Write(b)
	must(t, err)
	must(t, w.Close())
	return buf.Bytes()
}

// sample is a value made by a codec's library, and what it holds.
type sample struct {
	name   string
	codec  codec.Codec
	value  []byte
	plain  []byte
	detail string
	sniff  bool // detected (Sniff), not only offered (Try)
}

func samples(t testing.TB) []sample {
	js, mp := jsonPayload(300), msgpackPayload(300)
	skippable := append([]byte{0x50, 0x2A, 0x4D, 0x18, 3, 0, 0, 0}, "abc"...)
	return []sample{
		{"zstd", Zstd, zstdOf(t, js), js, "", true},
		{"zstd checksum", Zstd, zstdOf(t, mp, zstd.WithEncoderCRC(true), zstd.WithEncoderLevel(zstd.SpeedBestCompression)), mp, "", true},
		{"zstd stream no size", Zstd, zstdStreamOf(t, js, zstd.WithEncoderCRC(false)), js, "", true},
		{"zstd two frames", Zstd, append(zstdOf(t, js[:100]), zstdOf(t, js[100:])...), js, "", true},
		{"zstd skippable first", Zstd, append(bytes.Clone(skippable), zstdOf(t, js)...), js, "", true},
		{"zstd tiny", Zstd, zstdOf(t, []byte("hi")), []byte("hi"), "", true},
		{"lz4 frame", LZ4, lz4FrameOf(t, js), js, "frame", true},
		{"lz4 frame 64K blocks checksums size", LZ4, lz4FrameOf(t, mp, lz4.BlockSizeOption(lz4.Block64Kb), lz4.BlockChecksumOption(true), lz4.ChecksumOption(true), lz4.SizeOption(uint64(len(mp)))), mp, "frame", true},
		{"lz4 frame no checksum", LZ4, lz4FrameOf(t, js, lz4.ChecksumOption(false), lz4.BlockSizeOption(lz4.Block256Kb)), js, "frame", true},
		{"lz4 legacy", LZ4, lz4FrameOf(t, js, lz4.LegacyOption(true)), js, "legacy", true},
		{"lz4 skippable first", LZ4, append(bytes.Clone(skippable), lz4FrameOf(t, js)...), js, "frame", true},
		{"lz4 block", LZ4, lz4BlockOf(t, js), js, "block", true},
		{"lz4 block msgpack", LZ4, lz4BlockOf(t, mp), mp, "block", true},
		{"snappy framed", Snappy, snappyFramedOf(t, js), js, "framed", true},
		{"snappy framed msgpack", Snappy, snappyFramedOf(t, mp), mp, "framed", true},
		{"snappy raw", Snappy, snappyRawOf(js), js, "raw", false},
		{"snappy raw msgpack", Snappy, snappyRawOf(mp), mp, "raw", false},
		{"brotli q5", Brotli, brotliOf(t, js, 5), js, "", false},
		{"brotli q11", Brotli, brotliOf(t, mp, 11), mp, "", false},
		{"brotli q0", Brotli, brotliOf(t, js, 0), js, "", false},
		{"zlib default", Zlib, zlibOf(t, js, 6), js, "", true},
		{"zlib best", Zlib, zlibOf(t, mp, 9), mp, "", true},
		{"zlib fastest", Zlib, zlibOf(t, js, 1), js, "", true},
		{"deflate", Deflate, deflateOf(t, js, 6), js, "", false},
		{"deflate best", Deflate, deflateOf(t, mp, 9), mp, "", false},
	}
}

func lz4UncompressBlock(src, dst []byte) (int, error) { return lz4.UncompressBlock(src, dst) }

func snappyDecodeStrict(b []byte) ([]byte, error) { return snappy.DecodeStrict(nil, b) }
