package main

import (
	"os"
	"strings"
	"testing"
)

// The screens in testdata are kvdeck's, captured from tmux at 160x50 on a
// redis-server loaded with DEBUG POPULATE 2000 key 10 (plus user:1:prefs).

func load(t *testing.T, name string) Screen {
	t.Helper()
	raw, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return Screen{Lines: strings.Split(strings.TrimRight(string(raw), "\n"), "\n")}
}

// withStatus replaces the status bar, for states too brief to capture.
func withStatus(s Screen, bar string) Screen {
	lines := append([]string(nil), s.Lines...)
	lines[len(lines)-1] = bar
	return Screen{Lines: lines}
}

func TestListedKeys(t *testing.T) {
	s := load(t, "listed.txt")
	if n, done, ok := s.ListedKeys(); !ok || !done || n != 2001 {
		t.Fatalf("ListedKeys = %d, %v, %v; want 2001, done", n, done, ok)
	}
	if !s.ListingComplete(2001) || s.ListingComplete(2000) {
		t.Fatal("ListingComplete must hold for the exact count only")
	}
	for _, bar := range []string{
		"                                   redis 0  1500 keys… listing",
		"                                   redis 0  2001 keys… listing 250k/s",
		"                                   redis 0  2001 keys… listing",
	} {
		if s := withStatus(s, bar); s.ListingComplete(2001) {
			t.Errorf("%q taken for a complete listing", bar)
		}
	}
}

func TestPanes(t *testing.T) {
	s := load(t, "listed.txt")
	if got := s.FirstKey([]string{"key:"}); got != "key:674" {
		t.Errorf("FirstKey = %q", got)
	}
	if got := s.FirstKey([]string{"session:"}); got != "" {
		t.Errorf("FirstKey with other prefixes = %q, want none", got)
	}
	if got := s.KeysPaneTitle(); got != "0" {
		t.Errorf("KeysPaneTitle = %q", got)
	}
	if got := s.KeyRow(1); got != "key:344" {
		t.Errorf("KeyRow(1) = %q", got)
	}
	// A key with a TTL has it at the right of its row.
	ttl := Screen{Lines: append([]string(nil), s.Lines...)}
	row := []rune(ttl.Lines[3])
	copy(row[33:], []rune("session:c1e86794-2265-9b3a-9f4e-5ba1d1ae3d9b          23h57m"))
	ttl.Lines[3] = string(row)
	if got := ttl.KeyRow(1); got != "session:c1e86794-2265-9b3a-9f4e-5ba1d1ae3d9b" {
		t.Errorf("KeyRow(1) of a row with a TTL = %q", got)
	}
	if !s.ValueShown("key:674") || s.ValueShown("key:344") {
		t.Error("ValueShown must hold for key:674 only")
	}
	// The cursor moved to key:344 and its value is not read yet.
	if load(t, "moved.txt").ValueShown("key:344") {
		t.Error("ValueShown before the value pane switched")
	}
	if !load(t, "value.txt").ValueShown("key:344") {
		t.Error("ValueShown after the value was read")
	}
	// A pane that says it is listing shows no key.
	empty := load(t, "listed.txt")
	empty.Lines = append([]string(nil), empty.Lines...)
	r := []rune(empty.Lines[2])
	copy(r[33:], []rune("listing…  "))
	empty.Lines[2] = string(r)
	if got := empty.FirstKey([]string{"key:", "listing"}); got != "listing…" {
		// The prefix test is what keeps "listing…" out; check the row is read.
		t.Fatalf("row read as %q", got)
	}
	if got := empty.FirstKey([]string{"key:"}); got != "" {
		t.Errorf("FirstKey on a listing pane = %q", got)
	}
}

func TestOverlaysAndStatus(t *testing.T) {
	if !load(t, "help.txt").HelpShown() || load(t, "listed.txt").HelpShown() {
		t.Error("HelpShown")
	}
	// The overlay covers the middle of the screen; the rows above it are
	// still read.
	if got := load(t, "help.txt").FirstKey([]string{"key:"}); got != "key:674" {
		t.Errorf("FirstKey above the help overlay = %q", got)
	}
	f := load(t, "filter.txt")
	if !f.FilterEditing() {
		t.Error("FilterEditing")
	}
	if n, ok := f.FilterDone("key:1"); !ok || n != 1271 {
		t.Errorf("FilterDone = %d, %v", n, ok)
	}
	if _, ok := f.FilterDone("key:"); ok {
		t.Error("FilterDone for an earlier query")
	}
	if _, ok := withStatus(f, `/key:1         redis 0  1271 of 2001 keys match "key:1" (filtering…)`).FilterDone("key:1"); ok {
		t.Error("FilterDone while filtering")
	}
	found, total, ok := load(t, "search-done.txt").SearchDone("value:12")
	if !ok || found != 111 || total != 2001 {
		t.Errorf("SearchDone = %d of %d, %v", found, total, ok)
	}
	if _, _, ok := load(t, "listed.txt").SearchDone("value:12"); ok {
		t.Error("SearchDone with no search")
	}
	if !load(t, "listed.txt").FirstFrame() {
		t.Error("FirstFrame")
	}
}
