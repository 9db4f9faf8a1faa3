package compress

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/zlib"
	"github.com/kvdeck/kvdeck/ui/format/codec"
)

// Zlib decodes zlib (RFC 1950: a two-byte header, deflate, an Adler-32)
// with github.com/klauspost/compress/zlib.
var Zlib = codec.Codec{
	Name:   "zlib",
	Sniff:  sniffZlib,
	Decode: decodeZlib,
	Encode: encodeZlib,
}

// Deflate decodes raw deflate (RFC 1951, what zlib and gzip wrap; PHP's
// gzdeflate, .NET's DeflateStream) with github.com/klauspost/compress/
// flate. No magic number: offered by Try when the first bytes inflate.
var Deflate = codec.Codec{
	Name:   "deflate",
	Sniff:  func([]byte) bool { return false },
	Try:    tryDeflate,
	Decode: decodeDeflate,
	Encode: encodeDeflate,
}

// deflateParams is the level an edit is written with.
type deflateParams struct {
	level int
}

// sniffZlib checks the header: compression method 8 (deflate) with a
// window of at most 32 KiB, a check value making CMF*256+FLG a multiple
// of 31, and no preset dictionary (which kvdeck could not supply).
func sniffZlib(b []byte) bool {
	if len(b) < 2 {
		return false
	}
	cmf, flg := b[0], b[1]
	return cmf&0x0f == 8 && cmf>>4 <= 7 && (uint(cmf)<<8|uint(flg))%31 == 0 && flg&0x20 == 0
}

// zlibLevel is the level the header's FLEVEL says the compressor used:
// 0 fastest, 1 fast, 2 default, 3 maximum; klauspost/compress/zlib writes
// back the same FLEVEL for each of these.
func zlibLevel(flg byte) int {
	return [4]int{1, 5, 6, 9}[flg>>6]
}

func decodeZlib(b []byte, limit int64, partial bool) (codec.Decoded, error) {
	if len(b) < 2 {
		if partial {
			return codec.Decoded{Out: []byte{}, View: codec.Bytes, Params: deflateParams{6}}, nil
		}
		return codec.Decoded{}, errors.New("not zlib data: too short for a header")
	}
	if !sniffZlib(b) {
		if b[0]&0x0f == 8 && (uint(b[0])<<8|uint(b[1]))%31 == 0 && b[1]&0x20 != 0 {
			return codec.Decoded{}, errors.New("this zlib data needs a preset dictionary, which kvdeck does not have")
		}
		return codec.Decoded{}, errors.New("not zlib data: the header is invalid")
	}
	p := deflateParams{level: zlibLevel(b[1])}
	zr, err := zlib.NewReader(bytes.NewReader(b))
	if err != nil {
		if partial && truncated(err) {
			return codec.Decoded{Out: []byte{}, View: codec.Bytes, Params: p}, nil
		}
		return codec.Decoded{}, fmt.Errorf("not zlib data: %w", err)
	}
	defer zr.Close()
	out, cut, err := readBounded(zr, limit, 0)
	out, cut, err = finish("zlib", out, cut, err, partial)
	if err != nil {
		return codec.Decoded{}, err
	}
	return codec.Decoded{Out: out, View: codec.Bytes, Cut: cut, Params: p}, nil
}

func encodeZlib(d codec.Decoded, edited []byte) ([]byte, error) {
	p, _ := d.Params.(deflateParams)
	var buf bytes.Buffer
	w, err := zlib.NewWriterLevel(&buf, level(p))
	if err != nil {
		return nil, fmt.Errorf("zlib: %w", err)
	}
	return finishWriter("zlib", w, &buf, edited)
}

func tryDeflate(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	in := bytes.NewReader(b[:min(len(b), tryInput)])
	r := flate.NewReader(in) // reads in byte by byte (an io.ByteReader): no read-ahead
	defer r.Close()
	var out [tryOutput]byte
	n := 0
	for n < len(out) {
		k, err := r.Read(out[n:])
		n += k
		switch {
		case err == io.EOF:
			// The stream ended: it must be the whole value, not a
			// stream that happens to end early in other bytes.
			return n > 0 && in.Len() == 0 && len(b) <= tryInput
		case err == io.ErrUnexpectedEOF:
			return n > 0 // the input ran out: a prefix that inflates
		case err != nil:
			return false
		}
	}
	return true // tryOutput bytes inflated without complaint
}

func decodeDeflate(b []byte, limit int64, partial bool) (codec.Decoded, error) {
	p := deflateParams{level: 6}
	if len(b) == 0 && !partial {
		return codec.Decoded{}, errors.New("not deflate data: the value is empty")
	}
	r := flate.NewReader(bytes.NewReader(b))
	defer r.Close()
	out, cut, err := readBounded(r, limit, 0)
	if err != nil && !truncated(err) && len(out) == 0 {
		return codec.Decoded{}, fmt.Errorf("not deflate data: %w", err)
	}
	out, cut, err = finish("deflate", out, cut, err, partial)
	if err != nil {
		return codec.Decoded{}, err
	}
	return codec.Decoded{Out: out, View: codec.Bytes, Cut: cut, Params: p}, nil
}

func encodeDeflate(d codec.Decoded, edited []byte) ([]byte, error) {
	p, _ := d.Params.(deflateParams)
	var buf bytes.Buffer
	w, err := flate.NewWriter(&buf, level(p))
	if err != nil {
		return nil, fmt.Errorf("deflate: %w", err)
	}
	return finishWriter("deflate", w, &buf, edited)
}

func level(p deflateParams) int {
	if p.level < 1 || p.level > 9 {
		return 6
	}
	return p.level
}

func finishWriter(name string, w io.WriteCloser, buf *bytes.Buffer, edited []byte) ([]byte, error) {
	if _, err := w.Write(edited); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return buf.Bytes(), nil
}
