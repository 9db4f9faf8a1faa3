package compress

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/andybalholm/brotli"
	"github.com/kvdeck/kvdeck/ui/format/codec"
)

// Brotli decodes brotli (RFC 7932) with github.com/andybalholm/brotli. It
// has no magic number: never detected, offered by Try when the value's
// first bytes decode.
var Brotli = codec.Codec{
	Name:   "brotli",
	Sniff:  func([]byte) bool { return false },
	Try:    tryBrotli,
	Decode: decodeBrotli,
	Encode: encodeBrotli,
}

// brotliQuality is what an edit is written with: the library's default,
// a fair ratio at a speed an editor does not wait on (11 is several
// times slower for values of megabytes).
const brotliQuality = brotli.DefaultCompression

// Try's bounds: the first tryInput bytes of the value are decoded to at
// most tryOutput bytes.
const (
	tryInput  = 1 << 10
	tryOutput = 4 << 10
)

// brotliParams keeps the stream's window size (its first bits), so that
// the edit needs no more memory from its readers than the original did.
type brotliParams struct {
	lgwin int
}

// brotliWindow reads WBITS, the window size at the stream's start (by
// hand: the library reads it but keeps it to itself). RFC 7932 9.1.
func brotliWindow(b []byte) int {
	if len(b) == 0 {
		return 22
	}
	c := b[0]
	if c&1 == 0 {
		return 16
	}
	if n := c >> 1 & 7; n != 0 {
		return 17 + int(n)
	}
	if n := c >> 4 & 7; n != 0 {
		return 8 + int(n) // n == 1 is the large-window marker, refused by the reader
	}
	return 17
}

func tryBrotli(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	in := b[:min(len(b), tryInput)]
	r := brotli.NewReader(bytes.NewReader(in))
	var out [tryOutput]byte
	n, err := io.ReadFull(r, out[:])
	switch {
	case err == nil:
		return true // tryOutput bytes decoded without complaint
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		// The input ran out (it is a prefix) or the stream ended: a
		// stream that ends cleanly must have used all of the value.
		if len(in) < len(b) {
			return n > 0
		}
		return n > 0 || err == io.EOF
	}
	return false
}

func decodeBrotli(b []byte, limit int64, partial bool) (codec.Decoded, error) {
	p := brotliParams{lgwin: brotliWindow(b)}
	if len(b) == 0 && !partial {
		return codec.Decoded{}, errors.New("not brotli data: the value is empty")
	}
	// The reader's ring buffer grows with the output up to the stream's
	// window (16 MiB at most: the large-window extension is off).
	out, cut, err := readBounded(brotli.NewReader(bytes.NewReader(b)), limit, 0)
	if err != nil && !truncated(err) && len(out) == 0 {
		return codec.Decoded{}, fmt.Errorf("not brotli data: %w", err)
	}
	out, cut, err = finish("brotli", out, cut, err, partial)
	if err != nil {
		return codec.Decoded{}, err
	}
	return codec.Decoded{Out: out, View: codec.Bytes, Cut: cut, Params: p}, nil
}

func encodeBrotli(d codec.Decoded, edited []byte) ([]byte, error) {
	p, _ := d.Params.(brotliParams)
	lgwin := p.lgwin
	if lgwin < 10 || lgwin > 24 {
		lgwin = 22
	}
	var buf bytes.Buffer
	w := brotli.NewWriterOptions(&buf, brotli.WriterOptions{Quality: brotliQuality, LGWin: lgwin})
	if _, err := w.Write(edited); err != nil {
		return nil, fmt.Errorf("brotli: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("brotli: %w", err)
	}
	return buf.Bytes(), nil
}
