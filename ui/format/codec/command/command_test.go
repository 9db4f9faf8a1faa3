package command

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/kvdeck/kvdeck/ui/format/codec"
)

// A decoder command that is a real program (gzip), and the way back; Go's
// own reader reads the edit.
func TestDecoderCommandRoundTrip(t *testing.T) {
	d := Decoder{
		Name:   "gz",
		Decode: []string{"gzip", "-dc"},
		Encode: []string{"gzip", "-c"},
		Keys:   []string{"cache:*"},
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte(`{"a":1}`))
	zw.Close()
	c := d.Codec(Where{Key: "cache:1", Bucket: "0", Store: "redis"})
	got, err := c.Decode(buf.Bytes(), 1<<20, false)
	if err != nil || string(got.Out) != `{"a":1}` {
		t.Fatalf("decode: %q %v", got.Out, err)
	}
	if err := codec.RoundTrip(c, buf.Bytes(), got, 1<<20); err != nil {
		t.Fatalf("round trip: %v", err)
	}
	enc, err := c.Encode(got, []byte(`{"a":2}`))
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(enc))
	if err != nil {
		t.Fatal(err)
	}
	back, _ := io.ReadAll(zr)
	if string(back) != `{"a":2}` {
		t.Fatalf("Go's zlib reads the edit as %q", back)
	}
	if !d.Matches("cache:api:1") || d.Matches("session:1") {
		t.Fatal("keys glob")
	}
}

// The key, bucket and store reach the command's environment; no shell
// runs unless written, so a value cannot inject one.
func TestDecoderCommandEnvironment(t *testing.T) {
	d := Decoder{Name: "env", Decode: []string{"sh", "-c", `printf '%s|%s|%s|' "$KVDECK_KEY" "$KVDECK_BUCKET" "$KVDECK_STORE"; cat`}}
	got, err := d.Codec(Where{Key: "k; rm -rf /", Bucket: "b", Store: "nats"}).Decode([]byte("$(echo hi)"), 1<<20, false)
	if err != nil || string(got.Out) != "k; rm -rf /|b|nats|$(echo hi)" {
		t.Fatalf("%q %v", got.Out, err)
	}
}

// Failures say which command and show its stderr; a slow command is
// stopped at its timeout; endless output is cut at the limit; a decoder
// without an encoder is read-only.
func TestDecoderCommandFailures(t *testing.T) {
	fail := Decoder{Name: "bad", Decode: []string{"sh", "-c", "echo 'cannot parse header' >&2; exit 3"}}
	_, err := fail.Codec(Where{}).Decode([]byte("x"), 1<<20, false)
	if err == nil || !strings.Contains(err.Error(), "cannot parse header") || !strings.Contains(err.Error(), "exit status 3") {
		t.Fatalf("failure: %v", err)
	}
	slow := Decoder{Name: "slow", Decode: []string{"sleep", "10"}, Timeout: 200 * time.Millisecond}
	start := time.Now()
	_, err = slow.Codec(Where{}).Decode(nil, 1<<20, false)
	if err == nil || !strings.Contains(err.Error(), "took longer than 200ms") || time.Since(start) > 5*time.Second {
		t.Fatalf("timeout: %v after %v", err, time.Since(start))
	}
	endless := Decoder{Name: "yes", Decode: []string{"head", "-c", "5000000", "/dev/zero"}}
	got, err := endless.Codec(Where{}).Decode(nil, 4096, false)
	if err != nil || !got.Cut || len(got.Out) != 4096 {
		t.Fatalf("endless: %d bytes cut %v err %v", len(got.Out), got.Cut, err)
	}
	missing := Decoder{Name: "missing", Decode: []string{"/no/such/decoder"}}
	if _, err := missing.Codec(Where{}).Decode(nil, 10, false); err == nil || !strings.Contains(err.Error(), "/no/such/decoder") {
		t.Fatalf("missing: %v", err)
	}
	ro := Decoder{Name: "ro", Decode: []string{"cat"}}
	c := ro.Codec(Where{})
	d, _ := c.Decode([]byte("v"), 10, false)
	if err := codec.RoundTrip(c, []byte("v"), d, 10); err == nil {
		t.Fatal("a decoder without an encoder must be read-only")
	}
	det := Decoder{Name: "det", Detect: []string{"grep", "-q", "MAGIC"}}
	if !det.Applies(context.Background(), Where{}, []byte("xxMAGICxx")) || det.Applies(context.Background(), Where{}, []byte("plain")) {
		t.Fatal("detect command")
	}
}
