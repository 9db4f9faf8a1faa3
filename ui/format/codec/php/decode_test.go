package php

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/kvdeck/kvdeck/ui/format/codec"
)

func mustDecode(t *testing.T, c codec.Codec, in string) string {
	t.Helper()
	d, err := c.Decode([]byte(in), testLimit, false)
	if err != nil {
		t.Fatalf("%q: %v", in, err)
	}
	if d.Cut || !json.Valid(d.Out) {
		t.Fatalf("%q: cut=%v %s", in, d.Cut, d.Out)
	}
	return string(d.Out)
}

// Every element type, including what the fixtures lack; each also
// round-trips byte for byte.
func TestEveryType(t *testing.T) {
	cases := map[string]string{
		`N;`:                               `null`,
		`b:1;`:                             `true`,
		`i:-7;`:                            `-7`,
		`d:0.5;`:                           `0.5`,
		`d:2;`:                             `{"$float":"2"}`,
		`s:3:"a"b";`:                       `"a\"b"`,
		"s:2:\"\x01\x7f\";":                `"\u0001\u007f"`,
		"s:1:\"\xff\";":                    `{"$bytes":"/w=="}`,
		`a:0:{}`:                           `[]`,
		`a:2:{i:1;N;i:0;N;}`:               `{"$array":[[1,null],[0,null]]}`,
		`a:2:{s:1:"a";N;s:1:"a";N;}`:       `{"$array":[["a",null],["a",null]]}`,
		"a:1:{s:1:\"\xff\";N;}":            `{"$array":[[{"$bytes":"/w=="},null]]}`,
		`a:1:{s:1:"0";N;}`:                 `{"0":null}`,
		`a:2:{s:3:"$id";i:1;s:1:"$";i:2;}`: `{"$$id":1,"$$":2}`,
		`O:3:"Foo":0:{}`:                   `{"$object":{"class":"Foo","props":{}}}`,
		"C:3:\"Foo\":2:{\x00\xff}":         `{"$custom":{"class":"Foo","data":{"$bytes":"AP8="}}}`,
		`E:7:"Foo:Bar";`:                   `{"$enum":"Foo:Bar"}`,
		`a:2:{i:0;a:0:{}i:1;R:2;}`:         `[[],{"$ref":2}]`,
	}
	for in, want := range cases {
		if got := mustDecode(t, Serialize, in); got != want {
			t.Errorf("%q: got %s, want %s", in, got, want)
		}
		d, _ := Serialize.Decode([]byte(in), testLimit, false)
		if err := codec.RoundTrip(Serialize, []byte(in), d, testLimit); err != nil {
			t.Errorf("%q: %v", in, err)
		}
	}
}

func TestErrors(t *testing.T) {
	for _, in := range []string{
		``, `x`, `N`, `b:2;`, `i:;`, `i:99999999999999999999;`, `d:0x10;`, `d:inf;`, `s:5:"ab";`, `s:-1:"";`,
		`a:1:{d:1;N;}`, `a:1:{i:0;N;`, `N;N;`, `O:3:"Foo":1:{}`, `E:3:"Foo";`, `r:0;`, `C:1:"A":5:{x}`,
		"O:1:\"\xff\":0:{}",
	} {
		if d, err := Serialize.Decode([]byte(in), testLimit, false); err == nil {
			t.Errorf("%q: decoded to %s", in, d.Out)
		}
	}
	for _, in := range []string{`a|N;a|N;`, `|N;`, `a|`, `a|x`} {
		if d, err := Session.Decode([]byte(in), testLimit, false); err == nil {
			t.Errorf("session %q: decoded to %s", in, d.Out)
		}
	}
}

// Re-encoding refuses what PHP would write otherwise.
func TestRoundTripRefusesNonCanonical(t *testing.T) {
	for _, in := range []string{`i:007;`, `i:-0;`} {
		d, err := Serialize.Decode([]byte(in), testLimit, false)
		if err != nil {
			t.Fatal(err)
		}
		if err := codec.RoundTrip(Serialize, []byte(in), d, testLimit); err == nil {
			t.Errorf("%q: accepted", in)
		}
	}
}

func TestPartialAndLimit(t *testing.T) {
	in, _ := readFixture(t, "nested.ser")
	d, err := Serialize.Decode(in[:60], testLimit, true)
	if err != nil || !d.Cut || !json.Valid(d.Out) {
		t.Fatalf("partial: %v cut=%v %s", err, d.Cut, d.Out)
	}
	if !strings.HasPrefix(string(d.Out), `{"user":{"id":5,"roles":[`) {
		t.Errorf("partial: %s", d.Out)
	}
	// Every fixture at every limit: Out stays within it and valid JSON.
	for name := range fixtureJSON {
		in, c := readFixture(t, name)
		full := mustDecode(t, c, string(in))
		for limit := 0; limit <= len(full); limit++ {
			d, err := c.Decode(in, int64(limit), false)
			if err != nil {
				// A root whose opener ({"$object":{"class":…) does
				// not fit is an error: there is no valid JSON to show.
				if limit >= 64 {
					t.Errorf("%s limit %d: %v", name, limit, err)
				}
				continue
			}
			if len(d.Out) > limit || !json.Valid(d.Out) || d.Cut != (limit < len(full)) {
				t.Errorf("%s limit %d: cut=%v %s", name, limit, d.Cut, d.Out)
			}
		}
	}
}

func TestHostile(t *testing.T) {
	cases := []string{
		`s:4294967295:"a";`, `a:4294967295:{i:0;N;`, `O:4:"Userx":9999999999:{`, `C:1:"A":4294967296:{}`,
		strings.Repeat(`a:1:{i:0;`, 100000), strings.Repeat(`O:1:"A":1:{s:1:"a";`, 50000),
		"a:1:{i:0;" + strings.Repeat("a:1:{i:0;", 1000) + "N;" + strings.Repeat("}", 1001),
	}
	for _, in := range cases {
		for _, c := range []codec.Codec{Serialize, Session} {
			c.Sniff([]byte(in))
			if _, err := c.Decode([]byte(in), testLimit, false); err == nil {
				t.Errorf("%.40q: no error", in)
			}
			_, _ = c.Decode([]byte(in), testLimit, true)
		}
	}
	// Depth within the bound decodes.
	ok := strings.Repeat("a:1:{i:0;", 999) + "N;" + strings.Repeat("}", 999)
	mustDecode(t, Serialize, ok)
	// Control bytes never reach Out raw, in values or in keys.
	var raw bytes.Buffer
	for c := 0; c < 0x20; c++ {
		raw.WriteByte(byte(c))
	}
	s := raw.String()
	in := "a:1:{s:32:\"" + s + "\";s:32:\"" + s + "\";}"
	out := mustDecode(t, Serialize, in)
	for _, c := range []byte(out) {
		if c < 0x20 {
			t.Fatalf("raw control byte in %q", out)
		}
	}
}

func TestSniff(t *testing.T) {
	for _, in := range []string{`a:1:{i:0;i:1;}`, `O:8:"stdClass":0:{}`, `s:3:"abc";`, `i:-5;`, `b:0;`, `a:2:{i:0;s:3:"ab`} {
		if !Serialize.Sniff([]byte(in)) {
			t.Errorf("%q: not sniffed", in)
		}
	}
	for _, in := range []string{`hello`, `a:1:{x}`, `i:5`, `{"a":1}`, `s:3:"abc";extra`, `N;N;`, `a:b`} {
		if Serialize.Sniff([]byte(in)) {
			t.Errorf("%q: sniffed", in)
		}
	}
	for _, in := range []string{`user|i:1;`, `a|s:1:"x";b|N;`} {
		if !Session.Sniff([]byte(in)) {
			t.Errorf("session %q: not sniffed", in)
		}
	}
	for _, in := range []string{`a|b`, `a|i:1;x;`, `i:1;`, `|i:1;`, "x\n|i:1;"} {
		if Session.Sniff([]byte(in)) {
			t.Errorf("session %q: sniffed", in)
		}
	}
}
