package protobuf

import (
	"bytes"
	"encoding/json"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
)

// Seeds for both targets: real payloads (the library's own bytes) and
// the hostile shapes the unit tests use.
func addSeeds(f *testing.F) {
	order := orderPayload(f)
	s := loadShop(f)
	seeds := [][]byte{
		order,
		order[:len(order)/2],
		marshal(f, newMsg(f, s, "shop.Order.Item", map[string]any{"sku": "A-1", "quantity": uint32(2)})),
		marshal(f, newMsg(f, s, "shop.Address", map[string]any{"city": "Paris", "previous": newMsg(f, s, "shop.Address", map[string]any{"city": "Lyon"})})),
		groupPayload(),
		deepAddress(100),
		protowire.AppendVarint(protowire.AppendTag(nil, 3, protowire.BytesType), 1<<40),
		bytes.Repeat(protowire.AppendTag(nil, 1, protowire.StartGroupType), 100),
		[]byte("hi"),
		nil,
	}
	for _, b := range seeds {
		f.Add(b, uint16(1000), false)
		f.Add(b, uint16(50), true)
	}
}

func FuzzSchemaless(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte, l uint16, partial bool) {
		Schemaless.Sniff(b)
		Schemaless.Try(b)
		limit := int64(l) // 0 to 64 KB: small limits cut most views
		d, err := Schemaless.Decode(b, limit, partial)
		if err != nil {
			return
		}
		if int64(len(d.Out)) > limit {
			t.Fatalf("%d bytes out, limit %d", len(d.Out), limit)
		}
		if !json.Valid(d.Out) {
			t.Fatalf("not valid JSON: %q", d.Out)
		}
		if d.Cut {
			return
		}
		// A full view is one JSON object whose keys are the fields'.
		var m map[string]json.RawMessage
		if err := json.Unmarshal(d.Out, &m); err != nil {
			t.Fatalf("not an object: %v", err)
		}
	})
}

func FuzzSchema(f *testing.F) {
	addSeeds(f)
	c := orderCodec(f)
	f.Fuzz(func(t *testing.T, b []byte, l uint16, partial bool) {
		limit := int64(l) // 0 to 64 KB: small limits cut most views
		if d, err := c.Decode(b, limit, partial); err == nil {
			if int64(len(d.Out)) > limit || !json.Valid(d.Out) {
				t.Fatalf("limit %d: %d bytes, valid %v: %q", limit, len(d.Out), json.Valid(d.Out), d.Out)
			}
		}
		// The round trip, with room for the whole view.
		const big = 1 << 24
		d, err := c.Decode(b, big, false)
		if err != nil {
			return
		}
		if d.Cut || !json.Valid(d.Out) {
			t.Fatalf("cut %v, valid %v", d.Cut, json.Valid(d.Out))
		}
		again, err := c.Encode(d, d.Out)
		if err != nil {
			t.Fatalf("Encode of the unchanged view: %v\n%s", err, d.Out)
		}
		back, err := c.Decode(again, big, false)
		if err != nil {
			t.Fatalf("Decode of the re-encoding: %v", err)
		}
		if !bytes.Equal(back.Out, d.Out) {
			t.Fatalf("re-encoding shows\n%s\nnot\n%s", back.Out, d.Out)
		}
	})
}
