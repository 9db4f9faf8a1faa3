package php

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kvdeck/kvdeck/ui/format/codec"
)

const testLimit = 1 << 20

// fixtureJSON is what each fixture PHP made (testdata/make.php) decodes to.
var fixtureJSON = map[string]string{
	"custom.ser":       `[{"$custom":{"class":"Legacy","data":"{\"data\":\"x\"}"}},{"$custom":{"class":"Legacy","data":"{\"data\":\"x\"}"}}]`,
	"enum.ser":         `[{"$enum":"Suit:Hearts"},{"$enum":"Suit:Spades"},{"$objref":2}]`,
	"floats.ser":       `[0.1,{"$float":"1"},{"$float":"-0"},1.0E+25,1.5E-7,3.14159,{"$float":"INF"},{"$float":"-INF"},{"$float":"NAN"}]`,
	"keys.ser":         `{"$array":[[5,"five"],["a","x"],[-1,"neg"],[10,"ten"],[0,"zero"]]}`,
	"mixed.ser":        `{"count":3,"items":[1,2,3],"price":9.99,"ok":true,"meta":null}`,
	"nested.ser":       `{"user":{"id":5,"roles":["admin","dev"],"prefs":{"theme":"dark","size":12}},"empty":[],"list":[[1,[2,[3]]]]}`,
	"object.ser":       `{"$object":{"class":"User","props":{"name":"ann","\u0000*\u0000role":"admin","\u0000User\u0000secret":"pa\u0000ss","tags":["x","y"]}}}`,
	"objects.ser":      `{"a":{"$object":{"class":"stdClass","props":{"id":7}}},"b":{"$objref":2},"std":{"$object":{"class":"stdClass","props":{"k":"v","n":null}}}}`,
	"references.ser":   `[{"v":1,"r":{"$ref":3}},[1,2,{"$ref":5}]]`,
	"scalars.ser":      `[null,true,false,0,-42,9223372036854775807,-9223372036854775808]`,
	"serializable.ser": `{"$object":{"class":"Point","props":{"$array":[[0,1],[1,2]]}}}`,
	"session.sess":     `{"user_id":42,"name":"Zoë","cart":{"sku-1":2,"sku-2":1},"last":1.5,"obj":{"$object":{"class":"stdClass","props":{"id":7}}},"again":{"$objref":7}}`,
	"strings.ser":      `["","héllo wörld ✓","line\nbreak\ttab \"quoted\"",{"$bytes":"AAH//iBiaW5hcnk="},"$dollar","long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long "]`,
}

func TestFixtures(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.se*")
	if len(files) < 10 {
		t.Fatalf("fixtures missing: %v", files)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		c := Serialize
		if strings.HasSuffix(f, ".sess") {
			c = Session
		}
		name := filepath.Base(f)
		if !c.Sniff(b) {
			t.Errorf("%s: not sniffed", name)
		}
		d, err := c.Decode(b, testLimit, false)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if !json.Valid(d.Out) {
			t.Errorf("%s: invalid JSON %s", name, d.Out)
		}
		if want := fixtureJSON[name]; string(d.Out) != want {
			t.Errorf("%s:\ngot  %s\nwant %s", name, d.Out, want)
		}
		if err := codec.RoundTrip(c, b, d, testLimit); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}
