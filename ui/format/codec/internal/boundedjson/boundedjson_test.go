package boundedjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// write writes one value with every kind of element, stopping at the first
// error as the codecs do.
func write(o *Writer) error {
	key := func(k string) error { return o.Key(AppendString(nil, []byte(k))) }
	steps := []func() error{
		func() error { return o.Open("{", "}") },
		func() error { return key("name") },
		func() error { return o.Str([]byte("h\u00e9llo \"x\"\n\x01\x7f\\")) },
		func() error { return key("list") },
		func() error { return o.Open("[", "]") },
		func() error { return o.Put([]byte("1")) },
		func() error { return o.Put([]byte("true")) },
		func() error { return o.Wrapped(`{"$bin":"`, []byte{0, 1, 2, 0xff, 0xfe}, `"}`) },
		func() error { return o.Open("{", "}") },
		func() error { o.Close(); return nil },
		func() error { return o.Open("[", "]") },
		func() error { return o.Put([]byte("null")) },
		func() error { o.Close(); return nil },
		func() error { o.Close(); return nil },
		func() error { return key("long") },
		func() error { return o.Str([]byte(strings.Repeat("ab\t", 20))) },
		func() error { o.Close(); return nil },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

func TestWriterWhole(t *testing.T) {
	o := New(1<<20, 0)
	if err := write(o); err != nil {
		t.Fatal(err)
	}
	got := o.Finish()
	want := `{"name":"h` + "\u00e9" + `llo \"x\"\n\u0001\u007f\\","list":[1,true,{"$bin":"AAEC//4="},{},[null]],"long":"` +
		strings.Repeat(`ab\t`, 20) + `"}`
	if string(got) != want || o.Cut() {
		t.Fatalf("got %s (cut %v), want %s", got, o.Cut(), want)
	}
}

// TestWriterBound cuts the value at every limit: the output never exceeds
// the limit and is valid JSON (or empty when not even the root fits).
func TestWriterBound(t *testing.T) {
	whole := New(1<<20, 0)
	if err := write(whole); err != nil {
		t.Fatal(err)
	}
	full := string(whole.Finish())
	for limit := -1; limit <= len(full)+2; limit++ {
		o := New(int64(limit), 16)
		err := write(o)
		if err != nil && !errors.Is(err, ErrCut) {
			t.Fatalf("limit %d: %v", limit, err)
		}
		cut := o.Cut()
		got := o.Finish()
		if len(got) > max(limit, 0) {
			t.Fatalf("limit %d: %d bytes: %s", limit, len(got), got)
		}
		if len(got) > 0 && !json.Valid(got) {
			t.Fatalf("limit %d: not JSON: %s", limit, got)
		}
		if fits := limit >= len(full); fits == cut || fits != (err == nil) {
			t.Fatalf("limit %d: cut %v, err %v, for %d bytes", limit, cut, err, len(full))
		}
		if !cut && string(got) != full {
			t.Fatalf("limit %d: got %s, want %s", limit, got, full)
		}
	}
}

// TestWriterEarlyEnd closes what a partial value left open.
func TestWriterEarlyEnd(t *testing.T) {
	o := New(100, 0)
	for _, err := range []error{o.Open("[", "]"), o.Put([]byte("1")), o.Open("{", "}"), o.Key([]byte(`"k"`))} {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := string(o.Finish()); got != "[1,{}]" {
		t.Fatalf("got %s", got)
	}
	if got := string(New(100, 0).Finish()); got != "" {
		t.Fatalf("nothing written: got %q", got)
	}
}

// TestWriterLongString shows the start of a string that does not fit.
func TestWriterLongString(t *testing.T) {
	o := New(10, 0)
	if err := o.Str([]byte("abcdefghijkl")); !errors.Is(err, ErrCut) || !o.Cut() {
		t.Fatalf("err %v, cut %v", err, o.Cut())
	}
	if got := string(o.Finish()); got != `"abcdefgh"` {
		t.Fatalf("got %s", got)
	}
	o = New(12, 0)
	if err := o.Wrapped(`"`, bytes.Repeat([]byte{0xff}, 12), `"`); !errors.Is(err, ErrCut) {
		t.Fatalf("err %v", err)
	}
	if got := string(o.Finish()); got != `"////////"` {
		t.Fatalf("got %s", got)
	}
}

func TestAppendString(t *testing.T) {
	for c := 0; c < 256; c++ {
		s := []byte{byte(c)}
		q := AppendString(nil, s)
		if len(q)-2 != jsonStringLen(s) {
			t.Fatalf("byte %#x: %s is not %d+2 bytes", c, q, jsonStringLen(s))
		}
		if c >= 0x80 {
			continue
		}
		var back string
		if err := json.Unmarshal(q, &back); err != nil || back != string(s) {
			t.Fatalf("byte %#x: %s reads as %q, %v", c, q, back, err)
		}
		if c < 0x20 || c == 0x7f {
			if !bytes.HasPrefix(q, []byte(`"\`)) {
				t.Fatalf("byte %#x: %s not escaped", c, q)
			}
		}
	}
	if got := string(AppendString([]byte("x"), []byte("\u00e9\u2028"))); got != "x\"\u00e9\u2028\"" {
		t.Fatalf("got %s", got)
	}
}
