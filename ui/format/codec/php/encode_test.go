package php

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kvdeck/kvdeck/ui/format/codec"
)

func readFixture(t *testing.T, name string) ([]byte, codec.Codec) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	if strings.HasSuffix(name, ".sess") {
		return b, Session
	}
	return b, Serialize
}

// An edit of a fixture's JSON encodes to the fixture's bytes with just
// that change, as PHP would have written the edited value.
func TestEncodeEdited(t *testing.T) {
	cases := []struct{ fixture, from, to, wantFrom, wantTo string }{
		{"mixed.ser", `"count":3`, `"count":4`, `s:5:"count";i:3;`, `s:5:"count";i:4;`},
		{"mixed.ser", `"price":9.99`, `"price":{"$float":"10"}`, `d:9.99;`, `d:10;`},
		{"mixed.ser", `"items":[1,2,3]`, `"items":[1,2]`, `a:3:{i:0;i:1;i:1;i:2;i:2;i:3;}`, `a:2:{i:0;i:1;i:1;i:2;}`},
		{"object.ser", `"name":"ann"`, `"name":"Anné"`, `s:3:"ann";`, `s:5:"Anné";`},
		{"object.ser", `"\u0000User\u0000secret":"pa\u0000ss"`, `"\u0000User\u0000secret":"x"`, "s:5:\"pa\x00ss\";", `s:1:"x";`},
		{"keys.ser", `[5,"five"]`, `["five",5]`, `i:5;s:4:"five";`, `s:4:"five";i:5;`},
		{"session.sess", `"user_id":42`, `"user_id":43,"$$new":"v"`, `user_id|i:42;`, `user_id|i:43;$new|s:1:"v";`},
		{"enum.ser", `{"$objref":2}`, `{"$enum":"Suit:Spades"}`, `r:2;`, `E:11:"Suit:Spades";`},
	}
	for _, c := range cases {
		b, cd := readFixture(t, c.fixture)
		d, err := cd.Decode(b, testLimit, false)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(d.Out), c.from) {
			t.Fatalf("%s: %s not in %s", c.fixture, c.from, d.Out)
		}
		edited := strings.Replace(string(d.Out), c.from, c.to, 1)
		got, err := cd.Encode(d, []byte(edited))
		if err != nil {
			t.Errorf("%s: %v", c.fixture, err)
			continue
		}
		want := strings.Replace(string(b), c.wantFrom, c.wantTo, 1)
		if string(got) != want {
			t.Errorf("%s:\ngot  %q\nwant %q", c.fixture, got, want)
		}
	}
}

func TestEncodeErrors(t *testing.T) {
	for _, in := range []string{
		`{"$nope":1}`, `{"$bytes":"**"}`, `{"$x":1,"y":2}`, `9223372036854775808`, `{"$float":"1x"}`,
		`{"$array":[[1.5,1]]}`, `{"$array":[[1]]}`, `{"$object":{"props":{},"class":"A"}}`, `{"$enum":"NoCase"}`,
		`{"$ref":0}`, `[1,2`, `1 2`, `{"$custom":{"class":"A","data":1}}`,
	} {
		if b, err := Serialize.Encode(codec.Decoded{}, []byte(in)); err == nil {
			t.Errorf("%s: encoded to %q", in, b)
		}
	}
	for _, in := range []string{`[1]`, `{"a|b":1}`, `{"":1}`, `{"$bytes":"AA=="}`} {
		if b, err := Session.Encode(codec.Decoded{}, []byte(in)); err == nil {
			t.Errorf("session %s: encoded to %q", in, b)
		}
	}
}
