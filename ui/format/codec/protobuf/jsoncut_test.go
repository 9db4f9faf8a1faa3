package protobuf

import (
	"encoding/json"
	"testing"
)

func TestCutJSON(t *testing.T) {
	for _, tc := range []struct {
		in    string
		limit int
		want  string
	}{
		{`{"a":1,"b":2}`, 100, `{"a":1,"b":2}`},
		{`{"a":1,"b":2}`, 12, `{"a":1}`},
		{`{"a":1,"b":2}`, 2, `{}`},
		{`{"a":1,"b":2}`, 1, ``},
		{`{"a":"hello"}`, 10, `{"a":"he"}`},
		{`{"key":1}`, 5, `{}`},                // never inside a key
		{`{"a":"x\u00e9y"}`, 12, `{"a":"x"}`}, // never inside an escape
		{`{"a":"日本"}`, 11, `{"a":"日"}`},       // never inside a character
		{`{"a":[1,2,{"b":[3]}]}`, 16, `{"a":[1,2,{}]}`},
		{`{"a":{"b":`, 100, `{"a":{}}`}, // a prefix, as the renderer leaves it
	} {
		got := cutJSON([]byte(tc.in), tc.limit)
		if string(got) != tc.want {
			t.Errorf("cutJSON(%s, %d) = %s, want %s", tc.in, tc.limit, got, tc.want)
		}
		if got != nil && (!json.Valid(got) || len(got) > tc.limit) {
			t.Errorf("cutJSON(%s, %d) = %s: invalid or too long", tc.in, tc.limit, got)
		}
	}
}
