package javaser

import (
	"encoding/binary"
	"fmt"
	"math"
)

// reader reads the stream's big-endian primitives. Every length is
// checked against the bytes that remain before anything is sliced.
type reader struct {
	b   []byte
	pos int
}

// damage is a stream error at an offset; short says the stream ended
// early (a prefix shows what it held).
type damage struct {
	pos   int
	msg   string
	short bool
}

func (d *damage) Error() string {
	if d.short {
		return fmt.Sprintf("Java serialization stream ends early at offset %d: %s", d.pos, d.msg)
	}
	return fmt.Sprintf("Java serialization stream is damaged at offset %d: %s", d.pos, d.msg)
}

func (r *reader) damaged(format string, args ...any) error {
	return &damage{pos: r.pos, msg: fmt.Sprintf(format, args...)}
}

func (r *reader) short(what string) error {
	return &damage{pos: r.pos, msg: what + " is cut off", short: true}
}

func (r *reader) left() int { return len(r.b) - r.pos }

func (r *reader) take(n int, what string) ([]byte, error) {
	if n < 0 || n > r.left() {
		return nil, r.short(what)
	}
	v := r.b[r.pos : r.pos+n]
	r.pos += n
	return v, nil
}

func (r *reader) u8(what string) (byte, error) {
	v, err := r.take(1, what)
	if err != nil {
		return 0, err
	}
	return v[0], nil
}

func (r *reader) peek() (byte, bool) {
	if r.pos >= len(r.b) {
		return 0, false
	}
	return r.b[r.pos], true
}

func (r *reader) u16(what string) (uint16, error) {
	v, err := r.take(2, what)
	if err != nil {
		return 0, err
	}
	return binary.BigEndian.Uint16(v), nil
}

func (r *reader) i32(what string) (int32, error) {
	v, err := r.take(4, what)
	if err != nil {
		return 0, err
	}
	return int32(binary.BigEndian.Uint32(v)), nil
}

func (r *reader) i64(what string) (int64, error) {
	v, err := r.take(8, what)
	if err != nil {
		return 0, err
	}
	return int64(binary.BigEndian.Uint64(v)), nil
}

func (r *reader) f32(what string) (float64, error) {
	v, err := r.take(4, what)
	if err != nil {
		return 0, err
	}
	return float64(math.Float32frombits(binary.BigEndian.Uint32(v))), nil
}

func (r *reader) f64(what string) (float64, error) {
	v, err := r.take(8, what)
	if err != nil {
		return 0, err
	}
	return math.Float64frombits(binary.BigEndian.Uint64(v)), nil
}

// utf reads writeUTF's form: a 2-byte length and modified UTF-8.
func (r *reader) utf(what string) (string, error) {
	n, err := r.u16(what)
	if err != nil {
		return "", err
	}
	v, err := r.take(int(n), what)
	if err != nil {
		return "", err
	}
	return mutf8(v), nil
}

// longUTF reads TC_LONGSTRING's form: an 8-byte length and modified UTF-8.
func (r *reader) longUTF(what string) (string, error) {
	n, err := r.i64(what)
	if err != nil {
		return "", err
	}
	if n < 0 || n > int64(r.left()) {
		if n < 0 || n > 1<<40 {
			return "", r.damaged("%s declares %d bytes, more than any value holds", what, uint64(n))
		}
		return "", r.short(what)
	}
	v, _ := r.take(int(n), what)
	return mutf8(v), nil
}
