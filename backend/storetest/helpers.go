package storetest

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/kvdeck/kvdeck/backend"
)

// ctxT is a context for one test, bounded so a hung store fails the test
// instead of the whole run.
func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// fresh opens a writable handle on a fresh environment; it is closed when
// the test ends.
func fresh(t *testing.T, h Harness) (backend.Store, string) {
	t.Helper()
	open, bucket := h.New(t)
	s := open(false)
	t.Cleanup(func() { s.Close() })
	return s, bucket
}

func put(t *testing.T, s backend.Store, bucket, key, value string, opts backend.PutOptions) {
	t.Helper()
	if err := s.Put(ctxT(t), bucket, key, []byte(value), opts); err != nil {
		t.Fatalf("saving %q failed: %v", key, err)
	}
}

func get(t *testing.T, s backend.Store, bucket, key string) backend.Entry {
	t.Helper()
	e, err := s.Get(ctxT(t), bucket, key, backend.GetOptions{MaxBytes: -1})
	if err != nil {
		t.Fatalf("opening %q failed: %v", key, err)
	}
	return e
}

func wantValue(t *testing.T, s backend.Store, bucket, key, want, when string) {
	t.Helper()
	if got := get(t, s, bucket, key); string(got.Value) != want {
		t.Fatalf("%s, %q shows %q, want %q", when, key, got.Value, want)
	}
}

func wantNotFound(t *testing.T, s backend.Store, bucket, key, when string) {
	t.Helper()
	_, err := s.Get(ctxT(t), bucket, key, backend.GetOptions{})
	if !errors.Is(err, backend.ErrNotFound) {
		t.Fatalf("%s, opening %q gives %v, want ErrNotFound", when, key, err)
	}
}

// listInfos lists the keys matching pattern, checking the batch contract on
// the way: no empty batches.
func listInfos(t *testing.T, s backend.Store, bucket, pattern string) []backend.KeyInfo {
	t.Helper()
	var out []backend.KeyInfo
	err := s.Keys(ctxT(t), bucket, backend.Query{Pattern: pattern}, func(b []backend.KeyInfo) error {
		if len(b) == 0 {
			t.Error("Keys emitted an empty batch (the key list would redraw for nothing)")
		}
		out = append(out, b...) // the driver may reuse b
		return nil
	})
	if err != nil {
		t.Fatalf("listing keys with pattern %q failed: %v", pattern, err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// list returns the sorted names of the keys matching pattern.
func list(t *testing.T, s backend.Store, bucket, pattern string) []string {
	t.Helper()
	infos := listInfos(t, s, bucket, pattern)
	names := make([]string, len(infos))
	for i, k := range infos {
		names[i] = k.Name
	}
	return names
}

// valueOf is the value load writes for key.
func valueOf(key string) string { return "v-" + key }

// load writes keys with valueOf values, in bulk where the store can.
func load(t *testing.T, s backend.Store, bucket string, keys []string) {
	t.Helper()
	if bl, ok := s.(backend.BulkLoader); ok {
		items := make([]backend.Item, len(keys))
		for i, k := range keys {
			items[i] = backend.Item{Key: k, Value: []byte(valueOf(k))}
		}
		if err := bl.PutMany(ctxT(t), bucket, items); err != nil {
			t.Fatalf("bulk loading %d keys failed: %v", len(keys), err)
		}
		return
	}
	for _, k := range keys {
		put(t, s, bucket, k, valueOf(k), backend.PutOptions{})
	}
}

// diffKeys says how a listing differs from what was written, in the terms
// a user would see (a wrong count, missing rows, rows shown twice); "" when
// they are equal. Both slices are sorted.
func diffKeys(got, want []string) string {
	wantSet := make(map[string]bool, len(want))
	for _, k := range want {
		wantSet[k] = true
	}
	seen := make(map[string]int, len(got))
	var twice, extra, missing []string
	for _, k := range got {
		seen[k]++
		switch {
		case !wantSet[k] && seen[k] == 1:
			extra = append(extra, k)
		case seen[k] == 2:
			twice = append(twice, k)
		}
	}
	for _, k := range want {
		if seen[k] == 0 {
			missing = append(missing, k)
		}
	}
	if len(twice)+len(extra)+len(missing) == 0 {
		return ""
	}
	var parts []string
	for _, p := range []struct {
		what string
		keys []string
	}{{"missing", missing}, {"listed more than once", twice}, {"never written", extra}} {
		if len(p.keys) > 0 {
			parts = append(parts, fmt.Sprintf("%d %s (e.g. %q)", len(p.keys), p.what, p.keys[:min(3, len(p.keys))]))
		}
	}
	return fmt.Sprintf("listed %d keys, want %d: %s", len(got), len(want), strings.Join(parts, ", "))
}

// near checks that an expiry is about want.
func near(t *testing.T, what string, got, want time.Time, slack time.Duration) {
	t.Helper()
	if got.IsZero() {
		t.Fatalf("%s: no expiry shown, want one in about %v", what, time.Until(want).Round(time.Second))
	}
	if d := got.Sub(want); d < -slack || d > slack {
		t.Fatalf("%s: expires in %v, want about %v", what, time.Until(got).Round(time.Second), time.Until(want).Round(time.Second))
	}
}

// waitFor polls cond every 50ms until it holds or within passes.
func waitFor(within time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
	return true
}
