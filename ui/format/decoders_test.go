package format

import (
	"bytes"
	"compress/gzip"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/snappy"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
	"github.com/vmihailenco/msgpack/v5"
	"google.golang.org/protobuf/encoding/protowire"
)

// docText is every line of doc, joined.
func docText(doc *Document) string {
	var b strings.Builder
	for i := range doc.Len() {
		b.WriteString(doc.raw(i))
		b.WriteByte('\n')
	}
	return b.String()
}

func fixture(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Values as services store them, each made by its format's own library
// or language, are detected and shown with the chain of decoders in the
// format line.
func TestDetectedDecoders(t *testing.T) {
	mp, err := msgpack.Marshal(map[string]any{"user": 42, "tags": []string{"a", "b"}, "raw": []byte{0, 1}})
	if err != nil {
		t.Fatal(err)
	}
	var pb []byte
	pb = protowire.AppendTag(pb, 1, protowire.VarintType)
	pb = protowire.AppendVarint(pb, 150)
	pb = protowire.AppendTag(pb, 2, protowire.BytesType)
	pb = protowire.AppendString(pb, "ada")
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(mp)
	zw.Close()
	zw2, _ := zstd.NewWriter(nil)
	zmp := zw2.EncodeAll(mp, nil)
	var lz bytes.Buffer
	lw := lz4.NewWriter(&lz)
	lw.Write([]byte(`{"cached":true}`))
	lw.Close()
	var sn bytes.Buffer
	sw := snappy.NewBufferedWriter(&sn)
	sw.Write([]byte("plain text in snappy"))
	sw.Close()
	cases := []struct {
		name  string
		value []byte
		chain string
		shows []string
		// found is a word of the decoded form a search in values finds
		// (format.SearchText).
		found string
	}{
		{"msgpack", mp, "msgpack (map) → json", []string{`"user": 42`, `"$bin"`}, "tags"},
		{"gzip of msgpack", gz.Bytes(), "gzip → msgpack (map) → json", []string{`"user": 42`}, "tags"},
		{"zstd of msgpack", zmp, "zstd → msgpack (map) → json", []string{`"user": 42`}, "tags"},
		{"lz4 frame of JSON", lz.Bytes(), "lz4 (frame) → json", []string{`"cached": true`}, "cached"},
		{"framed snappy of text", sn.Bytes(), "snappy (framed) → text", []string{"plain text in snappy"}, "in snappy"},
		{"protobuf", pb, "protobuf (schemaless) → json", []string{`"1:varint": 150`, `"2:string": "ada"`}, "ada"},
		{"PHP serialize()", fixture(t, "codec/php/testdata/object.ser"), "php → json", []string{`"$object"`}, "$object"},
		{"PHP session", fixture(t, "codec/php/testdata/session.sess"), "php session → json", nil, "user_id"},
		{"Java serialization", fixture(t, "codec/javaser/testdata/hashmap.ser"), "java (stream) → json", []string{`"java.util.HashMap"`}, "$class"},
		{"Python pickle", fixture(t, "codec/pickle/testdata/mixed_p4.pickle"), "pickle (protocol 4) → json", nil, "$tuple"},
	}
	for _, c := range cases {
		doc, err := Build(c.value, Auto, Options{})
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if got := strings.Join(doc.Chain(), " → "); got != c.chain {
			t.Errorf("%s: chain %q, want %q", c.name, got, c.chain)
		}
		text := docText(doc)
		for _, s := range c.shows {
			if !strings.Contains(text, s) {
				t.Errorf("%s: %q not shown in:\n%s", c.name, s, text)
			}
		}
		if text, _ := SearchText(c.value, 1<<20); !strings.Contains(string(text), c.found) {
			t.Errorf("%s: a search reads %q, without %q", c.name, text, c.found)
		}
		if !slices.Contains(Available(c.value), doc.Mode()) {
			t.Errorf("%s: f does not offer %s: %v", c.name, doc.Mode(), Available(c.value))
		}
	}
}

// Editing through msgpack: the editor gets JSON; the edit goes back as
// msgpack that the library reads, inside the same gzip.
func TestEditThroughGzipOfMsgpack(t *testing.T) {
	mp, _ := msgpack.Marshal(map[string]any{"plan": "free", "seats": 3})
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(mp)
	zw.Close()
	e, err := OpenEdit(gz.Bytes(), Auto, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(e.Chain, ",") != "gzip,msgpack" || !e.JSON {
		t.Fatalf("chain %v", e.Chain)
	}
	out, err := e.Encode(bytes.Replace(e.Text, []byte(`"free"`), []byte(`"pro"`), 1))
	if err != nil {
		t.Fatal(err)
	}
	r, err := gzip.NewReader(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := msgpack.NewDecoder(r).Decode(&got); err != nil || got["plan"] != "pro" {
		t.Fatalf("the library reads %v (%v)", got, err)
	}
}

// Formats kvdeck only reads refuse an edit before the editor opens.
func TestReadOnlyDecodersRefuseEdits(t *testing.T) {
	for _, path := range []string{"codec/javaser/testdata/hashmap.ser", "codec/pickle/testdata/mixed_p4.pickle"} {
		if _, err := OpenEdit(fixture(t, path), Auto, Options{}); !IsNotEditable(err) || !strings.Contains(err.Error(), "can only read") {
			t.Errorf("%s: %v, want a refusal saying kvdeck only reads it", path, err)
		}
	}
}

// A search in values reads through the decoders: the text inside zstd of
// msgpack, and the chain that gave it.
func TestSearchTextThroughDecoders(t *testing.T) {
	mp, _ := msgpack.Marshal(map[string]any{"plan": "enterprise"})
	zw, _ := zstd.NewWriter(nil)
	text, chain := SearchText(zw.EncodeAll(mp, nil), 1<<20)
	if !strings.Contains(string(text), `"plan":"enterprise"`) || chain != "zstd → msgpack" {
		t.Fatalf("%q via %q", text, chain)
	}
	if text, _ := SearchText([]byte(`{"plain":"json"}`), 1<<20); text != nil {
		t.Fatalf("plain JSON decodes to %q", text)
	}
	// A zstd bomb: a small value that decompresses without end is cut
	// at the limit.
	bomb := zw.EncodeAll(make([]byte, 64<<20), nil)
	if text, _ := SearchText(bomb, 1<<20); len(text) > 1<<20 {
		t.Fatalf("the bomb gave %d bytes", len(text))
	}
}

// Formats without a magic number are not detected but offered by f, and
// shown when chosen: raw snappy, raw deflate, brotli.
func TestFormatsWithoutAMagicNumberAreOffered(t *testing.T) {
	var fl bytes.Buffer
	fw, _ := flate.NewWriter(&fl, flate.DefaultCompression)
	fw.Write([]byte(`{"deflated":true}`))
	fw.Close()
	var br bytes.Buffer
	bw := brotli.NewWriter(&br)
	bw.Write([]byte("body{margin:0}"))
	bw.Close()
	for mode, value := range map[Mode][]byte{
		"snappy":  snappy.Encode(nil, []byte("raw snappy, as memcached clients write it")),
		"deflate": fl.Bytes(),
		"brotli":  br.Bytes(),
	} {
		if !slices.Contains(Available(value), mode) {
			t.Errorf("f does not offer %s: %v", mode, Available(value))
			continue
		}
		doc, err := Build(value, mode, Options{})
		if err != nil {
			t.Errorf("%s: %v", mode, err)
			continue
		}
		if got := strings.Join(doc.Chain(), " → "); !strings.HasPrefix(got, string(mode)) {
			t.Errorf("%s: chain %q", mode, got)
		}
	}
}

// Binary bytes that are no format (random, as a hash or an encrypted
// token is) stay a hex dump: decoders detect by what the whole value is,
// not by a lucky first byte. 20,000 random values, 8 to 400 bytes: the
// msgpack sniff alone took 9% of them before it asked the whole value to
// parse.
func TestRandomBytesAreNotDetectedAsAFormat(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	detected := map[Mode]int{}
	for range 20000 {
		b := make([]byte, 8+r.IntN(400))
		for j := range b {
			b[j] = byte(r.UintN(256))
		}
		m := Detect(b)
		if m != Hex {
			detected[m]++
			continue // a few parse as protobuf whole: f shows the hex
		}
		if doc, err := Build(b, Auto, Options{}); err != nil || doc.Shown() != Hex {
			t.Fatalf("random bytes %x… shown as %v (%v)", b[:8], doc.Chain(), err)
		}
	}
	total := 0
	for _, n := range detected {
		total += n
	}
	if total > 100 { // 0.5%
		t.Fatalf("%d of 20,000 random values detected as a format: %v", total, detected)
	}
}
