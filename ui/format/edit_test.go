package format

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"io"
	"strings"
	"testing"
)

func gz(t *testing.T, b []byte, level int) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := gzip.NewWriterLevel(&buf, level)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

func gunzipAll(t *testing.T, b []byte) string {
	t.Helper()
	r, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// JSON inside gzip inside base64, as a cache library stores it: the editor
// gets the JSON, and the edit goes back gzipped and base64-encoded the
// same way (URL alphabet, no padding), which Go's own readers decode.
func TestEditThroughBase64AndGzip(t *testing.T) {
	inner := []byte(`{"user":42,"plan":"free"}`)
	value := []byte(base64.RawURLEncoding.EncodeToString(gz(t, inner, gzip.BestSpeed)))
	// Unpadded base64 is not detected (a word or a digest may look like
	// it): the user picked base64 with f.
	e, err := OpenEdit(value, Base64, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(e.Chain, ",") != "base64,gzip" || !e.JSON || string(e.Text) != string(inner) {
		t.Fatalf("chain %v json %v text %q", e.Chain, e.JSON, e.Text)
	}
	out, err := e.Encode([]byte(`{"user":42,"plan":"enterprise"}`))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := base64.RawURLEncoding.DecodeString(string(out))
	if err != nil {
		t.Fatalf("the edit is not unpadded URL base64 as the value was: %q (%v)", out, err)
	}
	if raw[8] != 4 {
		t.Errorf("gzip level: XFL %d, the value said fastest (4)", raw[8])
	}
	if got := gunzipAll(t, raw); got != `{"user":42,"plan":"enterprise"}` {
		t.Fatalf("the edit reads back as %q", got)
	}
}

// Base64 wrapped at 76 columns with a final newline comes back wrapped the
// same way; a value in a form kvdeck would not write back exactly is
// refused before the editor opens.
func TestEditKeepsTheBase64Form(t *testing.T) {
	inner := bytes.Repeat([]byte("line of text "), 20)
	enc := base64.StdEncoding.EncodeToString(inner)
	var wrapped strings.Builder
	for len(enc) > 76 {
		wrapped.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	wrapped.WriteString(enc + "\r\n")
	e, err := OpenEdit([]byte(wrapped.String()), Base64, Options{})
	if err != nil {
		t.Fatal(err)
	}
	again, err := e.Encode(e.Text)
	if err != nil || string(again) != wrapped.String() {
		t.Fatalf("unchanged edit wrote %q (%v), want the value back", again, err)
	}
	// Lines of uneven length: re-encoding would change the value.
	odd := "aGVsbG8g\nd29ybGQgYW5kIG1vcmU="
	if _, err := OpenEdit([]byte(odd), Base64, Options{}); !IsNotEditable(err) {
		t.Fatalf("uneven lines: %v, want a refusal", err)
	}
}

// Plain JSON and text are edited as they are.
func TestEditOfPlainValues(t *testing.T) {
	for _, v := range []string{`{"a":1}`, "hello", "\x00\x01binary"} {
		e, err := OpenEdit([]byte(v), Auto, Options{})
		if err != nil || len(e.Chain) != 0 || string(e.Text) != v {
			t.Fatalf("%q: %v %+v", v, err, e)
		}
		if out, _ := e.Encode([]byte("new")); string(out) != "new" {
			t.Fatalf("%q: encode gave %q", v, out)
		}
	}
}
