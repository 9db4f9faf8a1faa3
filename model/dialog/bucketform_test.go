package dialog

import (
	"maps"
	"testing"
)

func TestMetadataTextRoundTrip(t *testing.T) {
	for _, m := range []map[string]string{
		nil,
		{"owner": "team-a"},
		{"owners": "a, b, c", "query": "x=1&y=2", "path": `C:\new\dir`, "multi": "line one\nline two", "k=ey": "v", " spaced ": " both "},
	} {
		text := formatMetadata(m)
		got, err := parseMetadata(text)
		if err != nil {
			t.Fatalf("parseMetadata(%q): %v", text, err)
		}
		want := maps.Clone(m)
		if v, ok := want[" spaced "]; ok { // space around a key is dropped
			delete(want, " spaced ")
			want["spaced"] = v
		}
		if !maps.Equal(got, want) {
			t.Errorf("round trip of %v through %q = %v", m, text, got)
		}
	}
	for _, bad := range []string{"novalue", "=v", "a=1\na=2"} {
		if _, err := parseMetadata(bad); err == nil {
			t.Errorf("parseMetadata(%q) accepted", bad)
		}
	}
	if got, _ := parseMetadata("a=b=c, d\n\n  \nx="); !maps.Equal(got, map[string]string{"a": "b=c, d", "x": ""}) {
		t.Errorf("parseMetadata = %v", got)
	}
}
