package protobuf

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/kvdeck/kvdeck/ui/format/codec"
)

func orderCodec(t testing.TB) codec.Codec {
	t.Helper()
	c, err := loadShop(t).Codec("shop.Order")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestSchemaMessages(t *testing.T) {
	got := loadShop(t).Messages()
	want := []string{"shop.Address", "shop.Order", "shop.Order.Card", "shop.Order.Item", "shop.common.Money"}
	if !slices.Equal(got, want) {
		t.Errorf("Messages() = %v, want %v (no map entries, no well-known types)", got, want)
	}
}

func TestSchemaCodecByName(t *testing.T) {
	s := loadShop(t)
	c, err := s.Codec("Item")
	if err != nil {
		t.Fatal(err)
	}
	d, err := c.Decode(marshal(t, newMsg(t, s, "shop.Order.Item", map[string]any{"sku": "X"})), 1<<20, false)
	if err != nil || d.Detail != "schema shop.Order.Item" || string(d.Out) != `{"sku":"X"}` {
		t.Errorf("by short name: %v %q %s", err, d.Detail, d.Out)
	}
	if _, err := s.Codec("Nope"); err == nil {
		t.Error("no error for a message the schema lacks")
	}
}

func TestSchemaDecodeOrder(t *testing.T) {
	s := loadShop(t)
	b := orderPayload(t)
	d, err := orderCodec(t).Decode(b, 1<<20, false)
	if err != nil {
		t.Fatal(err)
	}
	if d.View != codec.JSON || d.Cut || d.Detail != "schema shop.Order" {
		t.Errorf("view %v cut %v detail %q", d.View, d.Cut, d.Detail)
	}
	// Exactly protojson's rendering of the message the library read.
	msg := dynamicpb.NewMessage(desc(t, s, "shop.Order"))
	if err := proto.Unmarshal(b, msg); err != nil {
		t.Fatal(err)
	}
	want, err := protojson.MarshalOptions{UseProtoNames: true}.Marshal(msg)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(d.Out, want) {
		t.Errorf("got  %s\nwant %s", d.Out, want)
	}
	m := object(t, d.Out)
	for path, w := range map[string]any{
		"id":                    "150", // int64 is a string in protojson
		"customer":              customer,
		"status":                "STATUS_SHIPPED",
		"priority":              json.Number("-2"),
		"checksum":              "16045690984503111693",
		"signature":             "AP8QgA==",
		"created":               "2023-11-14T22:13:20Z",
		"card/last4":            "4242",
		"labels/channel":        "web",
		"ship_to/previous/city": "Lyon",
	} {
		if got := at(t, m, strings.Split(path, "/")...); got != w {
			t.Errorf("%s = %#v, want %#v", path, got, w)
		}
	}
}

// decodeNamed unmarshals b as the schema's message name.
func decodeNamed(t *testing.T, name string, b []byte) *dynamicpb.Message {
	t.Helper()
	msg := dynamicpb.NewMessage(desc(t, loadShop(t), name))
	if err := proto.Unmarshal(b, msg); err != nil {
		t.Fatal(err)
	}
	return msg
}

func TestSchemaEncodeEdit(t *testing.T) {
	c := orderCodec(t)
	d, err := c.Decode(orderPayload(t), 1<<20, false)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(d.Out, &m); err != nil {
		t.Fatal(err)
	}
	m["customer"] = "Zoë edited ✓"
	m["tags"] = []any{7, 8}
	m["ship_to"].(map[string]any)["city"] = "Nice"
	edited, _ := json.MarshalIndent(m, "", "  ") // indentation, as an editor leaves it
	b, err := c.Encode(d, edited)
	if err != nil {
		t.Fatal(err)
	}
	msg := decodeNamed(t, "shop.Order", b)
	fields := msg.Descriptor().Fields()
	if got := msg.Get(fields.ByName("customer")).String(); got != "Zoë edited ✓" {
		t.Errorf("customer %q", got)
	}
	if tags := msg.Get(fields.ByName("tags")).List(); tags.Len() != 2 || tags.Get(1).Int() != 8 {
		t.Errorf("tags %v", tags)
	}
	ship := msg.Get(fields.ByName("ship_to")).Message()
	if got := ship.Get(ship.Descriptor().Fields().ByName("city")).String(); got != "Nice" {
		t.Errorf("city %q", got)
	}
	if got := msg.Get(fields.ByName("id")).Int(); got != 150 {
		t.Errorf("unedited id %d", got)
	}

	if _, err := c.Encode(d, []byte(`{"no_such_field":1}`)); err == nil {
		t.Error("an unknown JSON field was accepted")
	}
	if _, err := c.Encode(codec.Decoded{Params: "shop.Address"}, []byte(`{}`)); err == nil {
		t.Error("a value decoded as another message was encoded as shop.Order")
	}
}

func TestSchemaRoundTrip(t *testing.T) {
	s := loadShop(t)
	c := orderCodec(t)
	values := map[string][]byte{
		"order":   orderPayload(t),
		"empty":   nil,
		"minimal": marshal(t, newMsg(t, s, "shop.Order", map[string]any{"voucher": "SPRING"})),
	}
	for name, b := range values {
		d, err := c.Decode(b, 1<<20, false)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := codec.RoundTrip(c, b, d, 1<<20); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}

	// An unknown field: shown in the Detail, and dropped by a re-encoding,
	// so the round trip is refused.
	b := protowire.AppendTag(orderPayload(t), 99, protowire.VarintType)
	b = protowire.AppendVarint(b, 1)
	d, err := c.Decode(b, 1<<20, false)
	if err != nil {
		t.Fatal(err)
	}
	if d.Detail != "schema shop.Order, 1 unknown field not shown" {
		t.Errorf("detail %q", d.Detail)
	}
	if err := codec.RoundTrip(c, b, d, 1<<20); !errors.Is(err, codec.ErrNoRoundTrip) {
		t.Errorf("unknown field: RoundTrip %v", err)
	}

	// Fields out of number order (valid, and read the same) do not
	// re-encode to the same bytes either.
	var swapped []byte
	swapped = protowire.AppendTag(swapped, 2, protowire.BytesType)
	swapped = protowire.AppendString(swapped, "a")
	swapped = protowire.AppendTag(swapped, 1, protowire.VarintType)
	swapped = protowire.AppendVarint(swapped, 1)
	d, err = c.Decode(swapped, 1<<20, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := codec.RoundTrip(c, swapped, d, 1<<20); !errors.Is(err, codec.ErrNoRoundTrip) {
		t.Errorf("out of order: RoundTrip %v", err)
	}
}

func TestSchemaGuess(t *testing.T) {
	s := loadShop(t)
	if got, ok := s.Guess(orderPayload(t)); !ok || got != "shop.Order" {
		t.Errorf("Guess(order) = %q %v", got, ok)
	}
	addr := marshal(t, newMsg(t, s, "shop.Address", map[string]any{"line1": "x", "previous": newMsg(t, s, "shop.Address", nil)}))
	if got, ok := s.Guess(addr); !ok || got != "shop.Address" {
		t.Errorf("Guess(address) = %q %v", got, ok)
	}
	// Field 1 as a string fits Address, Card, Item and Money alike.
	ambiguous := protowire.AppendString(protowire.AppendTag(nil, 1, protowire.BytesType), "x")
	if got, ok := s.Guess(ambiguous); ok {
		t.Errorf("Guess(ambiguous) = %q", got)
	}
	if _, ok := s.Guess([]byte{0x0f}); ok {
		t.Error("Guess of non-protobuf said ok")
	}
}

func TestSchemaCutAndPartial(t *testing.T) {
	c := orderCodec(t)
	b := orderPayload(t)
	full, err := c.Decode(b, 1<<20, false)
	if err != nil {
		t.Fatal(err)
	}
	for limit := int64(2); limit < int64(len(full.Out)); limit += 7 {
		d, err := c.Decode(b, limit, false)
		if err != nil || !d.Cut || int64(len(d.Out)) > limit || !json.Valid(d.Out) {
			t.Fatalf("limit %d: %v cut %v %s", limit, err, d.Cut, d.Out)
		}
	}
	d, err := c.Decode(b[:len(b)-3], 1<<20, true)
	if err != nil || !strings.Contains(d.Detail, "partial") || !json.Valid(d.Out) {
		t.Errorf("partial: %v %q %s", err, d.Detail, d.Out)
	}
	if _, err := c.Decode(b[:len(b)-3], 1<<20, false); err == nil {
		t.Error("a truncated value decoded without error")
	}
}

func TestSchemaHostile(t *testing.T) {
	c := orderCodec(t)
	hugeLen := protowire.AppendTag(nil, 3, protowire.BytesType)
	hugeLen = protowire.AppendVarint(hugeLen, 1<<62)
	// ship_to (16) holding Address nested far past the recursion limit.
	deep := protowire.AppendBytes(protowire.AppendTag(nil, 16, protowire.BytesType), deepAddress(5000))
	for name, b := range map[string][]byte{
		"huge length":  hugeLen,
		"deep nesting": deep,
		"wrong type":   append(protowire.AppendTag(nil, 2, protowire.BytesType), 0x05, 0xff, 0xfe, 'a', 'b', 'c'), // invalid UTF-8 string
		"wire type 7":  {0x0f},
	} {
		if _, err := c.Decode(b, 1<<20, false); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	// A map entry whose key comes twice, the second time as a fixed32:
	// protobuf-go panics on it; the codec says it is not an Order.
	entry := protowire.AppendString(protowire.AppendTag(nil, 1, protowire.BytesType), "k")
	entry = protowire.AppendFixed32(protowire.AppendTag(entry, 1, protowire.Fixed32Type), 0)
	labels := protowire.AppendBytes(protowire.AppendTag(nil, 4, protowire.BytesType), entry)
	if _, err := c.Decode(labels, 1<<20, false); err == nil || !strings.Contains(err.Error(), "library failed") {
		t.Errorf("map key of the wrong wire type: %v", err)
	}
	if _, ok := loadShop(t).Guess(labels); ok {
		t.Error("Guess said ok for a value the library cannot read")
	}

	// Nesting within the limit is fine.
	ok := protowire.AppendBytes(protowire.AppendTag(nil, 16, protowire.BytesType), deepAddress(50))
	if d, err := c.Decode(ok, 1<<20, false); err != nil || !json.Valid(d.Out) {
		t.Errorf("50 levels: %v", err)
	}
}

func TestLoadSchemaErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, src string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	ctx := context.Background()

	bad := write("bad.proto", "syntax = \"proto3\";\npackage bad;\nmessage M { int32 x = 1 }\n")
	_, err := LoadSchema(ctx, []string{bad}, nil)
	if err == nil || !strings.Contains(err.Error(), bad+":3:") {
		t.Errorf("syntax error: %v, want it to name %s:3", err, bad)
	}

	undef := write("undef.proto", "syntax = \"proto3\";\n\nmessage M {\n  Missing m = 1;\n  Other o = 2;\n}\n")
	_, err = LoadSchema(ctx, []string{undef}, nil)
	if err == nil || !strings.Contains(err.Error(), undef+":4:") || !strings.Contains(err.Error(), undef+":5:") {
		t.Errorf("undefined types: %v, want both lines 4 and 5 named", err)
	}

	imp := write("imp.proto", "syntax = \"proto3\";\nimport \"nowhere.proto\";\n")
	_, err = LoadSchema(ctx, []string{imp}, nil)
	if err == nil || !strings.Contains(err.Error(), "nowhere.proto") {
		t.Errorf("missing import: %v", err)
	}

	_, err = LoadSchema(ctx, []string{bad}, []string{filepath.Join(dir, "elsewhere")})
	if err == nil || !strings.Contains(err.Error(), "not under any import path") {
		t.Errorf("file outside the import paths: %v", err)
	}
	if _, err := LoadSchema(ctx, nil, nil); err == nil {
		t.Error("no files: no error")
	}

	// The files' own folder serves as the import path when none is given.
	s, err := LoadSchema(ctx, []string{filepath.Join("testdata", "common", "money.proto")}, nil)
	if err != nil || !slices.Equal(s.Messages(), []string{"shop.common.Money"}) {
		t.Errorf("default import path: %v", err)
	}
}
