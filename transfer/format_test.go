package transfer

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kvdeck/kvdeck/backend"
)

var exportedAt = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)

// Every type, text and binary, through a line and back: the same record.
func TestJSONLRoundTripsEveryType(t *testing.T) {
	exp := exportedAt.Add(90 * time.Minute)
	recs := []backend.Record{
		{Key: "s", Kind: backend.KindString, Value: []byte(`{"a":1}`), ExpiresAt: exp},
		{Key: "bin", Kind: backend.KindString, Value: []byte{0, 0xff, 'x'}},
		{Key: "empty", Kind: backend.KindString, Value: []byte{}},
		{Key: "k\xffbinary-name", Kind: backend.KindString, Value: []byte("v")},
		{Key: "h", Kind: backend.KindHash, Elements: []backend.Element{{Field: "f", Value: []byte("1")}, {Field: "g\x00", Value: []byte{0xfe}}}},
		{Key: "l", Kind: backend.KindList, Elements: []backend.Element{{Value: []byte("a"), Index: 0}, {Value: []byte("a"), Index: 1}}},
		{Key: "set", Kind: backend.KindSet, Elements: []backend.Element{{Value: []byte("x")}}},
		{Key: "z", Kind: backend.KindZSet, Elements: []backend.Element{{Value: []byte("m"), Score: math.Nextafter(0.3, 1)}, {Value: []byte("n"), Score: math.Inf(-1)}, {Value: []byte("o"), Score: math.Inf(1)}}},
		{Key: "st", Kind: backend.KindStream, Elements: []backend.Element{{Field: "1-1", Fields: []backend.Field{{Name: "k", Value: "v"}, {Name: "k", Value: "w"}}}}},
		{Key: "nats.key", Kind: backend.KindString, Value: []byte("v"), Revision: 42, Created: exportedAt.Add(-time.Hour)},
	}
	for _, rec := range recs {
		b, err := EncodeJSONL("b0", rec, exportedAt)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.ContainsAny(b, "\n") {
			t.Fatalf("%s: a newline inside the line: %s", rec.Key, b)
		}
		got, err := DecodeJSONL(b, exportedAt)
		if err != nil {
			t.Fatalf("%s: %v\n%s", rec.Key, err, b)
		}
		if !got.ExpiresAt.Equal(rec.ExpiresAt) || !got.Created.Equal(rec.Created) {
			t.Errorf("%s: times %v %v, want %v %v", rec.Key, got.ExpiresAt, got.Created, rec.ExpiresAt, rec.Created)
		}
		got.ExpiresAt, got.Created, rec.ExpiresAt, rec.Created = time.Time{}, time.Time{}, time.Time{}, time.Time{}
		if !reflect.DeepEqual(got, rec) {
			t.Errorf("%s came back as\n%+v\nwant\n%+v\nline %s", rec.Key, got, rec, b)
		}
	}
	line, _ := EncodeJSONL("b0", recs[0], exportedAt)
	for _, want := range []string{`"encoding":"text"`, `"ttl_ms":5400000`, `"expires_at":"2026-11-30T13:30:00.000Z"`, `"bucket":"b0"`} {
		if !strings.Contains(string(line), want) {
			t.Errorf("%s lacks %s", line, want)
		}
	}
	if line, _ := EncodeJSONL("b0", recs[1], exportedAt); !strings.Contains(string(line), `"encoding":"base64","value":"AP94"`) {
		t.Errorf("a binary value: %s", line)
	}
}

// A malformed line gives an error that says what is wrong.
func TestJSONLMalformedLines(t *testing.T) {
	for _, tc := range []struct{ line, want string }{
		{`{"key":"k","type":"string","value":"v"`, "not JSON"},
		{`{"key":"k","type":"string","encoding":"base64","value":"!!"}`, "not base64"},
		{`{"key":"k","type":"blob","value":"v"}`, `unknown type "blob"`},
		{`{"type":"string","value":"v"}`, "no key"},
		{`{"key":"k","type":"string"}`, "no value"},
		{`{"key":"k","type":"hash","elements":[{"field":"f"}]}`, "no value"},
		{`{"key":"k","type":"zset","elements":[{"value":"m","score":"lots"}]}`, "score"},
		{`{"key":"k","type":"stream","elements":[{"id":"x","fields":[["a","b"]]}]}`, "stream entry id"},
		{`{"key":"k","type":"string","value":"v","expires_at":"tomorrow"}`, "RFC 3339"},
		{`{"key":"k","type":"string","value":"v","encoding":"rot13"}`, "unknown encoding"},
		{`{"key_base64":"***","type":"string","value":"v"}`, "key_base64"},
	} {
		_, err := DecodeJSONL([]byte(tc.line), exportedAt)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.line, err, tc.want)
		}
	}
}

// Tiny RDM's rows: hex key, hex DUMP, absolute expiry in ms or -1.
func TestRDMCSVRows(t *testing.T) {
	dump := []byte("\x00\x01v\x0b\x00\x01\x02\x03\x04\x05\x06\x07\x08")
	exp := time.UnixMilli(1790000000123)
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	if err := EncodeRDMCSV(w, backend.Record{Key: "k:1", Dump: dump, ExpiresAt: exp}); err != nil {
		t.Fatal(err)
	}
	if err := EncodeRDMCSV(w, backend.Record{Key: "k:2", Dump: dump}); err != nil {
		t.Fatal(err)
	}
	w.Flush()
	want := "6b3a31,000176" + "0b0001020304050607" + "08,1790000000123\n6b3a32,000176" + "0b0001020304050607" + "08,-1\n"
	if buf.String() != want {
		t.Fatalf("rows\n%s\nwant\n%s", buf.String(), want)
	}
	rec, err := DecodeRDMCSV([]string{"6b3a31", "0001760b000102030405060708", "1790000000123"})
	if err != nil || rec.Key != "k:1" || !bytes.Equal(rec.Dump, dump) || !rec.ExpiresAt.Equal(exp) {
		t.Fatalf("decoded %+v, %v", rec, err)
	}
	if rec, err := DecodeRDMCSV([]string{"6b", "0001760b000102030405060708"}); err != nil || !rec.ExpiresAt.IsZero() {
		t.Fatalf("two columns: %+v %v", rec, err)
	}
	for _, tc := range []struct {
		row  []string
		want string
	}{
		{[]string{"zz", "00"}, "key is not hex"},
		{[]string{"6b", "0g"}, "dump is not hex"},
		{[]string{"6b", "0001"}, "no DUMP payload"},
		{[]string{"6b", "0001760b000102030405060708", "soon"}, "unix milliseconds"},
		{[]string{"6b"}, "columns"},
	} {
		if _, err := DecodeRDMCSV(tc.row); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want %q", tc.row, err, tc.want)
		}
	}
}

// A line longer than MaxLine is read through and dropped, never held:
// the next line is read as usual.
func TestReadLineDropsAnOverlongLine(t *testing.T) {
	long := strings.Repeat("x", 3000)
	r := strings.NewReader(long + "\nnext\nlast")
	br := bufioReader(r)
	line, tooLong, err := readLine(br, 1000)
	if !tooLong || line != nil || err != nil {
		t.Fatalf("the long line: %q %v %v", line, tooLong, err)
	}
	if line, tooLong, err = readLine(br, 1000); string(line) != "next" || tooLong || err != nil {
		t.Fatalf("after it: %q %v %v", line, tooLong, err)
	}
	if line, _, err = readLine(br, 1000); string(line) != "last" || !errors.Is(err, ioEOF) {
		t.Fatalf("the last line without a newline: %q %v", line, err)
	}
}

var ioEOF = io.EOF

func bufioReader(r io.Reader) *bufio.Reader { return bufio.NewReaderSize(r, 64) }
