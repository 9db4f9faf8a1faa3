package protobuf

import (
	"context"
	"math"
	"path/filepath"
	"sync"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"
)

// The fixtures: testdata/shop.proto compiled by LoadSchema, and values
// built field by field as dynamicpb messages and written by the protobuf
// library itself (proto.Marshal, deterministic as a service would write
// for a cache), so the tests read real payloads, not hand-made bytes.

const customer = "Zoë Ünïcødé 東京 🚀"

var (
	shopOnce   sync.Once
	shopSchema *Schema
	shopErr    error
)

// loadShop compiles testdata/shop.proto once for all tests and fuzz
// workers of the process.
func loadShop(t testing.TB) *Schema {
	t.Helper()
	shopOnce.Do(func() {
		shopSchema, shopErr = LoadSchema(context.Background(),
			[]string{filepath.Join("testdata", "shop.proto")}, []string{"testdata"})
	})
	if shopErr != nil {
		t.Fatal(shopErr)
	}
	return shopSchema
}

func desc(t testing.TB, s *Schema, name string) protoreflect.MessageDescriptor {
	t.Helper()
	md, err := s.find(name)
	if err != nil {
		t.Fatal(err)
	}
	return md
}

// set sets the named fields of m; a *dynamicpb.Message value is set as
// the message it is.
func set(m *dynamicpb.Message, fields map[string]any) *dynamicpb.Message {
	for name, v := range fields {
		fd := m.Descriptor().Fields().ByName(protoreflect.Name(name))
		if fd == nil {
			panic("no field " + name)
		}
		if dm, ok := v.(*dynamicpb.Message); ok {
			m.Set(fd, protoreflect.ValueOfMessage(dm))
			continue
		}
		m.Set(fd, protoreflect.ValueOf(v))
	}
	return m
}

func newMsg(t testing.TB, s *Schema, name string, fields map[string]any) *dynamicpb.Message {
	return set(dynamicpb.NewMessage(desc(t, s, name)), fields)
}

// orderMessage is the full fixture: every kind of field in shop.proto set.
func orderMessage(t testing.TB, s *Schema) *dynamicpb.Message {
	t.Helper()
	money := func(cur string, units int64, nanos int32) *dynamicpb.Message {
		return newMsg(t, s, "shop.common.Money", map[string]any{"currency": cur, "units": units, "nanos": nanos})
	}
	o := newMsg(t, s, "shop.Order", map[string]any{
		"id":        int64(150),
		"customer":  customer,
		"status":    protoreflect.EnumNumber(2),
		"priority":  int32(-2),
		"checksum":  uint64(0xdeadbeefcafef00d),
		"signature": []byte{0x00, 0xff, 0x10, 0x80},
		"total":     money("EUR", 25, 0),
		"weight":    3.14,
		"gift":      true,
		"card":      newMsg(t, s, "shop.Order.Card", map[string]any{"last4": "4242", "expiry_month": int32(12)}),
		"ship_to": newMsg(t, s, "shop.Address", map[string]any{
			"line1": "1 Main St", "city": "Paris", "country": "FR",
			"previous": newMsg(t, s, "shop.Address", map[string]any{"city": "Lyon"}),
		}),
	})
	fields := o.Descriptor().Fields()
	// Timestamp is not among the schema's messages (a well-known type not
	// asked for), so it is made from the field that holds it.
	created := fields.ByName("created").Message()
	set(o, map[string]any{"created": set(dynamicpb.NewMessage(created), map[string]any{"seconds": int64(1700000000)})})
	items := o.Mutable(fields.ByName("items")).List()
	items.Append(protoreflect.ValueOfMessage(newMsg(t, s, "shop.Order.Item", map[string]any{
		"sku": "A-1", "quantity": uint32(2), "price": money("EUR", 12, 500000000),
		"discount": float32(0.25), "rank": int32(-3),
	})))
	items.Append(protoreflect.ValueOfMessage(newMsg(t, s, "shop.Order.Item", map[string]any{
		"sku": "B-2", "quantity": uint32(1),
	})))
	labels := o.Mutable(fields.ByName("labels")).Map()
	labels.Set(protoreflect.ValueOfString("gift-wrap").MapKey(), protoreflect.ValueOfString("yes"))
	labels.Set(protoreflect.ValueOfString("channel").MapKey(), protoreflect.ValueOfString("web"))
	tags := o.Mutable(fields.ByName("tags")).List()
	for _, v := range []int32{1, 300, -1} {
		tags.Append(protoreflect.ValueOfInt32(v))
	}
	return o
}

func marshal(t testing.TB, m proto.Message) []byte {
	t.Helper()
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// orderPayload is orderMessage as the library writes it.
func orderPayload(t testing.TB) []byte {
	s := loadShop(t)
	return marshal(t, orderMessage(t, s))
}

// deepAddress nests n Addresses through "previous": a recursive type lets
// a value nest as deep as it likes.
func deepAddress(n int) []byte {
	b := protowire.AppendTag(nil, 2, protowire.BytesType)
	b = protowire.AppendString(b, "bottom")
	for i := 0; i < n; i++ {
		outer := protowire.AppendTag(nil, 4, protowire.BytesType)
		b = protowire.AppendBytes(outer, b)
	}
	return b
}

// groupPayload is a proto2 group (field 1) between plain fields, with a
// group inside it, as protowire writes them.
func groupPayload() []byte {
	var b []byte
	b = protowire.AppendTag(b, 1, protowire.StartGroupType)
	b = protowire.AppendTag(b, 2, protowire.VarintType)
	b = protowire.AppendVarint(b, 5)
	b = protowire.AppendTag(b, 3, protowire.StartGroupType)
	b = protowire.AppendTag(b, 4, protowire.Fixed32Type)
	b = protowire.AppendFixed32(b, math.Float32bits(1.5))
	b = protowire.AppendTag(b, 3, protowire.EndGroupType)
	b = protowire.AppendTag(b, 1, protowire.EndGroupType)
	b = protowire.AppendTag(b, 5, protowire.VarintType)
	b = protowire.AppendVarint(b, 7)
	return b
}
