package config

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestRecent(t *testing.T) {
	state := t.TempDir()
	t.Setenv("XDG_STATE_HOME", state)
	r, err := LoadRecent()
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(state, "kvdeck", "recent.toml"); r.Path != want || len(r.Entries) != 0 {
		t.Fatalf("got %+v", r)
	}
	t0 := time.Date(2026, 11, 30, 10, 0, 0, 500, time.FixedZone("CET", 3600))
	r.Add("redis://app:hunter2@cache:6379/0", KindRedis, t0)
	r.Add("nats://hunter2@n1:4222,u:hunter2@n2", KindNATS, t0.Add(time.Minute))
	r.AddConnection("prod", KindRedis, t0.Add(2*time.Minute))
	r.Add("/srv/kv.db", KindLocal, t0.Add(3*time.Minute))
	// Again: moves to the front, once.
	r.Add("redis://app:other-secret@cache:6379/0", KindRedis, t0.Add(4*time.Minute))
	if err := r.Save(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(r.Path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), "hunter2") || strings.Contains(string(data), "other-secret") {
		t.Fatalf("a secret was written:\n%s", data)
	}
	want := `# kvdeck's recent targets, newest first; kvdeck rewrites this file.

[[recent]]
target = 'redis://app:@cache:6379/0'
kind = 'redis'
at = 2026-11-30T09:04:00Z

[[recent]]
target = '/srv/kv.db'
kind = 'local'
at = 2026-11-30T09:03:00Z

[[recent]]
name = 'prod'
kind = 'redis'
at = 2026-11-30T09:02:00Z

[[recent]]
target = 'nats://n1:4222,u:@n2'
kind = 'nats'
at = 2026-11-30T09:01:00Z
`
	if string(data) != want {
		t.Errorf("got:\n%s\nwant:\n%s", data, want)
	}
	assertMode(t, r.Path, 0o600)

	again, err := LoadRecent()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(again.Entries, r.Entries) {
		t.Errorf("loaded\n%+v\nsaved\n%+v", again.Entries, r.Entries)
	}
}

func TestRecentKeepsTen(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	r, _ := LoadRecent()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 15 {
		r.Add(fmt.Sprintf("redis://h%d", i), KindRedis, t0.Add(time.Duration(i)*time.Second))
	}
	if len(r.Entries) != MaxRecent || r.Entries[0].Target != "redis://h14" || r.Entries[9].Target != "redis://h5" {
		t.Fatalf("got %+v", r.Entries)
	}
	// An older visit of a known target does not move it.
	r.Add("redis://h5", KindRedis, t0)
	if r.Entries[9].Target != "redis://h5" || !r.Entries[9].At.Equal(t0.Add(5*time.Second)) {
		t.Fatalf("got %+v", r.Entries[9])
	}
}

func TestRecentLocalPathIsAbsolute(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	dir := t.TempDir()
	t.Chdir(dir)
	r, _ := LoadRecent()
	r.Add("state.db", KindLocal, time.Now())
	if want := filepath.Join(dir, "state.db"); r.Entries[0].Target != want {
		t.Fatalf("got %q, want %q", r.Entries[0].Target, want)
	}
}

// TestRecentMerge: two kvdecks saving one after the other keep both's
// targets.
func TestRecentMerge(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	a, _ := LoadRecent()
	b, _ := LoadRecent()
	a.Add("redis://a", KindRedis, t0)
	b.Add("redis://b", KindRedis, t0.Add(time.Second))
	if err := a.Save(); err != nil {
		t.Fatal(err)
	}
	if err := b.Save(); err != nil {
		t.Fatal(err)
	}
	got, _ := LoadRecent()
	if len(got.Entries) != 2 || got.Entries[0].Target != "redis://b" || got.Entries[1].Target != "redis://a" {
		t.Fatalf("got %+v", got.Entries)
	}
}

// TestRecentFileByHand: a secret written into the file by hand is not kept
// when it is read, and a broken file names its line.
func TestRecentFileByHand(t *testing.T) {
	state := t.TempDir()
	t.Setenv("XDG_STATE_HOME", state)
	path := filepath.Join(state, "kvdeck", "recent.toml")
	os.MkdirAll(filepath.Dir(path), 0o700)
	os.WriteFile(path, []byte("[[recent]]\ntarget = \"redis://:hunter2@h\"\nat = 2026-01-01T00:00:00Z\nextra = 1\n\n[[recent]]\nat = 2026-01-01T00:00:00Z\n"), 0o600)
	r, err := LoadRecent()
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Entries) != 1 || r.Entries[0].Target != "redis://h" {
		t.Fatalf("got %+v", r.Entries)
	}
	os.WriteFile(path, []byte("[[recent]]\ntarget = \n"), 0o600)
	if _, err := LoadRecent(); err == nil || err.Error() != path+":2:10: unexpected character at start of value" {
		t.Fatalf("got %v", err)
	}
}
