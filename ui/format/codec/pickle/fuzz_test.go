package pickle

import (
	"encoding/json"
	"testing"
)

// FuzzPickle: any bytes, any limit, whole or prefix: no panic, Out within
// the limit, valid JSON when it holds something; the disassembly within
// its limit too.
func FuzzPickle(f *testing.F) {
	for _, b := range fixtures(f) {
		f.Add(b, uint16(4096), false)
		f.Add(b, uint16(40), true)
	}
	f.Fuzz(func(t *testing.T, b []byte, limit uint16, partial bool) {
		d, err := Codec.Decode(b, int64(limit), partial)
		if err == nil {
			if len(d.Out) > int(limit) {
				t.Fatalf("Out is %d bytes, limit %d", len(d.Out), limit)
			}
			if len(d.Out) > 0 && !json.Valid(d.Out) {
				t.Fatalf("Out is not JSON: %q", d.Out)
			}
			if len(d.Out) == 0 && !d.Cut {
				t.Fatalf("empty Out without a cut")
			}
		}
		dis, err := Disassembly.Decode(b, int64(limit), partial)
		if err == nil && len(dis.Out) > int(limit) {
			t.Fatalf("disassembly is %d bytes, limit %d", len(dis.Out), limit)
		}
		Codec.Sniff(b)
	})
}
