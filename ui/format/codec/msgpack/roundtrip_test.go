package msgpack

import (
	"bytes"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/kvdeck/kvdeck/ui/format/codec"
	"github.com/vmihailenco/msgpack/v5"
)

// Values the library writes round-trip byte for byte.
func TestRoundTripLibraryValues(t *testing.T) {
	type item struct {
		Name  string   `msgpack:"name"`
		Qty   int      `msgpack:"qty"`
		Price float64  `msgpack:"price"`
		Ratio float32  `msgpack:"ratio"`
		Tags  []string `msgpack:"tags"`
		Blob  []byte   `msgpack:"blob"`
	}
	values := []any{
		nil, true, 0, -1, 127, 128, 255, 256, 65535, 65536, -32, -33, -129, -32769, math.MinInt64,
		uint64(math.MaxUint64), 0.5, 1.0, math.Inf(1), math.NaN(), float32(0.1),
		"", "x", string(make([]byte, 40)), string(make([]byte, 300)), string(make([]byte, 70000)),
		[]byte{}, make([]byte, 300), make([]any, 20), make([]int, 70000),
		map[string]any{"$ref": 1, "a": map[string]any{"b": []any{1, "two", 3.0}}},
		map[int]any{1: "a", -2: nil}, map[bool]int{true: 1},
		item{Name: "widget", Qty: 3, Price: 9.99, Ratio: 0.25, Tags: []string{"a"}, Blob: []byte{1}},
		time.Unix(0, 0), time.Unix(1<<34, 5), time.Date(2024, 2, 29, 23, 59, 59, 999999999, time.UTC),
		"a\xff", &msgpack.RawMessage{0xc7, 0x03, 0x09, 1, 2, 3},
	}
	for _, v := range values {
		b := mustMarshal(t, v)
		d, err := Codec.Decode(b, 1<<30, false)
		if err != nil {
			t.Fatalf("%T %x: %v", v, b[:min(len(b), 16)], err)
		}
		if err := codec.RoundTrip(Codec, b, d, 1<<30); err != nil {
			t.Errorf("%T %.60s: %v", v, d.Out, err)
		}
	}
}

// Non-minimal widths another encoder may write: shown, but RoundTrip
// refuses them (writing back would change the bytes).
func TestRoundTripRefusesNonMinimal(t *testing.T) {
	for _, h := range []string{"d30000000000000007", "cd0001", "d90161", "de000101c0", "cb3ff0000000000000ff"} {
		b := hexMsgpack(t, h)
		d, err := Codec.Decode(b, testLimit, false)
		if err != nil {
			continue // the trailing-byte case
		}
		if err := codec.RoundTrip(Codec, b, d, testLimit); err == nil {
			t.Errorf("%s: round trip accepted", h)
		}
	}
}

// An edited JSON encodes to what the library reads back as meant.
func TestEncodeEdited(t *testing.T) {
	edited := `{"name":"bob","n":9007199254740993,"neg":-5,"f":2.0,"f32":{"$f32":0.5},"bin":{"$bin":"AQI="},
		"$$k":"dollar","when":{"$time":"2024-01-02T03:04:05.5Z"},"m":{"$map":[[1,"one"],[true,null]]},
"nan":{"$f64":"NaN"},"list":[1,"x",null,false]}`
	b, err := Codec.Encode(codec.Decoded{}, []byte(edited))
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	// Nested maps as map[any]any: one has non-string keys.
	dec := msgpack.NewDecoder(bytes.NewReader(b))
	dec.SetMapDecoder(func(d *msgpack.Decoder) (any, error) { return d.DecodeUntypedMap() })
	if err := dec.Decode(&got); err != nil {
		t.Fatal(err)
	}
	checks := map[string]any{
		"name": "bob", "n": uint64(9007199254740993), "neg": int8(-5), "f": 2.0, "f32": float32(0.5),
		"bin": []byte{1, 2}, "$k": "dollar", "list": []any{int8(1), "x", nil, false},
		"when": time.Date(2024, 1, 2, 3, 4, 5, 5e8, time.UTC).Local(),
	}
	for k, want := range checks {
		if !reflect.DeepEqual(got[k], want) {
			t.Errorf("%s: got %#v (%T), want %#v", k, got[k], got[k], want)
		}
	}
	if f, ok := got["nan"].(float64); !ok || math.Float64bits(f) != nan64 {
		t.Errorf("nan: got %#v", got["nan"])
	}
	if m, ok := got["m"].(map[any]any); !ok || m[int8(1)] != "one" {
		t.Errorf("m: got %#v", got["m"])
	}
	// The library reads unregistered ext types as an error, so ext is
	// checked byte for byte: fixext1, type 7, one byte.
	if b, err := Codec.Encode(codec.Decoded{}, []byte(`{"$ext":{"type":7,"data":"qg=="}}`)); err != nil || string(b) != "\xd4\x07\xaa" {
		t.Errorf("ext: %x %v", b, err)
	}
	// And it decodes back to the same typed JSON, compacted.
	back := mustDecode(t, b)
	again, err := Codec.Encode(codec.Decoded{}, []byte(back))
	if err != nil || string(again) != string(b) {
		t.Errorf("re-encode of %s: %v", back, err)
	}
}

func TestEncodeErrors(t *testing.T) {
	for _, in := range []string{
		`{"$nope":1}`, `{"$bin":"**"}`, `{"$x":1,"y":2}`, `{"$bin":1}`, `18446744073709551616`, `-9223372036854775809`,
		`1e999`, `{"$f32":1e40}`, `{"$ext":{"type":300,"data":""}}`, `{"$map":[[1]]}`, `{"$time":"yesterday"}`,
		`[1,2`, `1 2`, `{"$f64":"NaN:1"}`,
	} {
		if b, err := Codec.Encode(codec.Decoded{}, []byte(in)); err == nil {
			t.Errorf("%s: encoded to %x", in, b)
		}
	}
}
