package compress

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/kvdeck/kvdeck/ui/format/codec"
	"github.com/pierrec/lz4/v4"
)

// A raw LZ4 block has no magic number and does not say its size; the
// common convention (python's lz4.block.compress with store_size=True, the
// default, and others) puts the uncompressed size before it as 4
// little-endian bytes. That is what is read here.

// lz4MaxRatio bounds what a block of n bytes can decode to: each input
// byte adds at most 255 output bytes (a 255 length-extension byte), so a
// size prefix above it is not a block's.
const lz4MaxRatio = 255

var (
	errLZ4Short   = errors.New("the block ends in the middle of a sequence")
	errLZ4Corrupt = errors.New("the block is damaged")
)

// walkLZ4Block follows an LZ4 block's sequences without the library:
// pierrec/lz4 can only decode a whole block into a buffer of its full
// size, while detection must check a block without allocating its output
// and a cut or partial value must decode its first bytes. Hand-written,
// then, after the block format (lz4_Block_format.md). It writes output
// into dst while it fits (dst may be nil: only checking) and returns how
// many bytes the block decodes to, failing past want.
func walkLZ4Block(src, dst []byte, want uint64) (uint64, error) {
	var pos uint64
	put := func(c byte) {
		if pos < uint64(len(dst)) {
			dst[pos] = c
		}
		pos++
	}
	length := func(i int, n uint64) (int, uint64, error) {
		if n != 15 {
			return i, n, nil
		}
		for {
			if i >= len(src) {
				return i, n, errLZ4Short
			}
			c := src[i]
			i++
			n += uint64(c)
			if n > want {
				return i, n, errLZ4Corrupt
			}
			if c != 255 {
				return i, n, nil
			}
		}
	}
	i := 0
	for {
		if i >= len(src) {
			return pos, errLZ4Short
		}
		token := src[i]
		i++
		var lit uint64
		var err error
		if i, lit, err = length(i, uint64(token>>4)); err != nil {
			return pos, err
		}
		if pos+lit > want {
			return pos, errLZ4Corrupt
		}
		if uint64(len(src)-i) < lit {
			// Copy what is there for a partial value.
			for _, c := range src[i:] {
				put(c)
			}
			return pos, errLZ4Short
		}
		if pos < uint64(len(dst)) {
			copy(dst[pos:], src[i:i+int(lit)])
		}
		pos += lit
		i += int(lit)
		if i == len(src) {
			// The last sequence holds literals only.
			return pos, nil
		}
		if len(src)-i < 2 {
			return pos, errLZ4Short
		}
		offset := uint64(binary.LittleEndian.Uint16(src[i:]))
		i += 2
		if offset == 0 || offset > pos {
			return pos, errLZ4Corrupt
		}
		var match uint64
		if i, match, err = length(i, uint64(token&15)); err != nil {
			return pos, err
		}
		match += 4
		if pos+match > want {
			return pos, errLZ4Corrupt
		}
		end := pos + match
		for ; pos < end && pos < uint64(len(dst)); pos++ {
			dst[pos] = dst[pos-offset] // byte by byte: a match may overlap itself
		}
		pos = end
	}
}

// lz4BlockSize reads the size prefix, and whether it is plausible for the
// rest of b (with partial, the rest may be longer than b holds).
func lz4BlockSize(b []byte, partial bool) (uint64, bool) {
	if len(b) < 5 {
		return 0, false
	}
	n := uint64(binary.LittleEndian.Uint32(b))
	return n, partial || n <= lz4MaxRatio*uint64(len(b)-4)
}

// sniffLZ4Block detects a block only when it is all there and decodes
// to exactly the size it states: cheap (one pass, no allocation) and
// rarely fooled, since few other values' first four bytes are their
// length after LZ4 decoding.
func sniffLZ4Block(b []byte) bool {
	n, ok := lz4BlockSize(b, false)
	if !ok || n == 0 {
		return false
	}
	got, err := walkLZ4Block(b[4:], nil, n)
	return err == nil && got == n
}

// tryLZ4Block offers the block format when b could be the start of one:
// b may be a prefix, so a block that ends early is not held against it.
func tryLZ4Block(b []byte) bool {
	n, _ := lz4BlockSize(b, true)
	if len(b) < 5 || n == 0 {
		return false
	}
	got, err := walkLZ4Block(b[4:], nil, n)
	return got > 0 && (err == nil || err == errLZ4Short)
}

func decodeLZ4Block(b []byte, limit int64, partial bool) (codec.Decoded, error) {
	p := lz4Params{variant: "block"}
	n, ok := lz4BlockSize(b, partial)
	if len(b) < 5 {
		if partial {
			return codec.Decoded{Out: []byte{}, View: codec.Bytes, Detail: "block", Params: p}, nil
		}
		return codec.Decoded{}, errors.New("not lz4 data: too short for a size and a block")
	}
	if !ok {
		return codec.Decoded{}, fmt.Errorf("not lz4 data: a %s block cannot hold the %s its first 4 bytes say", size(int64(len(b)-4)), size(int64(n)))
	}
	src := b[4:]
	if n <= uint64(limit) && !partial {
		// The whole block fits the limit: the library decodes it.
		out := make([]byte, n)
		k, err := lz4.UncompressBlock(src, out)
		if err != nil {
			return codec.Decoded{}, fmt.Errorf("not lz4 data: %w", err)
		}
		if uint64(k) != n {
			return codec.Decoded{}, fmt.Errorf("not lz4 data: the block decodes to %s, not the %s it says", size(int64(k)), size(int64(n)))
		}
		return codec.Decoded{Out: out, View: codec.Bytes, Detail: "block", Params: p}, nil
	}
	// Larger than the limit, or a prefix of the value: decode the first
	// bytes by hand (see walkLZ4Block), never allocating beyond limit.
	out := make([]byte, min(n, uint64(max(limit, 0))))
	got, err := walkLZ4Block(src, out, n)
	if partial && (err == errLZ4Short || err == nil && got < n) {
		return codec.Decoded{Out: out[:min(got, uint64(len(out)))], View: codec.Bytes, Cut: got > uint64(len(out)), Detail: "block", Params: p}, nil
	}
	if err != nil {
		return codec.Decoded{}, fmt.Errorf("lz4 block is damaged after %s of output: %w", size(int64(min(got, uint64(len(out))))), err)
	}
	if got != n {
		return codec.Decoded{}, fmt.Errorf("not lz4 data: the block decodes to %s, not the %s it says", size(int64(got)), size(int64(n)))
	}
	return codec.Decoded{Out: out, View: codec.Bytes, Cut: n > uint64(len(out)), Detail: "block", Params: p}, nil
}

// encodeLZ4Block writes the size prefix and one block.
func encodeLZ4Block(edited []byte) []byte {
	dst := make([]byte, 4+lz4.CompressBlockBound(len(edited)))
	binary.LittleEndian.PutUint32(dst, uint32(len(edited)))
	var c lz4.Compressor
	k, err := c.CompressBlock(edited, dst[4:])
	if err != nil || k == 0 {
		// Nothing to compress (empty) or the library declined: a block
		// of one literal run, which every decoder reads.
		return append(dst[:4], lz4Literals(edited)...)
	}
	return dst[:4+k]
}

// lz4Literals writes b as a block holding one literal run (by hand: the
// library has no such call).
func lz4Literals(b []byte) []byte {
	n := len(b)
	out := make([]byte, 0, n+n/255+2)
	if n < 15 {
		out = append(out, byte(n)<<4)
	} else {
		out = append(out, 0xF0)
		for m := n - 15; ; m -= 255 {
			if m < 255 {
				out = append(out, byte(m))
				break
			}
			out = append(out, 255)
		}
	}
	return append(out, b...)
}
