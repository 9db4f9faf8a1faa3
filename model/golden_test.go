package model_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/kvdeck/kvdeck/backend/local"
	"github.com/kvdeck/kvdeck/model"
	"github.com/kvdeck/kvdeck/model/modeltest"
)

var updateGolden = flag.Bool("update", false, "rewrite testdata/*.golden")

// goldenStore is a small store with a frozen clock, so screens are stable.
func goldenStore(t *testing.T, now time.Time) (*local.Store, string) {
	path := filepath.Join(t.TempDir(), "golden.db")
	s, err := local.Open(path, local.Options{NoSync: true, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	ctx := context.Background()
	s.CreateBucket(ctx, backend.BucketConfig{Name: "prefs", History: 1})
	s.CreateBucket(ctx, backend.BucketConfig{Name: "sessions", History: 1})
	s.Put(ctx, "prefs", "user:1:prefs", []byte(`{"theme":"dark","lang":"en","tags":["a","b"]}`), backend.PutOptions{})
	s.Put(ctx, "prefs", "user:2:prefs", []byte(`{"theme":"light"}`), backend.PutOptions{})
	s.Put(ctx, "sessions", "session:abc", []byte("token"), backend.PutOptions{TTLMode: backend.TTLSet, TTL: 90 * time.Minute})
	return s, path
}

func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	file := filepath.Join("testdata", name+".golden")
	if *updateGolden {
		if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run go test ./model -run Golden -update)", err)
	}
	if string(want) != got {
		t.Fatalf("screen %s differs from %s:\n--- got ---\n%s\n--- want ---\n%s", name, file, got, want)
	}
}

func TestGoldenScreens(t *testing.T) {
	now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.Local)
	for _, size := range []struct{ w, h int }{{80, 24}, {120, 30}} {
		s, path := goldenStore(t, now)
		app := modeltest.New(model.New(s, model.Options{NoColor: true, Now: func() time.Time { return now }}), size.w, size.h)
		app.WaitFor("2 keys", 5*time.Second)
		app.Keys("enter", "enter")
		app.WaitFor(`"theme"`, 5*time.Second)
		checkGolden(t, fmt.Sprintf("prefs-%dx%d", size.w, size.h), body(t, app.Plain(), path))
		app.Keys("esc", "esc", "down")
		app.WaitFor("session:abc", 5*time.Second)
		app.Keys("enter")
		app.WaitFor("1h30m", 5*time.Second)
		checkGolden(t, fmt.Sprintf("sessions-%dx%d", size.w, size.h), body(t, app.Plain(), path))
	}
}

// body checks the header names the store and returns the screen below it:
// the header holds the temp path, whose length varies from run to run.
func body(t *testing.T, screen, path string) string {
	t.Helper()
	header, rest, _ := strings.Cut(screen, "\n")
	if !strings.HasPrefix(header, "kvdeck local · "+path) {
		t.Fatalf("header %q does not name the store", header)
	}
	return rest
}
