package compress

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/kvdeck/kvdeck/ui/format/codec"
	"github.com/pierrec/lz4/v4"
)

// LZ4 decodes the LZ4 frame format (magic 04 22 4D 18, and the legacy
// frame 02 21 4C 18 that lz4 -l writes) with github.com/pierrec/lz4/v4,
// and the raw block format behind a 4-byte little-endian size (python's
// lz4.block.compress default, and others): Detail "frame", "legacy",
// "block".
var LZ4 = codec.Codec{
	Name:   "lz4",
	Sniff:  sniffLZ4,
	Try:    tryLZ4,
	Decode: decodeLZ4,
	Encode: encodeLZ4,
}

const (
	lz4Magic       = 0x184D2204
	lz4LegacyMagic = 0x184C2102
)

// lz4Params is what Encode keeps of the original frame: leading skippable
// frames, the block size and the checksum and content-size flags, read
// from the frame descriptor (by hand: pierrec/lz4 keeps it internal).
type lz4Params struct {
	variant       string // "frame", "legacy", "block"
	prefix        []byte
	blockSize     lz4.BlockSize
	blockChecksum bool
	checksum      bool
	contentSize   bool
}

// lz4Descriptor reads the FLG and BD bytes after a frame's magic.
func lz4Descriptor(flg, bd byte) (p lz4Params, ok bool) {
	if flg>>6 != 1 || flg&0x02 != 0 || bd&0x8F != 0 {
		return p, false
	}
	idx := bd >> 4 & 7
	if idx < 4 {
		return p, false
	}
	p.variant = "frame"
	p.blockSize = lz4.BlockSize(1 << (8 + 2*uint(idx)))
	p.blockChecksum = flg&0x10 != 0
	p.contentSize = flg&0x08 != 0
	p.checksum = flg&0x04 != 0
	return p, true
}

func sniffLZ4(b []byte) bool {
	rest, _, ended := skipSkippable(b)
	if ended {
		return len(rest) > 0 && bytes.HasPrefix([]byte{0x04, 0x22, 0x4D, 0x18}, rest)
	}
	switch binary.LittleEndian.Uint32(rest) {
	case lz4Magic:
		if len(rest) < 6 {
			return true
		}
		_, ok := lz4Descriptor(rest[4], rest[5])
		return ok
	case lz4LegacyMagic:
		return true
	}
	return sniffLZ4Block(b)
}

func tryLZ4(b []byte) bool {
	return sniffLZ4(b) || tryLZ4Block(b)
}

func decodeLZ4(b []byte, limit int64, partial bool) (codec.Decoded, error) {
	rest, skip, _ := skipSkippable(b)
	isFrame := len(rest) >= 4 && (binary.LittleEndian.Uint32(rest) == lz4Magic || binary.LittleEndian.Uint32(rest) == lz4LegacyMagic)
	if !isFrame && skip == 0 {
		return decodeLZ4Block(b, limit, partial)
	}
	var p lz4Params
	var hint int64
	switch {
	case len(rest) >= 4 && binary.LittleEndian.Uint32(rest) == lz4LegacyMagic:
		p.variant = "legacy"
	case len(rest) >= 6:
		var ok bool
		if p, ok = lz4Descriptor(rest[4], rest[5]); !ok {
			return codec.Decoded{}, errors.New("not lz4 data: the frame descriptor is invalid")
		}
		if p.contentSize && len(rest) >= 14 {
			hint = int64(min(binary.LittleEndian.Uint64(rest[6:]), 1<<62))
		}
	default:
		p.variant = "frame"
	}
	p.prefix = bytes.Clone(b[:skip])

	zr := lz4.NewReader(bytes.NewReader(b))
	if err := zr.Apply(lz4.ConcurrencyOption(1)); err != nil { // no goroutines
		return codec.Decoded{}, fmt.Errorf("lz4: %w", err)
	}
	out, cut, err := readBounded(zr, limit, hint)
	if errors.Is(err, lz4.ErrInvalidFrame) && len(out) == 0 {
		return codec.Decoded{}, fmt.Errorf("not lz4 data: %w", err)
	}
	out, cut, err = finish("lz4", out, cut, err, partial)
	if err != nil {
		return codec.Decoded{}, err
	}
	return codec.Decoded{Out: out, View: codec.Bytes, Cut: cut, Detail: p.variant, Params: p}, nil
}

func encodeLZ4(d codec.Decoded, edited []byte) ([]byte, error) {
	p, _ := d.Params.(lz4Params)
	if p.variant == "block" {
		return encodeLZ4Block(edited), nil
	}
	buf := bytes.NewBuffer(bytes.Clone(p.prefix))
	zw := lz4.NewWriter(buf)
	opts := []lz4.Option{lz4.ConcurrencyOption(1)}
	if p.variant == "legacy" {
		opts = append(opts, lz4.LegacyOption(true))
	} else {
		if p.blockSize != 0 {
			opts = append(opts, lz4.BlockSizeOption(p.blockSize))
		}
		opts = append(opts, lz4.BlockChecksumOption(p.blockChecksum), lz4.ChecksumOption(p.checksum))
		if p.contentSize {
			// A size of 0 cannot be said: the library takes 0 for "none".
			opts = append(opts, lz4.SizeOption(uint64(len(edited))))
		}
	}
	if err := zw.Apply(opts...); err != nil {
		return nil, fmt.Errorf("lz4: %w", err)
	}
	if _, err := zw.Write(edited); err != nil {
		return nil, fmt.Errorf("lz4: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("lz4: %w", err)
	}
	return buf.Bytes(), nil
}
