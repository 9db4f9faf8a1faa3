package keymap

import (
	"flag"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the README's key table")

// The README's key table must list the bindings kvdeck really has.
// `go test ./keymap -update` rewrites it.
func TestReadmeKeyTableIsCurrent(t *testing.T) {
	const start, end = "<!-- keys:start -->", "<!-- keys:end -->"
	raw, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	s := string(raw)
	i, j := strings.Index(s, start), strings.Index(s, end)
	if i < 0 || j < i {
		t.Fatal("README.md has no key table markers")
	}
	want := start + "\n" + strings.TrimSpace(Default().Markdown()) + "\n" + end
	got := s[i : j+len(end)]
	if got == want {
		return
	}
	if *update {
		if err := os.WriteFile("../README.md", []byte(s[:i]+want+s[j+len(end):]), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Fatal("README.md's key table differs from keymap.Default(); run go test ./keymap -update")
}
