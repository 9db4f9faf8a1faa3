package msgpack

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/kvdeck/kvdeck/ui/format/codec"
	"github.com/vmihailenco/msgpack/v5"
)

func FuzzMsgpack(f *testing.F) {
	seeds := []any{
		map[string]any{"user": "ann", "id": 42, "roles": []string{"a", "b"}, "score": 1.5},
		[]any{nil, true, -1, uint64(math.MaxUint64), float32(2.5), math.NaN(), []byte{1, 2}, "é\x00"},
		map[int]any{1: map[string]any{"$x": time.Unix(1700000000, 5)}},
		&msgpack.RawMessage{0x81, 0xa1, 'a', 0xc7, 0x02, 0x05, 1, 2},
	}
	for _, s := range seeds {
		b, err := msgpack.Marshal(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, uint16(4096), false)
		f.Add(b, uint16(20), true)
	}
	f.Add([]byte{0xdd, 0xff, 0xff, 0xff, 0xff, 0x01}, uint16(100), true)
	f.Fuzz(func(t *testing.T, b []byte, limit uint16, partial bool) {
		checkCodec(t, Codec, b, int64(limit), partial)
	})
}

// checkCodec asserts what every decode must keep: no panic, Out within
// the limit and valid JSON, and a value that encodes back decoding to
// the same JSON.
func checkCodec(t *testing.T, c codec.Codec, b []byte, limit int64, partial bool) {
	c.Sniff(b)
	if c.Try != nil {
		c.Try(b)
	}
	d, err := c.Decode(b, limit, partial)
	if err != nil {
		return
	}
	if int64(len(d.Out)) > limit {
		t.Fatalf("Out %d bytes over the limit %d", len(d.Out), limit)
	}
	if !json.Valid(d.Out) {
		t.Fatalf("invalid JSON %q", d.Out)
	}
	if d.Cut {
		return
	}
	again, err := c.Encode(d, d.Out)
	if err != nil {
		return
	}
	back, err := c.Decode(again, limit, false)
	if err != nil {
		t.Fatalf("decoding the re-encoded %x: %v (JSON %s)", again, err, d.Out)
	}
	if !bytes.Equal(back.Out, d.Out) {
		t.Fatalf("JSON changed on the way back:\n%s\n%s", d.Out, back.Out)
	}
}
