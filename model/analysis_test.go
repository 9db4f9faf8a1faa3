package model_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/kvdeck/kvdeck/model"
)

// Issue 13 on Redis, the "done when" in small: the analysis page shows
// that session: holds most keys and how many have no TTL; t on that
// namespace sets a 7-day TTL on exactly those keys with NX (a key another
// client gave a TTL after the dry run is skipped, its TTL intact); u puts
// the TTLs back, except on a key another client changed since. Checked
// with go-redis.
func TestAnalysisThenBulkTTLWithNXAndUndoOnRedis(t *testing.T) {
	f := startRedis(t)
	ctx := context.Background()
	pipe := f.c.Pipeline()
	for i := range 2000 {
		ttl := time.Duration(0)
		if i >= 1500 {
			ttl = time.Hour
		}
		pipe.Set(ctx, fmt.Sprintf("session:%04d", i), strings.Repeat("s", 100), ttl)
	}
	for i := range 1000 {
		pipe.Set(ctx, fmt.Sprintf("cache:%04d", i), "c", 24*time.Hour)
	}
	for i := range 100 {
		pipe.HSet(ctx, "big:hash", fmt.Sprintf("f%03d", i), "v")
	}
	if _, err := pipe.Exec(ctx); err != nil {
		t.Fatal(err)
	}
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	app := f.app(t, f.srv.URL(), model.Options{Bucket: "0", Timeout: 5 * time.Second})
	mustSeeDone(t, app, "3001 keys")

	app.Keys("A")
	mustSee(t, app, "complete in")
	screen := plain(app)
	row := lineWith(screen, "session:")
	if !strings.Contains(row, "2000") || !strings.Contains(row, "1500") {
		t.Fatalf("the session: row should count 2000 keys, 1500 without TTL:\n%s", screen)
	}
	if strings.Index(screen, "session:") > strings.Index(screen, "cache:") {
		t.Fatalf("session:, the largest namespace, should come first:\n%s", screen)
	}
	app.Keys("tab")
	mustSee(t, app, "no TTL")
	if row := lineWith(plain(app), "no TTL"); !strings.Contains(row, "1501") {
		t.Fatalf("1501 keys have no TTL (1500 sessions and the hash):\n%s", plain(app))
	}
	app.Keys("tab", "tab")
	if row := lineWith(plain(app), "big:hash"); !strings.Contains(row, "100") {
		t.Fatalf("the longest collection is big:hash with 100 fields:\n%s", plain(app))
	}
	app.Keys("x")
	mustSee(t, app, "exported 5 files to ")
	if m, _ := filepath.Glob(filepath.Join(os.Getenv("XDG_STATE_HOME"), "kvdeck", "analysis", "*", "top-collections.csv")); len(m) != 1 {
		t.Fatalf("no top-collections.csv written: %v", m)
	}
	app.Keys("tab", "tab") // back to the namespaces; the cursor is on session:

	app.Keys("t")
	mustSee(t, app, "What should change?")
	app.Keys("n")
	app.Type("7d")
	app.Keys("enter")
	mustSee(t, app, "1,500 of the 2,000 keys will change")
	// Another client gives session:0000 a TTL between the dry run and y.
	f.c.Expire(ctx, "session:0000", 10*time.Minute)
	app.Keys("y")
	mustSee(t, app, "TTL 7d NX: 1,499 changed, 1 skipped, 0 gone, 0 failed")
	week := 7 * 24 * time.Hour
	for i := range 2000 {
		k := fmt.Sprintf("session:%04d", i)
		ttl := f.c.PTTL(ctx, k).Val()
		switch {
		case i == 0:
			if ttl > 10*time.Minute || ttl < 9*time.Minute {
				t.Fatalf("%s lost the other client's TTL: %v", k, ttl)
			}
		case i < 1500:
			if ttl < week-time.Minute || ttl > week {
				t.Fatalf("%s: TTL %v, want 7d", k, ttl)
			}
		default:
			if ttl > time.Hour {
				t.Fatalf("%s had a TTL and NX must leave it: %v", k, ttl)
			}
		}
	}
	// Another client changes session:0001's TTL before the undo.
	f.c.Expire(ctx, "session:0001", 5*time.Minute)
	app.Keys("esc", "esc", "u")
	mustSee(t, app, "1498 of 1499 restored, 1 changed since (left as they are)")
	for i := 1; i < 1500; i++ {
		k := fmt.Sprintf("session:%04d", i)
		ttl := f.c.PTTL(ctx, k).Val()
		if i == 1 {
			if ttl > 5*time.Minute || ttl < 4*time.Minute {
				t.Fatalf("undo overwrote the other client's TTL on %s: %v", k, ttl)
			}
			continue
		}
		if ttl != -1 {
			t.Fatalf("undo did not take the TTL off %s: %v", k, ttl)
		}
	}
}

// Issue 13: Enter on a namespace shows it as the folder under the cursor
// in the keys pane's tree.
func TestAnalysisEnterShowsTheNamespaceInTheTree(t *testing.T) {
	f := startRedis(t)
	ctx := context.Background()
	for i := range 50 {
		f.c.Set(ctx, fmt.Sprintf("cache:%02d", i), "c", 0)
		f.c.Set(ctx, fmt.Sprintf("user:%02d", i), "u", 0)
	}
	app := f.app(t, f.srv.URL(), model.Options{Bucket: "0", Timeout: 5 * time.Second})
	mustSeeDone(t, app, "100 keys")
	app.Keys("A")
	mustSee(t, app, "complete in")
	app.Keys("o", "o", "o", "o") // sort by name: cache: first, user: second
	mustSee(t, app, "by name")
	app.Keys("down", "enter")
	mustSee(t, app, "(tree)")
	if row := lineWith(plain(app), "user"); !strings.Contains(row, "50") {
		t.Fatalf("the user: folder should be shown with its 50 keys:\n%s", plain(app))
	}
}

// lineWith is the first line of screen that holds text.
func lineWith(screen, text string) string {
	for _, l := range strings.Split(screen, "\n") {
		if strings.Contains(l, text) {
			return l
		}
	}
	return ""
}

// Issue 13: a sample only when asked, and said: :analyse 40 reads 40 keys
// and the title says it is a sample.
func TestAnalysisOfAStatedSample(t *testing.T) {
	f := startRedis(t)
	ctx := context.Background()
	for i := range 300 {
		f.c.Set(ctx, fmt.Sprintf("k:%03d", i), "v", 0)
	}
	app := f.app(t, f.srv.URL(), model.Options{Bucket: "0", Timeout: 5 * time.Second})
	mustSeeDone(t, app, "300 keys")
	app.Keys(":")
	app.Type("analyse 40")
	app.Keys("enter")
	mustSee(t, app, "complete in")
	mustSee(t, app, "a sample of 40 keys")
	mustSee(t, app, "40 keys ·")
}

// Issue 13's "done when" on the local store, with the facts it has: the
// analysis page shows that session: holds most of the bytes and how many
// of its keys have no TTL; t on it sets a 7-day TTL with NX on exactly
// those; u takes them off again.
func TestAnalysisThenBulkTTLWithNXAndUndoLocally(t *testing.T) {
	data := map[string]string{}
	ttls := map[string]time.Duration{}
	for i := range 300 {
		key := fmt.Sprintf("session:%03d", i)
		data[key] = strings.Repeat("s", 200)
		if i >= 200 {
			ttls[key] = time.Hour
		}
	}
	for i := range 100 {
		data[fmt.Sprintf("cache:%03d", i)] = "c"
	}
	s := openStore(t, map[string]map[string]string{"app": data}, ttls)
	app := newApp(t, s, model.Options{Bucket: "app", Timeout: 5 * time.Second})
	mustSeeDone(t, app, "400 keys")
	app.Keys("A")
	mustSee(t, app, "complete in")
	screen := plain(app)
	row := lineWith(screen, "session:")
	if !strings.Contains(row, "300") || !strings.Contains(row, "200") {
		t.Fatalf("the session: row should count 300 keys, 200 without TTL:\n%s", screen)
	}
	if strings.Index(screen, "session:") > strings.Index(screen, "cache:") {
		t.Fatalf("session:, the largest namespace, should come first:\n%s", screen)
	}
	app.Keys("shift+tab")
	mustSee(t, app, "the store's own figures")
	app.Keys("tab")
	app.Keys("t")
	mustSee(t, app, "TTL on 300 keys")
	app.Keys("n")
	app.Type("7d")
	app.Keys("enter")
	mustSee(t, app, "200 of the 300 keys will change")
	app.Keys("y")
	mustSee(t, app, "TTL 7d NX: 200 changed, 0 skipped, 0 gone, 0 failed")
	ctx := context.Background()
	week := 7 * 24 * time.Hour
	for i := range 300 {
		e, err := s.Get(ctx, "app", fmt.Sprintf("session:%03d", i), backend.GetOptions{})
		left := time.Until(e.ExpiresAt)
		if err != nil || i < 200 && (left > week || left < week-time.Minute) || i >= 200 && left > time.Hour {
			t.Fatalf("session:%03d: %v left (%v)", i, left, err)
		}
	}
	app.Keys("esc", "u")
	mustSee(t, app, "undid")
	for i := range 200 {
		if e, _ := s.Get(ctx, "app", fmt.Sprintf("session:%03d", i), backend.GetOptions{}); !e.ExpiresAt.IsZero() {
			t.Fatalf("session:%03d kept a TTL after undo: %v", i, e.ExpiresAt)
		}
	}
}
