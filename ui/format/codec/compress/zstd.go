package compress

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/klauspost/compress/zstd"
	"github.com/kvdeck/kvdeck/ui/format/codec"
)

// Zstd decodes zstd (RFC 8878) with github.com/klauspost/compress/zstd:
// one or more frames, skippable frames included.
var Zstd = codec.Codec{
	Name:   "zstd",
	Sniff:  sniffZstd,
	Decode: decodeZstd,
	Encode: encodeZstd,
}

const zstdMagic = 0xFD2FB528

// zstdParams is what Encode keeps of the original: the skippable frames
// before the first data frame (metadata the service put there), whether
// its frame carried a content checksum and said its content size.
type zstdParams struct {
	prefix      []byte
	checksum    bool
	contentSize bool
}

// Window bounds. A frame's window is memory the decoder allocates before
// writing a byte, whatever the limit, so it is bounded by the limit — but
// not below the 8 MiB window zstd's levels up to 19 write, so that the
// first limit bytes of any ordinary frame can be shown — and never above
// the 128 MiB of zstd --long (a hostile header could claim terabytes).
const (
	zstdMinWindow = 8 << 20
	zstdMaxWindow = 128 << 20
)

func sniffZstd(b []byte) bool {
	rest, n, ended := skipSkippable(b)
	if ended {
		// Only skippable frames seen: zstd writes those far more often
		// than lz4 does.
		return n > 0 || (len(rest) > 0 && bytes.HasPrefix([]byte{0x28, 0xB5, 0x2F, 0xFD}, rest))
	}
	if binary.LittleEndian.Uint32(rest) != zstdMagic {
		return false
	}
	// The frame header descriptor's reserved bit must be clear.
	return len(rest) < 5 || rest[4]&0x08 == 0
}

func decodeZstd(b []byte, limit int64, partial bool) (codec.Decoded, error) {
	rest, skip, _ := skipSkippable(b)
	var p zstdParams
	p.prefix = bytes.Clone(b[:skip])
	var hint int64
	if len(rest) > 0 {
		var h zstd.Header
		if err := h.Decode(rest); err != nil {
			if partial && truncated(err) {
				return codec.Decoded{Out: []byte{}, View: codec.Bytes, Params: p}, nil
			}
			return codec.Decoded{}, fmt.Errorf("not zstd data: %w", err)
		}
		if h.DictionaryID != 0 {
			return codec.Decoded{}, fmt.Errorf("this zstd data needs dictionary %d, which kvdeck does not have", h.DictionaryID)
		}
		p.checksum = h.HasCheckSum
		p.contentSize = h.HasFCS
		if h.HasFCS && h.FrameContentSize < 1<<62 {
			hint = int64(h.FrameContentSize)
		}
	} else if skip == 0 && !partial {
		return codec.Decoded{}, errors.New("not zstd data: the value is empty")
	}

	window := uint64(min(max(limit, zstdMinWindow), zstdMaxWindow))
	dec, err := zstd.NewReader(bytes.NewReader(b),
		zstd.WithDecoderConcurrency(1), // no goroutines: decoding is synchronous and bounded
		zstd.WithDecoderLowmem(true),
		zstd.WithDecoderMaxWindow(window),
		zstd.WithDecoderMaxMemory(window), // for a stream this also bounds the window
	)
	if err != nil {
		return codec.Decoded{}, fmt.Errorf("zstd: %w", err)
	}
	defer dec.Close()
	out, cut, err := readBounded(dec, limit, hint)
	switch {
	case errors.Is(err, zstd.ErrWindowSizeExceeded), errors.Is(err, zstd.ErrDecoderSizeExceeded):
		return codec.Decoded{}, fmt.Errorf("this zstd data needs more than the %s of memory kvdeck gives it: %w", size(int64(window)), err)
	case errors.Is(err, zstd.ErrUnknownDictionary):
		return codec.Decoded{}, fmt.Errorf("this zstd data needs a dictionary kvdeck does not have: %w", err)
	case errors.Is(err, zstd.ErrMagicMismatch) && len(out) == 0:
		return codec.Decoded{}, fmt.Errorf("not zstd data: %w", err)
	}
	out, cut, err = finish("zstd", out, cut, err, partial)
	if err != nil {
		return codec.Decoded{}, err
	}
	return codec.Decoded{Out: out, View: codec.Bytes, Cut: cut, Params: p}, nil
}

// encodeZstd writes one zstd frame after the original's leading skippable
// frames, with a checksum when the original had one and the content size
// in the header when the original said it (readers that preallocate from
// it, or refuse frames without it, keep working).
func encodeZstd(d codec.Decoded, edited []byte) ([]byte, error) {
	p, _ := d.Params.(zstdParams)
	opts := []zstd.EOption{
		zstd.WithEncoderCRC(p.checksum),
		zstd.WithEncoderConcurrency(1),
		zstd.WithZeroFrames(true), // an empty value is still a frame
	}
	if p.contentSize && len(edited) <= zstdMinWindow {
		// A single-segment frame always says its size; the encoder
		// leaves it out of small multi-segment ones.
		opts = append(opts, zstd.WithSingleSegment(true))
	}
	dst := bytes.Clone(p.prefix)
	if p.contentSize {
		enc, err := zstd.NewWriter(nil, opts...)
		if err != nil {
			return nil, fmt.Errorf("zstd: %w", err)
		}
		defer enc.Close()
		return enc.EncodeAll(edited, dst), nil
	}
	// The streaming writer leaves the size out of the header.
	buf := bytes.NewBuffer(dst)
	enc, err := zstd.NewWriter(buf, opts...)
	if err != nil {
		return nil, fmt.Errorf("zstd: %w", err)
	}
	if _, err := enc.Write(edited); err != nil {
		enc.Close()
		return nil, fmt.Errorf("zstd: %w", err)
	}
	// Flushing before Close writes the streaming header: a Close with
	// everything still buffered writes a whole frame, size included.
	if err := enc.Flush(); err != nil {
		enc.Close()
		return nil, fmt.Errorf("zstd: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("zstd: %w", err)
	}
	return buf.Bytes(), nil
}
