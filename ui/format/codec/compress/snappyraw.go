package compress

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/klauspost/compress/snappy"
	"github.com/kvdeck/kvdeck/ui/format/codec"
)

var (
	errSnappyShort   = errors.New("the block ends in the middle of an element")
	errSnappyCorrupt = errors.New("the block is damaged")
)

// snappyMaxRatio bounds what a raw snappy block of n bytes decodes to: the
// longest copy (64 bytes) takes 3 bytes of input, so no block expands more
// than about 22 times; a length above that is not a block's.
const snappyMaxRatio = 22

// rawSnappyLen reads the varint length, and whether it is plausible for a
// block of the rest of b (with partial, the rest may be longer).
func rawSnappyLen(b []byte, partial bool) (n uint64, header int, ok bool) {
	n, header = binary.Uvarint(b)
	if header <= 0 || header > 5 || n > 0xffffffff {
		return 0, 0, false
	}
	return n, header, partial || n <= snappyMaxRatio*uint64(len(b)-header)+snappyMaxRatio
}

// walkRawSnappy follows a raw snappy block's elements without the
// library, which decodes only whole blocks into a buffer of their full
// size: detection must check a block without allocating its output, and a
// cut or partial value must decode its first bytes. Hand-written after
// snappy's format_description.txt, with the checks of the strict
// (golang/snappy) decoder: a copy's offset is never 0 nor before the
// start. It writes into dst while it fits (nil: only checking) and returns
// how many bytes the block decodes to, failing past want.
func walkRawSnappy(src, dst []byte, want uint64) (uint64, error) {
	var pos uint64
	i := 0
	for i < len(src) {
		tag := src[i]
		var length, offset uint64
		switch tag & 3 {
		case 0: // literal
			length = uint64(tag >> 2)
			i++
			if length >= 60 {
				extra := int(length - 59)
				if len(src)-i < extra {
					return pos, errSnappyShort
				}
				length = 0
				for k := extra - 1; k >= 0; k-- {
					length = length<<8 | uint64(src[i+k])
				}
				i += extra
			}
			length++
			if pos+length > want {
				return pos, errSnappyCorrupt
			}
			avail := min(length, uint64(len(src)-i))
			if pos < uint64(len(dst)) {
				copy(dst[pos:], src[i:i+int(avail)])
			}
			pos += avail
			i += int(avail)
			if avail < length {
				return pos, errSnappyShort
			}
			continue
		case 1:
			if len(src)-i < 2 {
				return pos, errSnappyShort
			}
			length = 4 + uint64(tag>>2&7)
			offset = uint64(tag&0xe0)<<3 | uint64(src[i+1])
			i += 2
		case 2:
			if len(src)-i < 3 {
				return pos, errSnappyShort
			}
			length = 1 + uint64(tag>>2)
			offset = uint64(binary.LittleEndian.Uint16(src[i+1:]))
			i += 3
		case 3:
			if len(src)-i < 5 {
				return pos, errSnappyShort
			}
			length = 1 + uint64(tag>>2)
			offset = uint64(binary.LittleEndian.Uint32(src[i+1:]))
			i += 5
		}
		if offset == 0 || offset > pos || pos+length > want {
			return pos, errSnappyCorrupt
		}
		end := pos + length
		for ; pos < end && pos < uint64(len(dst)); pos++ {
			dst[pos] = dst[pos-offset] // byte by byte: a copy may overlap itself
		}
		pos = end
	}
	return pos, nil
}

// tryRawSnappy offers raw snappy when the block decodes without
// contradicting its length as far as b (maybe a prefix) goes. Nothing that
// grows with b is allocated.
func tryRawSnappy(b []byte) bool {
	n, h, ok := rawSnappyLen(b, true) // b may be a prefix: any length may be right
	if !ok || len(b) == h || n == 0 {
		return false
	}
	got, err := walkRawSnappy(b[h:], nil, n)
	return got > 0 && (err == nil || err == errSnappyShort)
}

func decodeRawSnappy(b []byte, limit int64, partial bool) (codec.Decoded, error) {
	p := snappyParams{"raw"}
	n, h, ok := rawSnappyLen(b, partial)
	if h == 0 {
		if partial && len(b) < 5 {
			return codec.Decoded{Out: []byte{}, View: codec.Bytes, Detail: "raw", Params: p}, nil
		}
		return codec.Decoded{}, errors.New("not snappy data: it starts with neither a stream identifier nor a length")
	}
	if !ok {
		return codec.Decoded{}, fmt.Errorf("not snappy data: a %s block cannot hold the %s its length says", size(int64(len(b)-h)), size(int64(n)))
	}
	src := b[h:]
	if n <= uint64(limit) && !partial {
		// The whole block fits the limit: the library decodes it.
		out, err := snappy.DecodeStrict(make([]byte, n), b)
		if err != nil {
			return codec.Decoded{}, fmt.Errorf("not snappy data: %w", err)
		}
		return codec.Decoded{Out: out, View: codec.Bytes, Detail: "raw", Params: p}, nil
	}
	// Larger than the limit, or a prefix of the value: decode the first
	// bytes by hand (see walkRawSnappy), never allocating beyond limit.
	out := make([]byte, min(n, uint64(max(limit, 0))))
	got, err := walkRawSnappy(src, out, n)
	if err == errSnappyShort && partial || err == nil && partial && got < n {
		return codec.Decoded{Out: out[:min(got, uint64(len(out)))], View: codec.Bytes, Cut: got > uint64(len(out)), Detail: "raw", Params: p}, nil
	}
	if err != nil {
		return codec.Decoded{}, fmt.Errorf("snappy data is damaged after %s of output: %w", size(int64(min(got, uint64(len(out))))), err)
	}
	if got != n {
		return codec.Decoded{}, fmt.Errorf("not snappy data: the block decodes to %s, not the %s it says", size(int64(got)), size(int64(n)))
	}
	return codec.Decoded{Out: out, View: codec.Bytes, Cut: n > uint64(len(out)), Detail: "raw", Params: p}, nil
}
