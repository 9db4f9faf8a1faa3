package php

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/kvdeck/kvdeck/ui/format/codec"
)

func addFixtures(f *testing.F, pattern string) {
	files, _ := filepath.Glob(filepath.Join("testdata", pattern))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, uint16(4096), false)
		f.Add(b, uint16(40), true)
	}
}

func FuzzPHP(f *testing.F) {
	addFixtures(f, "*.ser")
	f.Add([]byte(`a:2:{i:1;s:1:"$";s:1:"a";C:1:"A":1:{x}}`), uint16(100), false)
	f.Fuzz(func(t *testing.T, b []byte, limit uint16, partial bool) {
		checkCodec(t, Serialize, b, int64(limit), partial)
	})
}

func FuzzPHPSession(f *testing.F) {
	addFixtures(f, "*.sess")
	f.Add([]byte(`a|i:1;$b|R:1;`), uint16(100), false)
	f.Fuzz(func(t *testing.T, b []byte, limit uint16, partial bool) {
		checkCodec(t, Session, b, int64(limit), partial)
	})
}

// checkCodec asserts what every decode must keep: no panic, Out within
// the limit and valid JSON, and a value that encodes back decoding to
// the same JSON.
func checkCodec(t *testing.T, c codec.Codec, b []byte, limit int64, partial bool) {
	c.Sniff(b)
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
		t.Fatalf("decoding the re-encoded %q: %v (JSON %s)", again, err, d.Out)
	}
	if !bytes.Equal(back.Out, d.Out) {
		t.Fatalf("JSON changed on the way back:\n%s\n%s", d.Out, back.Out)
	}
}
