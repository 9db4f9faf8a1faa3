package javaser

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/kvdeck/kvdeck/ui/format/codec"
)

var update = flag.Bool("update", false, "rewrite testdata/*.json from the decoder (review the diff)")

// fixtures are the .ser files MakeFixtures.java wrote (testdata/README.md).
func fixtures(t testing.TB) map[string][]byte {
	t.Helper()
	files, err := filepath.Glob("testdata/*.ser")
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	m := map[string][]byte{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		m[strings.TrimSuffix(filepath.Base(f), ".ser")] = b
	}
	return m
}

func TestFixturesMatchGolden(t *testing.T) {
	for name, b := range fixtures(t) {
		d, err := Codec.Decode(b, 1<<20, false)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if d.Cut || d.View != codec.JSON || !json.Valid(d.Out) {
			t.Fatalf("%s: cut %v view %v valid %v", name, d.Cut, d.View, json.Valid(d.Out))
		}
		golden := filepath.Join("testdata", name+".json")
		if *update {
			var pretty bytes.Buffer
			_ = json.Indent(&pretty, d.Out, "", "  ")
			if err := os.WriteFile(golden, append(pretty.Bytes(), '\n'), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatal(err)
		}
		var compact bytes.Buffer
		if err := json.Compact(&compact, want); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(compact.Bytes(), d.Out) {
			t.Errorf("%s:\n got %s\nwant %s", name, d.Out, compact.Bytes())
		}
	}
}

// decodeAny decodes a fixture into Go values for the checks below.
func decodeAny(t *testing.T, b []byte) any {
	t.Helper()
	d, err := Codec.Decode(b, 1<<20, false)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(d.Out, &v); err != nil {
		t.Fatalf("%v: %s", err, d.Out)
	}
	return v
}

func path(v any, keys ...any) any {
	for _, k := range keys {
		switch k := k.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			a, _ := v.([]any)
			if k >= len(a) {
				return nil
			}
			v = a[k]
		}
	}
	return v
}

func TestFixtureStructure(t *testing.T) {
	fx := fixtures(t)
	checks := []struct {
		fixture string
		keys    []any
		want    any
	}{
		{"hashmap", []any{"$class"}, "java.util.HashMap"},
		{"hashmap", []any{"fields", "loadFactor"}, 0.75},
		{"hashmap", []any{"annotations", 1}, "name"},
		{"hashmap", []any{"annotations", 2}, "kvdeck"},
		{"hashmap", []any{"annotations", 4, "fields", "value"}, 42.0},
		{"arraylist", []any{"fields", "size"}, 4.0},
		{"arraylist", []any{"annotations", 3}, nil},
		{"person", []any{"$serialVersionUID"}, "42"},
		{"person", []any{"fields", "name"}, "Ada"},
		{"person", []any{"fields", "initial"}, "A"},
		{"person", []any{"fields", "b"}, -2.0},
		{"person", []any{"fields", "id"}, "1234567890123456789"},
		{"person", []any{"fields", "tags", "items", 1}, "engines"},
		{"inheritance", []any{"$super", 0}, "MakeFixtures$Base"},
		{"inheritance", []any{"fields", "id"}, 8.0},
		{"inheritance", []any{"fields", "MakeFixtures$Base.id"}, 7.0},
		{"enum", []any{"$enum"}, "GREEN"},
		{"arrays", []any{"items", 1, "base64"}, "AAH/"},
		{"arrays", []any{"items", 3, "$class"}, "long[][]"},
		{"arrays", []any{"items", 4, "items", 1}, "NaN"},
		{"arrays", []any{"items", 7, "items", 1, "$enum"}, "BLUE"},
		{"unicode", nil, "h\u00e9llo w\u00f6rld \u2713 \U0001F600 nul\x00 tab\t esc\x1b del\x7f"},
		{"writeobject", []any{"annotations", 0, "$block"}, "0000000700056578747261"},
		{"writeobject", []any{"annotations", 1}, "annotation object"},
		{"cycle", []any{"fields", "next", "fields", "next", "$ref"}, "0x7e0003"},
		{"cycle", []any{"$handle"}, "0x7e0003"},
		{"externalizable", []any{"external", 0, "$block"}, "00000063000865787465726e616c"},
		{"holder", []any{"fields", "second"}, "shared"},
		{"holder", []any{"fields", "type", "$javaclass"}, "java.lang.String"},
		{"holder", []any{"fields", "proxy", "$class"}, "proxy(java.lang.Runnable)"},
		{"stream", []any{"$stream", 2}, "one"},
	}
	for _, c := range checks {
		got := path(decodeAny(t, fx[c.fixture]), c.keys...)
		if got != c.want {
			t.Errorf("%s %v: got %#v, want %#v", c.fixture, c.keys, got, c.want)
		}
	}
	long, _ := path(decodeAny(t, fx["longstring"])).(string)
	if len(long) != 70000 || !strings.HasPrefix(long, "abcdef") {
		t.Errorf("longstring: %d characters", len(long))
	}
}

func TestReadOnly(t *testing.T) {
	b := fixtures(t)["person"]
	d, err := Codec.Decode(b, 1<<20, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := codec.RoundTrip(Codec, b, d, 1<<20); !errors.Is(err, codec.ErrReadOnly) {
		t.Fatalf("RoundTrip: %v, want ErrReadOnly", err)
	}
}

func TestSniff(t *testing.T) {
	for name, b := range fixtures(t) {
		if !Codec.Sniff(b[:6]) {
			t.Errorf("%s: not sniffed", name)
		}
	}
	for _, b := range [][]byte{nil, {0xac, 0xed}, []byte(`{"a":1}`), {0xac, 0xed, 0, 4, 0x70}} {
		if Codec.Sniff(b) {
			t.Errorf("%x sniffed", b)
		}
	}
}

func TestNotJava(t *testing.T) {
	_, err := Codec.Decode([]byte("hello"), 100, false)
	if err == nil || !strings.HasPrefix(err.Error(), "not a Java serialization stream:") {
		t.Fatalf("got %v", err)
	}
}

// check is what every decode must satisfy: no panic (the caller), Out
// within the limit, valid JSON whenever it holds something.
func check(t testing.TB, b []byte, limit int64, partial bool) (codec.Decoded, error) {
	d, err := Codec.Decode(b, limit, partial)
	if err != nil {
		return d, err
	}
	if int64(len(d.Out)) > limit {
		t.Fatalf("Out is %d bytes, limit %d", len(d.Out), limit)
	}
	if len(d.Out) > 0 && !json.Valid(d.Out) {
		t.Fatalf("Out is not JSON (limit %d): %q", limit, d.Out)
	}
	if !d.Cut && len(d.Out) == 0 {
		t.Fatalf("empty Out without a cut")
	}
	if bytes.ContainsFunc(d.Out, func(r rune) bool { return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) }) {
		t.Fatalf("control character in Out: %q", d.Out)
	}
	return d, nil
}

func TestCutAtEveryLimit(t *testing.T) {
	for name, b := range fixtures(t) {
		if name == "longstring" {
			continue
		}
		full, _ := Codec.Decode(b, 1<<20, false)
		for limit := int64(0); limit <= int64(len(full.Out))+1; limit++ {
			d, err := check(t, b, limit, false)
			if err != nil {
				t.Fatalf("%s at %d: %v", name, limit, err)
			}
			if d.Cut != (limit < int64(len(full.Out))) {
				t.Fatalf("%s at %d: cut %v, whole is %d bytes", name, limit, d.Cut, len(full.Out))
			}
		}
	}
}

func TestTruncated(t *testing.T) {
	for name, b := range fixtures(t) {
		step := 1
		if len(b) > 1000 {
			step = 997
		}
		for n := 5; n < len(b); n += step {
			if _, err := Codec.Decode(b[:n], 1<<20, false); err == nil {
				// A prefix can be a whole stream of fewer items.
				continue
			}
			d, err := check(t, b[:n], 1<<20, true)
			if err != nil {
				// Nothing whole to show yet.
				if !strings.Contains(err.Error(), "ends early") {
					t.Fatalf("%s[:%d] partial: %v", name, n, err)
				}
				continue
			}
			if d.Detail != "stream, ends early" && !strings.HasPrefix(d.Detail, "stream") {
				t.Fatalf("%s[:%d]: detail %q", name, n, d.Detail)
			}
		}
	}
}

// allocated runs f and returns the bytes it allocated.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

func TestHostile(t *testing.T) {
	hdr := []byte{0xac, 0xed, 0, 5}
	cat := func(parts ...[]byte) []byte { return bytes.Join(append([][]byte{hdr}, parts...), nil) }
	arrayDesc := []byte("\x72\x00\x13[Ljava.lang.Object;\x00\x00\x00\x00\x00\x00\x00\x01\x02\x00\x00\x78\x70")
	deep := cat(bytes.Repeat(nil, 0))
	deep = append(deep, 0x75)
	deep = append(deep, arrayDesc...)
	deep = append(deep, 0, 0, 0, 1)
	for range 5000 {
		// An Object[1] holding the next, its class a reference.
		deep = append(deep, 0x75, 0x71, 0x00, 0x7e, 0x00, 0x00, 0, 0, 0, 1)
	}
	deep = append(deep, 0x70)
	cases := map[string][]byte{
		"long string of 2^62 bytes": cat([]byte{0x7c, 0x40, 0, 0, 0, 0, 0, 0, 0}, []byte("abc")),
		"string of 65535 bytes":     cat([]byte{0x74, 0xff, 0xff, 'a'}),
		"array of 2^31-1 ints":      cat([]byte("\x75\x72\x00\x02[I\x00\x00\x00\x00\x00\x00\x00\x01\x02\x00\x00\x78\x70\x7f\xff\xff\xff\x00\x00\x00\x01")),
		"negative array":            cat([]byte("\x75\x72\x00\x02[I\x00\x00\x00\x00\x00\x00\x00\x01\x02\x00\x00\x78\x70\xff\xff\xff\xff")),
		"long block of 2^31-1":      cat([]byte{0x7a, 0x7f, 0xff, 0xff, 0xff, 1, 2}),
		"65535 fields":              cat([]byte("\x73\x72\x00\x01A\x00\x00\x00\x00\x00\x00\x00\x01\x02\xff\xff")),
		"2^31-1 proxy interfaces":   cat([]byte{0x73, 0x7d, 0x7f, 0xff, 0xff, 0xff}),
		"reference to nothing":      cat([]byte{0x71, 0x00, 0x7e, 0x00, 0x09}),
		"deep nesting":              deep,
		"class desc loop":           cat([]byte("\x73\x72\x00\x01A\x00\x00\x00\x00\x00\x00\x00\x01\x02\x00\x00\x78\x71\x00\x7e\x00\x00")),
		"unknown byte":              cat([]byte{0x42}),
		"end block at top":          cat([]byte{0x78}),
	}
	for name, b := range cases {
		var err error
		n := allocated(func() { _, err = check(t, b, 1<<20, false) })
		if n > 4<<20 {
			t.Errorf("%s: allocated %d bytes", name, n)
		}
		if err == nil && name != "string of 65535 bytes" {
			t.Errorf("%s: no error", name)
		} else if err != nil && !strings.Contains(err.Error(), "Java serialization stream") {
			t.Errorf("%s: error not in user words: %v", name, err)
		}
		// And as a prefix: shown or refused, never a panic.
		_, _ = check(t, b, 1<<20, true)
	}
}

func TestControlBytesEscaped(t *testing.T) {
	var s []byte
	for c := 0; c < 0x100; c++ {
		s = append(s, byte(c))
	}
	s = append(s, 0xc0, 0x80, 0xed, 0xa0, 0x80, 0xc2, 0x85, 0xe2, 0x80, 0xa8)
	b := append([]byte{0xac, 0xed, 0, 5, 0x74, byte(len(s) >> 8), byte(len(s))}, s...)
	d, err := check(t, b, 1<<20, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, esc := range []string{`\u0000`, `\u001b`, `\u007f`, `\u0085`, `\ud800`, `\u2028`} {
		if !bytes.Contains(d.Out, []byte(esc)) {
			t.Errorf("%s missing from %s", esc, d.Out)
		}
	}
}
