package model_test

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/kvdeck/kvdeck/backend/local"
	"github.com/kvdeck/kvdeck/keymap"
	"github.com/kvdeck/kvdeck/model"
	"github.com/kvdeck/kvdeck/model/modeltest"
)

// openStore makes a local store in a temp dir with the given buckets and
// string values; keys listed in ttls get that TTL.
func openStore(t *testing.T, data map[string]map[string]string, ttls map[string]time.Duration) *local.Store {
	t.Helper()
	s, err := local.Open(filepath.Join(t.TempDir(), "t.db"), local.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	ctx := context.Background()
	for bucket, kv := range data {
		if err := s.CreateBucket(ctx, backend.BucketConfig{Name: bucket, History: 5}); err != nil {
			t.Fatal(err)
		}
		for k, v := range kv {
			opts := backend.PutOptions{}
			if d, ok := ttls[k]; ok {
				opts = backend.PutOptions{TTLMode: backend.TTLSet, TTL: d}
			}
			if _, err := s.Put(ctx, bucket, k, []byte(v), opts); err != nil {
				t.Fatal(err)
			}
		}
	}
	return s
}

func newApp(t *testing.T, s backend.Store, opts model.Options) *modeltest.Sim {
	t.Helper()
	opts.NoColor = true
	return modeltest.New(model.New(s, opts), 120, 30)
}

// plain is the screen without styling.
func plain(s *modeltest.Sim) string { return ansi.Strip(s.Screen()) }

func mustSee(t *testing.T, s *modeltest.Sim, text string) {
	t.Helper()
	if !s.WaitFor(text, 5*time.Second) {
		t.Fatalf("the screen never showed %q:\n%s", text, plain(s))
	}
}

// inProgress marks work the screen shows as still running: a listing, a
// filter, a search in values. Their counts are substrings of the final ones
// ("20000 keys… listing" contains "20000 keys"), so a check that must read
// the finished screen waits for them to be gone.
var inProgress = []string{"keys… listing", "listing…", "(filtering…)", "read…"}

// mustSeeDone is mustSee for the finished state: text, and no work shown as
// running. A negative check that follows it reads the final screen.
func mustSeeDone(t *testing.T, s *modeltest.Sim, text string) {
	t.Helper()
	done := func(screen string) bool {
		if !strings.Contains(screen, text) {
			return false
		}
		for _, p := range inProgress {
			if strings.Contains(screen, p) {
				return false
			}
		}
		return true
	}
	if !s.WaitUntil(done, 5*time.Second) {
		t.Fatalf("the screen never showed %q with nothing in progress:\n%s", text, plain(s))
	}
}

func mustNotSee(t *testing.T, s *modeltest.Sim, text string) {
	t.Helper()
	if strings.Contains(plain(s), text) {
		t.Fatalf("the screen shows %q but should not:\n%s", text, plain(s))
	}
}

func TestThreePanesShowBucketsKeysAndValue(t *testing.T) {
	s := openStore(t, map[string]map[string]string{
		"prefs":    {"user:1": `{"theme":"dark","lang":"en"}`, "user:2": `{"theme":"light"}`},
		"sessions": {"session:abc": "token"},
	}, nil)
	app := newApp(t, s, model.Options{})
	mustSee(t, app, "prefs")
	mustSee(t, app, "sessions")
	// The first bucket's keys show at once.
	mustSee(t, app, "user:1")
	mustSee(t, app, "2 keys")
	// Open the keys pane and the first value: JSON is pretty-printed.
	app.Keys("enter")
	app.Keys("down", "up")
	mustSee(t, app, `"theme": "dark"`)
	mustSee(t, app, "kind")
}

func TestBucketFlagOpensStraightIntoBucketWithPattern(t *testing.T) {
	s := openStore(t, map[string]map[string]string{
		"a": {"x": "1"},
		"b": {"session:1": "s", "session:2": "s", "user:1": "u"},
	}, nil)
	app := newApp(t, s, model.Options{Bucket: "b", Match: "session:*"})
	mustSeeDone(t, app, "2 keys")
	mustSee(t, app, "session:2")
	mustNotSee(t, app, "user:1")
	mustSee(t, app, "pattern session:*")
}

func TestUnknownBucketFlagSaysSo(t *testing.T) {
	s := openStore(t, map[string]map[string]string{"a": {"x": "1"}}, nil)
	app := newApp(t, s, model.Options{Bucket: "nope"})
	mustSee(t, app, `bucket "nope" not found`)
}

func TestListingStreamsToACompleteExactCount(t *testing.T) {
	s := openStore(t, map[string]map[string]string{"big": {}}, nil)
	items := make([]backend.Item, 20000)
	for i := range items {
		items[i] = backend.Item{Key: fmt.Sprintf("tenant-%d:order:%05d", i%7, i), Value: []byte("x")}
	}
	if err := s.PutMany(context.Background(), "big", items); err != nil {
		t.Fatal(err)
	}
	app := newApp(t, s, model.Options{Bucket: "big"})
	mustSeeDone(t, app, "20000 keys")
	mustNotSee(t, app, "listing")
	// End jumps to the last key; the list draws it.
	app.Keys("end")
	mustSee(t, app, "tenant-")
}

var sgr = regexp.MustCompile("\x1b\\[[0-9;:]*m")

func TestHostileKeysAndValuesNeverReachTheTerminalRaw(t *testing.T) {
	hostileKey := "evil\x1b[2J\x1b]52;c;aGk=\x07key\x00\r"
	hostileValue := "line1\x1b[31mred\x1b[0m\n\x1b]0;title\x07\u009b31m bell\x07 del\x7f tail"
	s := openStore(t, map[string]map[string]string{"b": {hostileKey: hostileValue}}, nil)
	app := modeltest.New(model.New(s, model.Options{Bucket: "b", Dark: true}), 120, 30)
	app.Keys("enter")
	mustSee(t, app, `evil\x1b[2J`)
	mustSee(t, app, `line1\x1b[31mred`)
	mustSee(t, app, `\u009b31m bell\x07`)
	// Every format the value can be shown in is just as safe.
	for range 4 {
		noRawControls(t, app.Screen())
		app.Keys("f")
	}
	// Binary with controls: the hex dump.
	noRawControls(t, app.Screen())
}

func noRawControls(t *testing.T, screen string) {
	t.Helper()
	plain := sgr.ReplaceAllString(screen, "")
	for i, r := range plain {
		if r == '\x1b' || r >= 0x80 && r <= 0x9f || r < 0x20 && r != '\n' || r == 0x7f {
			t.Fatalf("raw control %U at byte %d of the screen:\n%q", r, i, plain)
		}
	}
}

func TestChangingBucketDropsTheOldListing(t *testing.T) {
	s := openStore(t, map[string]map[string]string{"big": {}, "small": {"only": "1"}}, nil)
	items := make([]backend.Item, 50000)
	for i := range items {
		items[i] = backend.Item{Key: fmt.Sprintf("k%06d", i), Value: []byte("x")}
	}
	if err := s.PutMany(context.Background(), "big", items); err != nil {
		t.Fatal(err)
	}
	app := newApp(t, s, model.Options{})
	mustSee(t, app, "small")
	// Buckets are sorted: big is first and starts listing; move to small
	// at once.
	app.Send(modeltest.Key("down"))
	app.Settle()
	mustSeeDone(t, app, "1 keys")
	mustNotSee(t, app, "k000")
}

// The help overlay shows what works in the focused pane, and dims what does
// not with the reason (issue 9).
func TestHelpOverlayShowsWhatWorksHereAndWhyNot(t *testing.T) {
	s := openStore(t, map[string]map[string]string{"a": {"x": "1"}}, nil)
	app := newApp(t, s, model.Options{Bucket: "a"})
	mustSee(t, app, "1 keys")
	app.Keys("?")
	for _, want := range []string{"Keys pane", "Global", "filter listed keys", "set TTL",
		"filter by type (Redis) — every key in this store is a string"} {
		mustSee(t, app, want)
	}
	mustNotSee(t, app, "new bucket")
	app.Keys("esc")
	mustNotSee(t, app, "filter listed keys")
	// The value pane of a store that keeps no revisions of history.
	app.Keys("enter", "?")
	mustSee(t, app, "Value pane")
	mustSee(t, app, "purge key and its history (NATS) — not on this store")
	app.Keys("esc")

	path := s.Info().Address
	s.Close()
	ro, err := local.Open(path, local.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	app = newApp(t, ro, model.Options{Bucket: "a"})
	mustSee(t, app, "1 keys")
	app.Keys("?")
	mustSee(t, app, "new key — read-only")
	// Pressing it says the same.
	app.Keys("esc", "n")
	mustSee(t, app, "new key: read-only")
}

// At 80x24 the whole help can be read by scrolling.
func TestHelpOverlayScrollsAt80x24(t *testing.T) {
	s := openStore(t, map[string]map[string]string{"a": {"x": "1"}}, nil)
	app := modeltest.New(model.New(s, model.Options{Bucket: "a", NoColor: true}), 80, 24)
	mustSee(t, app, "1 keys")
	app.Keys("?")
	mustSee(t, app, "scroll")
	mustNotSee(t, app, "quit")
	for range 40 {
		app.Keys("down")
	}
	mustSee(t, app, "quit")
}

func TestTTLCountsDownInValuePane(t *testing.T) {
	s := openStore(t, map[string]map[string]string{"b": {"lease": "node-1"}}, map[string]time.Duration{"lease": 90 * time.Second})
	now := time.Now()
	clock := now
	app := newApp(t, s, model.Options{Bucket: "b", Now: func() time.Time { return clock }})
	app.Keys("enter")
	mustMatch(t, app, `ttl\s+1m[0-3]\ds`)
	clock = now.Add(31 * time.Second)
	app.Send(modeltest.Key("down")) // any message redraws
	mustMatch(t, app, `ttl\s+[2-5]\ds`)
}

func mustMatch(t *testing.T, s *modeltest.Sim, pattern string) {
	t.Helper()
	re := regexp.MustCompile(pattern)
	if !s.WaitUntil(re.MatchString, 5*time.Second) {
		t.Fatalf("the screen never matched %s:\n%s", pattern, plain(s))
	}
}

// The value maximised (z): a page over the panes that owns its input; the
// value pane's keys work in it, and esc returns to the panes (issue 9).
func TestZoomMaximisesTheValueAndEscReturns(t *testing.T) {
	long := `{"note":"` + strings.Repeat("wide ", 30) + `end-of-line"}`
	s := openStore(t, map[string]map[string]string{"b": {"k": long}}, nil)
	app := newApp(t, s, model.Options{Bucket: "b"})
	mustSee(t, app, "1 keys")
	app.Keys("enter")
	mustSee(t, app, "Buckets")
	app.Keys("z")
	mustNotSee(t, app, "Buckets")
	mustSee(t, app, "end-of-line")
	// The value pane's keys work in the page: w cuts lines at the edge.
	app.Keys("w")
	mustSee(t, app, "sideways")
	app.Keys("esc")
	mustSee(t, app, "Buckets")
	mustSee(t, app, "sideways") // the mode carried back to the pane
}

// A binding rebound in the keymap (KeyMap.Apply, what a config file's key
// overrides will call) changes the key that runs the action, the help
// overlay and the hints: the tables hold bindings, not letters.
func TestReboundKeyChangesActionHelpAndHints(t *testing.T) {
	s := openStore(t, map[string]map[string]string{"a": {"x": "1"}}, nil)
	km := keymap.Default()
	if err := km.Apply(map[string][]string{"delete": {"D"}, "undo": {"U"}}); err != nil {
		t.Fatal(err)
	}
	app := newApp(t, s, model.Options{Bucket: "a", Keys: km})
	mustSee(t, app, "1 keys")
	app.Keys("d")
	mustSee(t, app, "1 keys")
	mustNotSee(t, app, "Delete key?")
	app.Keys("?")
	mustSee(t, app, "D        delete key")
	for i := 0; i < 60 && !strings.Contains(plain(app), "U          undo last"); i++ {
		app.Keys("down") // the global keys come after the panes' in the help
	}
	mustSee(t, app, "U          undo last")
	app.Keys("esc", "D")
	mustSee(t, app, "Delete key?")
	app.Keys("y")
	mustSee(t, app, "(U to undo)")
}
