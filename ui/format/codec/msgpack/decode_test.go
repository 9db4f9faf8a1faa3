package msgpack

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/vmihailenco/msgpack/v5"
)

const testLimit = 1 << 20

func mustMarshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := msgpack.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustDecode(t *testing.T, b []byte) string {
	t.Helper()
	d, err := Codec.Decode(b, testLimit, false)
	if err != nil {
		t.Fatalf("decode %x: %v", b, err)
	}
	if d.Cut {
		t.Fatalf("decode %x: cut", b)
	}
	if !json.Valid(d.Out) {
		t.Fatalf("decode %x: invalid JSON %s", b, d.Out)
	}
	return string(d.Out)
}

// hexMsgpack builds a value from hex written by hand, for the encodings
// the library's Marshal never picks.
func hexMsgpack(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDecodeEveryType(t *testing.T) {
	ts := time.Date(2024, 5, 1, 10, 0, 0, 123456789, time.UTC)
	cases := []struct {
		name string
		in   []byte
		want string
	}{
		{"nil", mustMarshal(t, nil), `null`},
		{"bools", mustMarshal(t, []any{true, false}), `[true,false]`},
		{"fixint", mustMarshal(t, 5), `5`},
		{"negfixint", mustMarshal(t, -3), `-3`},
		{"uint64 beyond 2^53", mustMarshal(t, uint64(1<<53+1)), `9007199254740993`},
		{"max uint64", mustMarshal(t, uint64(math.MaxUint64)), `18446744073709551615`},
		{"min int64", mustMarshal(t, int64(math.MinInt64)), `-9223372036854775808`},
		{"int64 width", mustMarshal(t, int64(7)), `7`},
		{"float64 integral", mustMarshal(t, 1.0), `1.0`},
		{"float64", mustMarshal(t, 0.1), `0.1`},
		{"float64 big", mustMarshal(t, 1e21), `1e+21`},
		{"float64 neg zero", mustMarshal(t, math.Copysign(0, -1)), `-0.0`},
		{"float64 NaN", hexMsgpack(t, "cb7ff8000000000000"), `{"$f64":"NaN"}`},
		{"float64 Go NaN", mustMarshal(t, math.NaN()), `{"$f64":"NaN:7ff8000000000001"}`},
		{"float64 inf", mustMarshal(t, math.Inf(-1)), `{"$f64":"-Inf"}`},
		{"float32", mustMarshal(t, float32(1.5)), `{"$f32":1.5}`},
		{"float32 integral", mustMarshal(t, float32(2)), `{"$f32":2.0}`},
		{"float32 inf", mustMarshal(t, float32(math.Inf(1))), `{"$f32":"+Inf"}`},
		{"str", mustMarshal(t, "héllo \"q\"\n\x01"), `"héllo \"q\"\n\u0001"`},
		{"str not UTF-8", mustMarshal(t, "a\xffb"), `{"$str64":"Yf9i"}`},
		{"bin", mustMarshal(t, []byte{0, 1, 2}), `{"$bin":"AAEC"}`},
		{"empty bin", hexMsgpack(t, "c400"), `{"$bin":""}`},
		{"ext", hexMsgpack(t, "d40507"), `{"$ext":{"type":5,"data":"Bw=="}}`},
		{"time", mustMarshal(t, ts), `{"$time":"2024-05-01T10:00:00.123456789Z"}`},
		{"time seconds", mustMarshal(t, time.Unix(1700000000, 0)), `{"$time":"2023-11-14T22:13:20Z"}`},
		{"time before 1970", mustMarshal(t, time.Unix(-1, 0)), `{"$time":"1969-12-31T23:59:59Z"}`},
		{"time non-minimal", hexMsgpack(t, "d7ff0000000000000001"), `{"$ext":{"type":-1,"data":"AAAAAAAAAAE="}}`},
		{"array", mustMarshal(t, []any{1, "a", nil}), `[1,"a",null]`},
		{"empty map", mustMarshal(t, map[string]any{}), `{}`},
		{"map", hexMsgpack(t, "82a16101a16202"), `{"a":1,"b":2}`},
		{"dollar key", hexMsgpack(t, "82a324696401a1240c"), `{"$$id":1,"$$":12}`},
		{"int keys", mustMarshal(t, map[int]string{1: "x"}), `{"$map":[[1,"x"]]}`},
		{"dup keys", hexMsgpack(t, "82a16101a16102"), `{"$map":[["a",1],["a",2]]}`},
		{"non-UTF-8 key", hexMsgpack(t, "81a1ff01"), `{"$map":[[{"$str64":"/w=="},1]]}`},
		{"nested", mustMarshal(t, map[string]any{"u": map[string]any{"tags": []string{"x", "y"}}}), `{"u":{"tags":["x","y"]}}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := mustDecode(t, c.in); got != c.want {
				t.Errorf("got %s, want %s", got, c.want)
			}
		})
	}
}

// A struct as services write it: the library's own output of a struct.
func TestDecodeStruct(t *testing.T) {
	type session struct {
		User    string            `msgpack:"user"`
		ID      uint64            `msgpack:"id"`
		Score   float64           `msgpack:"score"`
		Roles   []string          `msgpack:"roles"`
		Avatar  []byte            `msgpack:"avatar"`
		Created time.Time         `msgpack:"created"`
		Meta    map[string]string `msgpack:"meta"`
		Nothing *int              `msgpack:"nothing"`
	}
	v := session{User: "ann", ID: 1 << 60, Score: 3, Roles: []string{"admin"}, Avatar: []byte("\x89PNG"),
		Created: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC), Meta: map[string]string{"$ip": "10.0.0.1"}}
	got := mustDecode(t, mustMarshal(t, v))
	want := `{"user":"ann","id":1152921504606846976,"score":3.0,"roles":["admin"],"avatar":{"$bin":"iVBORw=="},` +
		`"created":{"$time":"2025-01-02T03:04:05Z"},"meta":{"$$ip":"10.0.0.1"},"nothing":null}`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestDecodeErrors(t *testing.T) {
	for name, in := range map[string][]byte{
		"empty":          nil,
		"never used":     {0xc1},
		"trailing":       {0x91, 0x01, 0x02},
		"truncated str":  {0xa5, 'a'},
		"truncated map":  {0x82, 0xa1, 'a', 0x01},
		"truncated head": {0xcd, 0x01},
	} {
		if _, err := Codec.Decode(in, testLimit, false); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// With partial, a value cut short shows what it held, as valid JSON.
func TestDecodePartial(t *testing.T) {
	full := mustMarshal(t, map[string]any{"list": []any{"one", "two", "three"}})
	d, err := Codec.Decode(full[:len(full)-3], testLimit, true)
	if err != nil {
		t.Fatal(err)
	}
	if !d.Cut || string(d.Out) != `{"list":["one","two"]}` {
		t.Errorf("got %s cut=%v", d.Out, d.Cut)
	}
}

// The limit cuts Out, which stays valid JSON and never exceeds it.
func TestDecodeLimit(t *testing.T) {
	v := mustMarshal(t, map[string]any{"a": []any{bytes.Repeat([]byte("x"), 100), "yyyyyyyyyyyyyyyyyyyy", 12345}})
	full := mustDecode(t, v)
	for limit := 0; limit <= len(full)+1; limit++ {
		d, err := Codec.Decode(v, int64(limit), false)
		if err != nil {
			if limit > 2 {
				t.Errorf("limit %d: %v", limit, err)
			}
			continue
		}
		if len(d.Out) > limit || !json.Valid(d.Out) || d.Cut != (limit < len(full)) {
			t.Errorf("limit %d: cut=%v %s", limit, d.Cut, d.Out)
		}
	}
	long := mustMarshal(t, string(bytes.Repeat([]byte("é"), 1000)))
	d, err := Codec.Decode(long, 101, false)
	if err != nil || !d.Cut || len(d.Out) > 101 || !json.Valid(d.Out) {
		t.Errorf("long string: %v cut=%v %q", err, d.Cut, d.Out)
	}
}
