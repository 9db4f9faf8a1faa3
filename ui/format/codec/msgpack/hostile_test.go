package msgpack

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// Hostile headers give errors without allocating what they claim.
func TestHostile(t *testing.T) {
	cases := map[string][]byte{
		"array32 of 2^32-1": {0xdd, 0xff, 0xff, 0xff, 0xff, 0x01},
		"map32 of 2^32-1":   {0xdf, 0xff, 0xff, 0xff, 0xff, 0xa1, 'a', 0x01},
		"str32 of 4 GB":     {0xdb, 0xff, 0xff, 0xff, 0xff, 'a'},
		"bin32 of 4 GB":     {0xc6, 0xff, 0xff, 0xff, 0xff},
		"ext32 of 4 GB":     {0xc9, 0xff, 0xff, 0xff, 0xff, 0x01},
		"deep arrays":       bytes.Repeat([]byte{0x91}, 100000),
		"deep maps":         bytes.Repeat([]byte{0x81, 0xc0}, 100000),
		"deep in map keys":  bytes.Repeat([]byte{0x81}, 100000),
	}
	for name, in := range cases {
		allocs := testing.AllocsPerRun(1, func() {
			for _, partial := range []bool{false, true} {
				if _, err := Codec.Decode(in, testLimit, partial); err == nil && !partial {
					t.Errorf("%s: no error", name)
				}
			}
			Codec.Sniff(in)
			Codec.Try(in)
		})
		_ = allocs
	}
	// No big allocation: a 4 GB claim must cost what a small value does.
	in := []byte{0xdd, 0xff, 0xff, 0xff, 0xff, 0xdb, 0xff, 0xff, 0xff, 0xff}
	var before, after runtimeMem
	before.read()
	for range 100 {
		_, _ = Codec.Decode(in, testLimit, true)
	}
	after.read()
	if d := after.total - before.total; d > 10<<20 {
		t.Errorf("100 decodes of a 4 GB claim allocated %d bytes", d)
	}
}

// Control bytes in strings and keys never reach Out raw.
func TestControlBytesEscaped(t *testing.T) {
	var raw []byte
	for c := 0; c < 0x20; c++ {
		raw = append(raw, byte(c))
	}
	raw = append(raw, 0x7f, '"', '\\')
	v := mustMarshal(t, map[string]string{string(raw): string(raw)})
	d, err := Codec.Decode(v, testLimit, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range d.Out {
		if c < 0x20 || c == 0x7f {
			t.Fatalf("raw control byte %#x in %q", c, d.Out)
		}
	}
	var back map[string]string
	if err := json.Unmarshal(d.Out, &back); err != nil || back[string(raw)] != string(raw) {
		t.Errorf("escaped JSON does not read back: %v %q", err, d.Out)
	}
}

func TestSniff(t *testing.T) {
	yes := [][]byte{
		mustMarshal(t, map[string]any{"a": 1}),
		mustMarshal(t, []int{1, 2, 3}),
		mustMarshal(t, make([]int, 40000)),
		// A prefix that fills the sniff window: the value goes on.
		mustMarshal(t, map[string]any{"long": strings.Repeat("x", 100000)})[:sniffBytes],
	}
	no := [][]byte{
		nil, []byte("hello"), []byte(`{"a":1}`), mustMarshal(t, "just a string"), mustMarshal(t, 5),
		{0x92, 0x01, 0x02, 0x03}, // trailing byte: not one value
		{0x91, 0xc1},             // never-used byte
		[]byte("ޞ Thaana text, valid UTF-8 starting with 0xde"),
		// Shorter than the window, so the whole value, and cut short:
		// random binary bytes behind a map header often look like this.
		mustMarshal(t, map[string]any{"long": strings.Repeat("x", 100000)})[:1000],
	}
	for _, b := range yes {
		if !Codec.Sniff(b) {
			t.Errorf("sniff %x: no", b[:min(len(b), 16)])
		}
	}
	for _, b := range no {
		if Codec.Sniff(b) {
			t.Errorf("sniff %q: yes", b)
		}
	}
	if !Codec.Try(mustMarshal(t, "just a string")) || Codec.Try([]byte("hello")) {
		t.Error("try")
	}
	big := mustMarshal(t, make([]int, 40000))
	if n := testing.AllocsPerRun(10, func() { Codec.Sniff(big) }); n > 8 { // a walker, its reader and decoder: not per element
		t.Errorf("sniff allocates %v times", n)
	}
}
