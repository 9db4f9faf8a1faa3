package format

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"
)

func lines(d *Document) []string {
	out := make([]string, d.Len())
	for i := range out {
		out[i] = d.Line(i)
	}
	return out
}

func TestTextLines(t *testing.T) {
	doc, err := Build([]byte("first\r\nsecond\n\n\tindented\x1b[2Jwipe\nlast"), Text, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"first", "second", "", "    indented" + `\x1b[2Jwipe`, "last"}
	if got := lines(doc); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("lines = %q, want %q", got, want)
	}
	if doc.Mode() != Text || doc.Shown() != Text || doc.Path(0) != "" {
		t.Errorf("mode %v shown %v path %q", doc.Mode(), doc.Shown(), doc.Path(0))
	}
	for _, c := range []struct {
		in string
		n  int
	}{{"", 0}, {"a", 1}, {"a\n", 1}, {"a\n\n", 2}, {"\n", 1}} {
		doc, _ := Build([]byte(c.in), Text, Options{})
		if doc.Len() != c.n {
			t.Errorf("%q: %d lines, want %d", c.in, doc.Len(), c.n)
		}
	}
	if doc.Line(-1) != "" || doc.Line(doc.Len()) != "" {
		t.Errorf("out-of-range lines should be empty")
	}
}

func TestHexLinesFollowEncodingHexDump(t *testing.T) {
	value := append([]byte("hello \x1b[31m world\x00\x01\xff"), randomBytes(70)...)
	doc, err := Build(value, Hex, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Split(strings.TrimSuffix(hex.Dump(value), "\n"), "\n")
	if got := lines(doc); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("hex lines:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestBase64ShowsDecodedValue(t *testing.T) {
	inner := []byte(`{"user":"alice","roles":["admin","ops"]}`)
	doc, err := Build(b64(inner), Auto, Options{})
	if err != nil {
		t.Fatal(err)
	}
	direct, _ := Build(inner, JSON, Options{})
	if doc.Mode() != Base64 || doc.Shown() != JSON {
		t.Errorf("mode %v shown %v, want base64 shown as json", doc.Mode(), doc.Shown())
	}
	if strings.Join(lines(doc), "\n") != strings.Join(lines(direct), "\n") {
		t.Errorf("decoded lines differ from the JSON's own")
	}
	if doc.Path(2) != "$.roles" {
		t.Errorf("Path(2) = %q", doc.Path(2))
	}
	if !strings.Contains(doc.Notice(), "base64") || !strings.Contains(doc.Notice(), "json") {
		t.Errorf("notice %q", doc.Notice())
	}
	// Wrapped at 76 columns, as MIME writes it.
	wrapped := b64(bytes.Repeat([]byte("some text "), 20))
	var w []byte
	for len(wrapped) > 76 {
		w, wrapped = append(append(w, wrapped[:76]...), '\r', '\n'), wrapped[76:]
	}
	w = append(w, wrapped...)
	doc, err = Build(w, Base64, Options{})
	if err != nil || doc.Shown() != Text || !strings.HasPrefix(doc.Line(0), "some text some text") {
		t.Errorf("wrapped base64: err %v", err)
	}
	if _, err := Build([]byte("not base64 at all!"), Base64, Options{}); err == nil {
		t.Errorf("Build accepted bad base64")
	}
}

func TestGzipShowsDecompressedValue(t *testing.T) {
	inner := []byte("line one\nline two\n")
	doc, err := Build(gzipped(t, inner), Auto, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if doc.Mode() != Gzip || doc.Shown() != Text || strings.Join(lines(doc), "|") != "line one|line two" {
		t.Errorf("gzip: mode %v shown %v lines %q", doc.Mode(), doc.Shown(), lines(doc))
	}
	if !strings.Contains(doc.Notice(), "decompressed") {
		t.Errorf("notice %q", doc.Notice())
	}

	// base64 of gzip of JSON: both layers named, JSON at the bottom.
	doc, err = Build(b64(gzipped(t, []byte(`{"a":[1,2]}`))), Auto, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if doc.Mode() != Base64 || doc.Shown() != JSON || doc.Path(1) != "$.a" {
		t.Errorf("base64+gzip: mode %v shown %v path %q", doc.Mode(), doc.Shown(), doc.Path(1))
	}
	if n := doc.Notice(); !strings.Contains(n, "base64") || !strings.Contains(n, "gzip") || !strings.Contains(n, "json") {
		t.Errorf("notice %q", n)
	}
}

func TestGzipBombIsCut(t *testing.T) {
	bomb := gzipped(t, make([]byte, 4<<20))
	doc, err := Build(bomb, Gzip, Options{MaxDecoded: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if doc.Shown() != Hex || doc.Len() != (1000+15)/16 {
		t.Errorf("cut bomb: shown %v, %d lines", doc.Shown(), doc.Len())
	}
	if !strings.Contains(doc.Notice(), "cut") {
		t.Errorf("notice %q does not say the output was cut", doc.Notice())
	}
	// A cut JSON output is shown as far as it goes, not refused.
	js := generateUsers(100 << 10)
	doc, err = Build(gzipped(t, js), Gzip, Options{MaxDecoded: 10 << 10})
	if err != nil || doc.Shown() != JSON || doc.Len() < 100 {
		t.Fatalf("cut JSON: err %v", err)
	}
}

func TestTruncatedGzip(t *testing.T) {
	z := gzipped(t, bytes.Repeat([]byte("compressible text\n"), 5000))
	cut := z[:len(z)/2]
	if _, err := Build(cut, Gzip, Options{}); err == nil {
		t.Errorf("a cut gzip stream built without error")
	}
	doc, err := Build(cut, Gzip, Options{Partial: true})
	if err != nil {
		t.Fatal(err)
	}
	if doc.Len() == 0 || doc.Line(0) != "compressible text" {
		t.Errorf("partial gzip: %d lines, first %q", doc.Len(), doc.Line(0))
	}
	if _, err := Build([]byte("plain"), Gzip, Options{}); err == nil {
		t.Errorf("non-gzip built as gzip")
	}
}

func TestHumanBytes(t *testing.T) {
	cases := map[int64]string{0: "0 B", 512: "512 B", 1000: "1.0 kB", 1_500_000: "1.5 MB", 10 << 20: "10 MB", -1: "unknown size"}
	for n, want := range cases {
		if got := HumanBytes(n); got != want {
			t.Errorf("HumanBytes(%d) = %q, want %q", n, got, want)
		}
	}
}
