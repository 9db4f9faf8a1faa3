package javaser

import (
	"encoding/json"
	"testing"
)

// FuzzJava: any bytes, any limit, whole or prefix: no panic, Out within
// the limit, valid JSON when it holds something.
func FuzzJava(f *testing.F) {
	for name, b := range fixtures(f) {
		if name == "longstring" {
			b = b[:200]
		}
		f.Add(b, uint16(4096), false)
		f.Add(b, uint16(40), true)
	}
	f.Fuzz(func(t *testing.T, b []byte, limit uint16, partial bool) {
		d, err := Codec.Decode(b, int64(limit), partial)
		if err != nil {
			return
		}
		if len(d.Out) > int(limit) {
			t.Fatalf("Out is %d bytes, limit %d", len(d.Out), limit)
		}
		if len(d.Out) > 0 && !json.Valid(d.Out) {
			t.Fatalf("Out is not JSON: %q", d.Out)
		}
		if len(d.Out) == 0 && !d.Cut {
			t.Fatalf("empty Out without a cut")
		}
	})
}
