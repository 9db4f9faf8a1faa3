package pickle

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
)

// instr is one opcode read from the stream with its raw argument. Every
// length in it was checked against the bytes that remain before anything
// was sliced, so a declared length of 2^63 is an error, not an allocation.
type instr struct {
	pos   int // offset of the opcode byte
	code  byte
	op    *opcode
	n     uint64  // argU1, argU2, argU4, argU8
	i     int64   // argI4
	f     float64 // argF8
	data  []byte  // the bytes of argBytes*, argLong*, or the first line
	data2 []byte  // the second line of argStringNLPair
}

// damage is a stream error at an offset. short says the stream ended
// early: a prefix of a longer value (partial) shows what it held.
type damage struct {
	pos   int
	msg   string
	short bool
}

func (d *damage) Error() string {
	if d.short {
		return fmt.Sprintf("pickle ends early at offset %d: %s", d.pos, d.msg)
	}
	return fmt.Sprintf("pickle is damaged at offset %d: %s", d.pos, d.msg)
}

func damaged(pos int, format string, args ...any) error {
	return &damage{pos: pos, msg: fmt.Sprintf(format, args...)}
}

func short(pos int, what string) error {
	return &damage{pos: pos, msg: what + " is cut off", short: true}
}

// next reads the opcode at pos; it returns the instruction and the offset
// after it.
func next(b []byte, pos int) (instr, int, error) {
	if pos >= len(b) {
		return instr{}, pos, short(pos, "the pickle's STOP")
	}
	in := instr{pos: pos, code: b[pos], op: &opcodes[b[pos]]}
	if in.op.name == "" {
		return in, pos, damaged(pos, "byte 0x%02x is no pickle opcode", b[pos])
	}
	p := pos + 1
	rest := b[p:]
	fixed := func(n int) ([]byte, error) {
		if len(rest) < n {
			return nil, short(pos, in.op.name+"'s argument")
		}
		return rest[:n], nil
	}
	counted := func(lenBytes int, n uint64) error {
		// The length is checked against what remains: never trusted.
		if n > uint64(len(rest)-lenBytes) {
			if n > 1<<40 {
				return damaged(pos, "%s declares %d bytes, more than any value holds", in.op.name, n)
			}
			return short(pos, fmt.Sprintf("%s's %d bytes", in.op.name, n))
		}
		in.data = rest[lenBytes : lenBytes+int(n)]
		p += lenBytes + int(n)
		return nil
	}
	line := func(from []byte) ([]byte, error) {
		i := bytes.IndexByte(from, '\n')
		if i < 0 {
			return nil, short(pos, in.op.name+"'s line")
		}
		return from[:i], nil
	}
	switch in.op.arg {
	case argNone:
	case argU1, argU2, argU4, argU8, argI4, argF8:
		size := fixedSize(in.op.arg)
		v, err := fixed(size)
		if err != nil {
			return in, pos, err
		}
		switch in.op.arg {
		case argU1:
			in.n = uint64(v[0])
		case argU2:
			in.n = uint64(binary.LittleEndian.Uint16(v))
		case argU4:
			in.n = uint64(binary.LittleEndian.Uint32(v))
		case argU8:
			in.n = binary.LittleEndian.Uint64(v)
		case argI4:
			in.i = int64(int32(binary.LittleEndian.Uint32(v)))
		case argF8:
			in.f = math.Float64frombits(binary.BigEndian.Uint64(v))
		}
		p += size
	case argBytes1, argLong1:
		if len(rest) < 1 {
			return in, pos, short(pos, in.op.name+"'s length")
		}
		if err := counted(1, uint64(rest[0])); err != nil {
			return in, pos, err
		}
	case argBytes4:
		if len(rest) < 4 {
			return in, pos, short(pos, in.op.name+"'s length")
		}
		if err := counted(4, uint64(binary.LittleEndian.Uint32(rest))); err != nil {
			return in, pos, err
		}
	case argLong4:
		if len(rest) < 4 {
			return in, pos, short(pos, in.op.name+"'s length")
		}
		n := int32(binary.LittleEndian.Uint32(rest))
		if n < 0 {
			return in, pos, damaged(pos, "LONG4 declares a negative length %d", n)
		}
		if err := counted(4, uint64(n)); err != nil {
			return in, pos, err
		}
	case argBytes8:
		if len(rest) < 8 {
			return in, pos, short(pos, in.op.name+"'s length")
		}
		if err := counted(8, binary.LittleEndian.Uint64(rest)); err != nil {
			return in, pos, err
		}
	case argStringNLPair:
		l1, err := line(rest)
		if err != nil {
			return in, pos, err
		}
		l2, err := line(rest[len(l1)+1:])
		if err != nil {
			return in, pos, err
		}
		in.data, in.data2 = l1, l2
		p += len(l1) + len(l2) + 2
	default: // the other newline-ended arguments
		l, err := line(rest)
		if err != nil {
			return in, pos, err
		}
		in.data = l
		p += len(l) + 1
	}
	return in, p, nil
}

// fixedSize is the size of a fixed-width argument.
func fixedSize(k argKind) int {
	switch k {
	case argU1:
		return 1
	case argU2:
		return 2
	case argU4, argI4:
		return 4
	}
	return 8
}
