package compress

import "encoding/binary"

// zstd and lz4 frames may be preceded by skippable frames (magic
// 0x184D2A50..5F, a 4-byte length, that many bytes of user data), the same
// in both formats: services put metadata there. Hand-written: neither
// library exposes where its skippable frames end.

const (
	skippableMagic = 0x184D2A50
	skippableMask  = 0xFFFFFFF0
)

// skipSkippable returns b past the skippable frames it starts with and
// how many bytes they took. ended says b (a prefix of the value, maybe)
// ends inside or right after them, so what follows is unknown.
func skipSkippable(b []byte) (rest []byte, n int, ended bool) {
	for {
		if len(b) < 4 || binary.LittleEndian.Uint32(b)&skippableMask != skippableMagic {
			return b, n, len(b) < 4
		}
		if len(b) < 8 {
			return nil, n + len(b), true
		}
		frame := 8 + uint64(binary.LittleEndian.Uint32(b[4:]))
		if frame > uint64(len(b)) {
			return nil, n + len(b), true
		}
		b = b[frame:]
		n += int(frame)
	}
}
