package jsontree

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	n, err := Parse([]byte(`{"b":1.50,"a":[18446744073709551615,"x\n",null,true,false,{}],"$c":{"k":[]}}`), 10)
	if err != nil {
		t.Fatal(err)
	}
	if n.Kind != '{' || strings.Join(n.Keys, ",") != "b,a,$c" || len(n.Kids) != 3 {
		t.Fatalf("root: %+v", n)
	}
	if b := n.Kids[0]; b.Kind != '0' || b.Text != "1.50" {
		t.Fatalf("b: %+v", b)
	}
	a := n.Kids[1]
	if a.Kind != '[' || len(a.Keys) != 0 || len(a.Kids) != 6 {
		t.Fatalf("a: %+v", a)
	}
	for i, want := range []Node{{Kind: '0', Text: "18446744073709551615"}, {Kind: 's', Text: "x\n"}, {Kind: 'n'}, {Kind: 'b', Text: "true"}, {Kind: 'b', Text: "false"}, {Kind: '{'}} {
		if got := a.Kids[i]; got.Kind != want.Kind || got.Text != want.Text || len(got.Kids) != 0 {
			t.Fatalf("a[%d]: %+v, want %+v", i, got, want)
		}
	}
	if c := n.Kids[2]; c.Kind != '{' || len(c.Keys) != 1 || c.Keys[0] != "k" || c.Kids[0].Kind != '[' {
		t.Fatalf("$c: %+v", c)
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		in, err string
		depth   int
	}{
		{`[[[1]]]`, "JSON: nested more than 2 deep", 2},
		{`1 2`, "JSON: text after the value", 10},
		{`{} x`, "JSON: text after the value", 10},
		{`[1,`, "JSON: ", 10},
		{`{"a"}`, "JSON: ", 10},
		{``, "JSON: ", 10},
	} {
		if _, err := Parse([]byte(tc.in), tc.depth); err == nil || !strings.HasPrefix(err.Error(), tc.err) {
			t.Errorf("%q: %v, want %q", tc.in, err, tc.err)
		}
	}
	if _, err := Parse([]byte(`[[[1]]]`), 3); err != nil {
		t.Errorf("depth 3: %v", err)
	}
}
