package protobuf

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/kvdeck/kvdeck/ui/format/codec"
)

// object parses out, which must be valid JSON, keeping numbers exact.
func object(t *testing.T, out []byte) map[string]any {
	t.Helper()
	if !json.Valid(out) {
		t.Fatalf("not valid JSON: %s", out)
	}
	d := json.NewDecoder(bytes.NewReader(out))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

// keys returns the top-level keys of the JSON object out, in order.
func keys(t *testing.T, out []byte) []string {
	t.Helper()
	var raw json.RawMessage
	d := json.NewDecoder(bytes.NewReader(out))
	var ks []string
	if tok, err := d.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not an object: %s", out)
	}
	for d.More() {
		tok, err := d.Token()
		if err != nil {
			t.Fatal(err)
		}
		ks = append(ks, tok.(string))
		if err := d.Decode(&raw); err != nil {
			t.Fatal(err)
		}
	}
	return ks
}

func decodeOK(t *testing.T, b []byte) codec.Decoded {
	t.Helper()
	d, err := Schemaless.Decode(b, 1<<20, false)
	if err != nil {
		t.Fatal(err)
	}
	if d.View != codec.JSON || d.Cut {
		t.Fatalf("view %v cut %v", d.View, d.Cut)
	}
	return d
}

// at walks a path of keys through nested objects.
func at(t *testing.T, m map[string]any, path ...string) any {
	t.Helper()
	var v any = m
	for _, k := range path {
		o, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("%v: %v is not an object", path, v)
		}
		if v, ok = o[k]; !ok {
			t.Fatalf("%v: no %q in %v", path, k, o)
		}
	}
	return v
}

func TestSchemalessOrder(t *testing.T) {
	b := orderPayload(t)
	d := decodeOK(t, b)
	m := object(t, d.Out)

	want := map[string]string{
		"1:varint":                        "150",
		"2:string":                        customer,
		"5:varint":                        "2", // STATUS_SHIPPED
		"8:varint":                        "3", // sint32 -2, zigzag
		"15:varint":                       "1",
		"9:i64/int":                       "-2401053089206439923",
		"9:i64/uint":                      "16045690984503111693", // 0xdeadbeefcafef00d
		"14:i64/float":                    "3.14",
		"10:bytes/$bytes":                 "AP8QgA==",
		"3:message?/1:string":             "A-1",
		"3:message?/3:message?/3:varint":  "500000000",
		"3:message?/4:i32/float":          "0.25",
		"3:message?/5:i32/int":            "-3",
		"3:message?#2/1:string":           "B-2",
		"4:message?/1:string":             "channel", // map entries, sorted
		"4:message?#2/2:string":           "yes",
		"6:message?/1:string":             "4242", // the oneof
		"12:message?/1:varint":            "1700000000",
		"16:message?/4:message?/2:string": "Lyon",
	}
	for path, w := range want {
		got := at(t, m, strings.Split(path, "/")...)
		if s, ok := got.(json.Number); ok {
			got = s.String()
		}
		if got != w {
			t.Errorf("%s = %v, want %s", path, got, w)
		}
	}
	packed, _ := json.Marshal(at(t, m, "13:packed?"))
	if string(packed) != "[1,300,-1]" {
		t.Errorf("packed tags %s", packed)
	}

	// Keys are in wire order: the numbers protowire reads, in its order.
	var nums []string
	_, _, err := scan(b, 0, func(f field) bool {
		nums = append(nums, strconv.Itoa(int(f.num)))
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	ks := keys(t, d.Out)
	if len(ks) != len(nums) {
		t.Fatalf("keys %v for fields %v", ks, nums)
	}
	for i := range ks {
		if n, _, _ := strings.Cut(ks[i], ":"); n != nums[i] {
			t.Errorf("key %d is %s, field %s", i, ks[i], nums[i])
		}
	}
}

// A payload of another library-made type (google.protobuf.Struct from
// structpb, and a FileDescriptorProto), read without its schema.
func TestSchemalessLibraryPayloads(t *testing.T) {
	st, err := structpb.NewStruct(map[string]any{"name": "kvdeck"})
	if err != nil {
		t.Fatal(err)
	}
	m := object(t, decodeOK(t, marshal(t, st)).Out)
	// Struct{fields: map<string, Value>}: entry {1: key, 2: Value{3: string}}.
	if got := at(t, m, "1:message?", "1:string"); got != "name" {
		t.Errorf("struct key %v", got)
	}
	if got := at(t, m, "1:message?", "2:message?", "3:string"); got != "kvdeck" {
		t.Errorf("struct value %v", got)
	}

	fd := protodesc.ToFileDescriptorProto(desc(t, loadShop(t), "shop.Order").ParentFile())
	m = object(t, decodeOK(t, marshal(t, fd)).Out)
	if at(t, m, "1:string") != "shop.proto" || at(t, m, "2:string") != "shop" {
		t.Errorf("file descriptor: %v", m)
	}
	if at(t, m, "3:string") != "common/money.proto" || at(t, m, "3:string#2") != "google/protobuf/timestamp.proto" {
		t.Errorf("imports (repeated field 3): %v", m)
	}
}

func TestSchemalessGroupsAndRepeats(t *testing.T) {
	d := decodeOK(t, groupPayload())
	want := `{"1:group":{"2:varint":5,"3:group":{"4:i32":{"int":1069547520,"float":1.5}}},"5:varint":7}`
	if string(d.Out) != want {
		t.Errorf("groups:\n got %s\nwant %s", d.Out, want)
	}

	var b []byte
	b = protowire.AppendTag(b, 1, protowire.VarintType)
	b = protowire.AppendVarint(b, 1)
	b = protowire.AppendTag(b, 2, protowire.BytesType)
	b = protowire.AppendString(b, "hi")
	b = protowire.AppendTag(b, 1, protowire.VarintType)
	b = protowire.AppendVarint(b, 2)
	b = protowire.AppendTag(b, 2, protowire.BytesType)
	b = protowire.AppendBytes(b, []byte{0xff, 0xfe, 0xfd})
	b = protowire.AppendTag(b, 3, protowire.Fixed64Type)
	b = protowire.AppendFixed64(b, 0x7ff0000000000000) // +Inf
	b = protowire.AppendTag(b, 4, protowire.BytesType)
	b = protowire.AppendBytes(b, nil)
	b = protowire.AppendTag(b, 5, protowire.VarintType)
	b = protowire.AppendVarint(b, uint64(1<<63)) // int64 min, as a varint
	want = `{"1:varint":1,"2:string":"hi","1:varint#2":2,"2:bytes#2":{"$bytes":"//79"},` +
		`"3:i64":{"int":9218868437227405312,"float":"Infinity"},"4:string":"","5:varint":-9223372036854775808}`
	if d := decodeOK(t, b); string(d.Out) != want {
		t.Errorf("repeats:\n got %s\nwant %s", d.Out, want)
	}
}

func TestSchemalessSniffAndTry(t *testing.T) {
	order := orderPayload(t)
	for _, tc := range []struct {
		name       string
		b          []byte
		sniff, try bool
	}{
		{"order", order, true, true},
		{"order prefix", order[:len(order)-3], false, true},
		{"json", []byte(`{"a":1}`), false, false},
		{"text that parses", []byte("hi"), false, true},
		{"one field", []byte{0x08, 0x01}, false, true},
		{"empty", nil, false, false},
		{"field 0", []byte{0x00, 0x01}, false, false},
		{"wire type 7", []byte{0x0f, 0x01, 0x08, 0x01}, false, false},
		{"implausible number", []byte{0x80, 0x80, 0x80, 0x40, 0x01, 0x08, 0x01}, false, true},
		{"reserved range", append(protowire.AppendTag(nil, 19500, protowire.VarintType), 1, 0x08, 1), false, true},
		{"too long to sniff", append(bytes.Repeat([]byte{0x08, 0x01}, sniffMax/2), 0x08, 0x01), false, true},
	} {
		if got := Schemaless.Sniff(tc.b); got != tc.sniff {
			t.Errorf("%s: Sniff %v", tc.name, got)
		}
		if got := Schemaless.Try(tc.b); got != tc.try {
			t.Errorf("%s: Try %v", tc.name, got)
		}
	}
}

func TestSchemalessIsReadOnly(t *testing.T) {
	b := orderPayload(t)
	d := decodeOK(t, b)
	if err := codec.RoundTrip(Schemaless, b, d, 1<<20); !errors.Is(err, codec.ErrReadOnly) {
		t.Errorf("RoundTrip: %v", err)
	}
}

func TestSchemalessCutAtLimit(t *testing.T) {
	b := orderPayload(t)
	full := decodeOK(t, b)
	for limit := int64(2); limit < int64(len(full.Out)); limit++ {
		d, err := Schemaless.Decode(b, limit, false)
		if err != nil {
			t.Fatalf("limit %d: %v", limit, err)
		}
		if !d.Cut || int64(len(d.Out)) > limit || !json.Valid(d.Out) {
			t.Fatalf("limit %d: cut %v, %d bytes: %s", limit, d.Cut, len(d.Out), d.Out)
		}
	}
	if _, err := Schemaless.Decode(b, 1, false); err == nil {
		t.Error("a limit of 1 byte holds no JSON object, yet no error")
	}

	// One huge bytes field: encoded only as far as the limit.
	huge := protowire.AppendTag(nil, 1, protowire.BytesType)
	huge = protowire.AppendBytes(huge, bytes.Repeat([]byte{0xff}, 10<<20))
	d, err := Schemaless.Decode(huge, 1000, false)
	if err != nil || !d.Cut || len(d.Out) > 1000 || !json.Valid(d.Out) || !strings.HasPrefix(string(d.Out), `{"1:bytes":{"$bytes":"////`) {
		t.Errorf("huge bytes: %v cut %v %d bytes %.60s", err, d.Cut, len(d.Out), d.Out)
	}
}

func TestSchemalessHostile(t *testing.T) {
	order := orderPayload(t)
	hugeLen := protowire.AppendTag(nil, 1, protowire.BytesType)
	hugeLen = protowire.AppendVarint(hugeLen, 1<<62)
	hugeLen = append(hugeLen, "abc"...)
	deepGroups := bytes.Repeat(protowire.AppendTag(nil, 1, protowire.StartGroupType), 100000)
	for _, tc := range []struct {
		name, errWords string
		b              []byte
	}{
		{"huge length", "claims 4611686018427387904 bytes, 3 remain", hugeLen},
		{"truncated", "ends in the middle", order[:len(order)-3]},
		{"deep groups", "deeper than 64", deepGroups},
		{"unended group", "never ends", protowire.AppendTag(nil, 1, protowire.StartGroupType)},
		{"stray end group", "never started", protowire.AppendTag(nil, 1, protowire.EndGroupType)},
		{"wrong end group", "ended by an end tag of field 2", append(protowire.AppendTag(nil, 1, protowire.StartGroupType), protowire.AppendTag(nil, 2, protowire.EndGroupType)...)},
		{"overlong varint", "field 1", append([]byte{0x08}, bytes.Repeat([]byte{0xff}, 11)...)},
		{"field 0", "field", []byte{0x00, 0x00}},
	} {
		_, err := Schemaless.Decode(tc.b, 1<<20, false)
		if err == nil || !strings.Contains(err.Error(), tc.errWords) {
			t.Errorf("%s: %v, want it to say %q", tc.name, err, tc.errWords)
		}
	}

	// Deep nesting of length-delimited fields is valid wire format: the
	// guesses stop at maxDepth and the rest is shown as bytes.
	deep := deepAddress(2000)
	d := decodeOK(t, deep)
	if depth := bytes.Count(d.Out, []byte("message?")); depth != maxDepth {
		t.Errorf("guessed %d nested messages, want %d", depth, maxDepth)
	}
}

func TestSchemalessPartial(t *testing.T) {
	order := orderPayload(t)
	prefix := order[:len(order)-3]
	d, err := Schemaless.Decode(prefix, 1<<20, true)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(d.Detail, "partial") {
		t.Errorf("detail %q", d.Detail)
	}
	m := object(t, d.Out)
	if at(t, m, "1:varint") != json.Number("150") {
		t.Errorf("partial view lost field 1: %s", d.Out)
	}
	if _, err := Schemaless.Decode([]byte{0x0f, 0x01}, 1<<20, true); err == nil {
		t.Error("partial: a wire type 7 is not protobuf, yet no error")
	}
}

// Sniff runs on every value shown: it must not allocate.
func TestSniffAllocatesNothing(t *testing.T) {
	b := orderPayload(t)
	withGroups := groupPayload()
	if n := testing.AllocsPerRun(100, func() {
		Schemaless.Sniff(b)
		Schemaless.Sniff(withGroups)
		Schemaless.Try(b)
	}); n != 0 {
		t.Errorf("Sniff and Try allocate %v times per run", n)
	}
}
