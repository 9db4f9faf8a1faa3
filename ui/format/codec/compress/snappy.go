package compress

import (
	"bytes"
	"fmt"
	"io"

	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/snappy"
	"github.com/kvdeck/kvdeck/ui/format/codec"
)

// Snappy decodes the snappy framing format (stream identifier ff 06 00 00
// "sNaPpY", Detail "framed") and the raw block format (a varint length
// then the block, Detail "raw"; no magic number, so offered by Try only)
// with github.com/klauspost/compress/snappy, which reads both as
// github.com/golang/snappy does.
var Snappy = codec.Codec{
	Name:   "snappy",
	Sniff:  sniffSnappy,
	Try:    trySnappy,
	Decode: decodeSnappy,
	Encode: encodeSnappy,
}

var snappyStreamID = []byte("\xff\x06\x00\x00sNaPpY")

// snappyParams: the variant is all an edit needs to keep.
type snappyParams struct {
	variant string // "framed" or "raw"
}

func sniffSnappy(b []byte) bool {
	return bytes.HasPrefix(b, snappyStreamID)
}

func trySnappy(b []byte) bool {
	return sniffSnappy(b) || tryRawSnappy(b)
}

func decodeSnappy(b []byte, limit int64, partial bool) (codec.Decoded, error) {
	if !bytes.HasPrefix(b, snappyStreamID) {
		if partial && len(b) < len(snappyStreamID) && bytes.HasPrefix(snappyStreamID, b) && len(b) > 0 {
			return codec.Decoded{Out: []byte{}, View: codec.Bytes, Detail: "framed", Params: snappyParams{"framed"}}, nil
		}
		return decodeRawSnappy(b, limit, partial)
	}
	// The reader allocates one chunk (64 KiB of output, its compressed
	// form) whatever the value claims: chunks are bounded by the format.
	src := &endReader{r: bytes.NewReader(b)}
	out, cut, err := readBounded(snappy.NewReader(src), limit, 0)
	if err != nil && partial && src.end {
		// The reader calls a chunk cut short corrupt; when the input
		// ran out, that is where a prefix of the value ends.
		err = nil
	}
	out, cut, err = finish("snappy", out, cut, err, partial)
	if err != nil {
		return codec.Decoded{}, err
	}
	return codec.Decoded{Out: out, View: codec.Bytes, Cut: cut, Detail: "framed", Params: snappyParams{"framed"}}, nil
}

func encodeSnappy(d codec.Decoded, edited []byte) ([]byte, error) {
	p, _ := d.Params.(snappyParams)
	if p.variant == "raw" {
		return snappy.Encode(nil, edited), nil
	}
	var buf bytes.Buffer
	// snappy.NewBufferedWriter, without its goroutines.
	w := s2.NewWriter(&buf, s2.WriterSnappyCompat(), s2.WriterBetterCompression(), s2.WriterConcurrency(1))
	if _, err := w.Write(edited); err != nil {
		return nil, fmt.Errorf("snappy: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("snappy: %w", err)
	}
	if buf.Len() == 0 {
		// The writer writes nothing for nothing; an empty stream is
		// still a stream, its identifier alone.
		return bytes.Clone(snappyStreamID), nil
	}
	return buf.Bytes(), nil
}

// endReader notes whether its reader reached the end.
type endReader struct {
	r   *bytes.Reader
	end bool
}

func (e *endReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err == io.EOF {
		e.end = true
	}
	return n, err
}
