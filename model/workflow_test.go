package model_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/kvdeck/kvdeck/backend/local"
	"github.com/kvdeck/kvdeck/model"
	"github.com/kvdeck/kvdeck/model/modeltest"
)

func get(t *testing.T, s backend.Store, bucket, key string) (backend.Entry, error) {
	t.Helper()
	return s.Get(context.Background(), bucket, key, backend.GetOptions{MaxBytes: -1})
}

// putUntilWatched writes key through s, as another client would, and
// waits until the screen shows want (mustSee). A watch reports only the
// changes made after it started, and no store says when that is
// (backend.Watcher has no "started" signal), so a write made right after
// the bucket opened can come before it. The Sim settles as soon as the
// listing is done, with no quiet period to let the watch start, so the
// write is repeated until the watch shows it; each try writes a new value,
// since writing the value a key holds changes nothing and reports nothing.
func putUntilWatched(t *testing.T, app *modeltest.Sim, s backend.Store, bucket, key, value, want string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for try := 0; ; try++ {
		v := value
		if try > 0 {
			v = fmt.Sprintf("%s (try %d)", value, try)
		}
		if _, err := s.Put(context.Background(), bucket, key, []byte(v), backend.PutOptions{}); err != nil {
			t.Fatal(err)
		}
		if app.WaitFor(want, 100*time.Millisecond) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the screen never showed %q:\n%s", want, plain(app))
		}
	}
}

func TestFilterNarrowsAsYouTypeAndEscClears(t *testing.T) {
	s := openStore(t, map[string]map[string]string{"b": {
		"user:1:profile": "a", "user:2:profile": "b", "session:9": "c", "flag:dark-mode": "d",
	}}, nil)
	app := newApp(t, s, model.Options{Bucket: "b"})
	mustSee(t, app, "4 keys")
	app.Keys("/")
	app.Type("prof")
	mustSeeDone(t, app, `2 of 4 keys match "prof"`)
	mustNotSee(t, app, "session:9")
	app.Keys("enter", "esc")
	mustSee(t, app, "session:9")
	mustNotSee(t, app, "match")
	// Keys that are bindings elsewhere are text in the filter.
	app.Keys("/")
	app.Type("q:u?")
	mustSeeDone(t, app, `0 of 4 keys match "q:u?"`)
	mustNotSee(t, app, "Command")
}

// A filter every key matches shows every key (the pane then keeps no list
// of rows: the filter reports "all"), narrows as more is typed, widens
// again, and a key deleted under it leaves the count.
func TestFilterThatMatchesEveryKeyNarrowsAndCounts(t *testing.T) {
	s := openStore(t, map[string]map[string]string{"b": {"user:1": "a", "user:2": "b", "user:3": "c"}}, nil)
	app := newApp(t, s, model.Options{Bucket: "b"})
	mustSee(t, app, "3 keys")
	app.Keys("/")
	app.Type("user")
	mustSeeDone(t, app, `3 of 3 keys match "user"`)
	mustSee(t, app, "user:1")
	mustSee(t, app, "user:3")
	app.Type(":2")
	mustSeeDone(t, app, `1 of 3 keys match "user:2"`)
	mustNotSee(t, app, "user:1")
	app.Keys("backspace", "backspace")
	mustSeeDone(t, app, `3 of 3 keys match "user"`)
	mustSee(t, app, "user:3")
	app.Keys("enter", "d")
	mustSee(t, app, "Delete user:1 from bucket b?")
	app.Keys("y")
	mustSeeDone(t, app, `2 of 2 keys match "user"`)
	// The value pane moves on with the cursor, not "user:1 not found".
	mustSee(t, app, "─ user:2 ─")
	mustNotSee(t, app, "not found")
	if _, err := get(t, s, "b", "user:1"); !errors.Is(err, backend.ErrNotFound) {
		t.Fatalf("user:1 still exists: %v", err)
	}
}

// --bucket starts listing at once, beside the bucket list; a bucket that
// is not there says so and gives way to the first bucket's keys.
func TestBucketThatIsNotThereGivesWayToTheFirst(t *testing.T) {
	s := openStore(t, map[string]map[string]string{"a": {"k1": "x"}, "b": {"k2": "y"}}, nil)
	app := newApp(t, s, model.Options{Bucket: "nope"})
	mustSee(t, app, `bucket "nope" not found; pick one from the list`)
	mustSee(t, app, "k1")
	mustSee(t, app, "1 keys")
	mustNotSee(t, app, "k2")
}

func TestTreeGroupsKeysWithCounts(t *testing.T) {
	s := openStore(t, map[string]map[string]string{"b": {
		"user:1:profile": "a", "user:1:prefs": "b", "user:2:profile": "c", "session:9": "d",
	}}, nil)
	app := newApp(t, s, model.Options{Bucket: "b"})
	mustSee(t, app, "4 keys")
	app.Keys("T")
	mustSee(t, app, "▸ user:")
	mustSee(t, app, "▸ session:")
	mustNotSee(t, app, "profile")
	// Folders sort by name: session, user. Open user, then user:1.
	app.Keys("down", "enter")
	mustSee(t, app, "▾ user:")
	mustSee(t, app, "▸ 1:")
	app.Keys("down", "enter")
	mustSee(t, app, "prefs")
	app.Keys("T")
	mustSee(t, app, "user:1:prefs")
}

func TestDeleteConfirmsNamingTheKeyAndUndoRestoresValueAndTTL(t *testing.T) {
	s := openStore(t, map[string]map[string]string{"b": {"lease": "node-1", "other": "x"}}, map[string]time.Duration{"lease": time.Hour})
	app := newApp(t, s, model.Options{Bucket: "b"})
	mustSee(t, app, "2 keys")
	app.Keys("enter") // lease is first
	mustSee(t, app, "node-1")
	app.Keys("d")
	mustSee(t, app, "Delete lease from bucket b?")
	app.Keys("y")
	mustSee(t, app, "deleted lease")
	if _, err := get(t, s, "b", "lease"); !errors.Is(err, backend.ErrNotFound) {
		t.Fatalf("lease still exists after delete: %v", err)
	}
	mustSee(t, app, "1 keys")
	app.Keys("u")
	mustSee(t, app, "undid delete of lease")
	e, err := get(t, s, "b", "lease")
	if err != nil || string(e.Value) != "node-1" {
		t.Fatalf("undo did not restore the value: %v %q", err, e.Value)
	}
	if left := time.Until(e.ExpiresAt); left < 59*time.Minute || left > time.Hour {
		t.Fatalf("undo restored TTL %v, want about 1h", left)
	}
	mustSee(t, app, "2 keys")
}

func TestBulkDeleteOfMarkedKeysNamesTheCount(t *testing.T) {
	s := openStore(t, map[string]map[string]string{"b": {"a": "1", "b": "2", "c": "3"}}, nil)
	app := newApp(t, s, model.Options{Bucket: "b"})
	mustSee(t, app, "3 keys")
	app.Keys("space", "space", "d")
	mustSee(t, app, "Delete 2 keys?")
	app.Keys("y")
	mustSee(t, app, "1 keys")
	if _, err := get(t, s, "b", "c"); err != nil {
		t.Fatalf("an unmarked key was deleted: %v", err)
	}
	app.Keys("u")
	mustSee(t, app, "3 keys")
}

func TestTTLDialogSetsRefusesAndPersists(t *testing.T) {
	s := openStore(t, map[string]map[string]string{"b": {"k": "v"}}, nil)
	app := newApp(t, s, model.Options{Bucket: "b"})
	app.Keys("enter", "t")
	mustSee(t, app, "Set TTL of k")
	app.Type("soon")
	app.Keys("enter")
	mustSee(t, app, "invalid ttl")
	for range 4 {
		app.Keys("backspace")
	}
	app.Type("36h")
	app.Keys("enter")
	mustSee(t, app, "TTL of k set to 36h")
	e, _ := get(t, s, "b", "k")
	if left := time.Until(e.ExpiresAt); left < 35*time.Hour || left > 36*time.Hour {
		t.Fatalf("TTL is %v, want 36h", left)
	}
	mustMatch(t, app, `ttl\s+1d1[12]h`)
	app.Keys("t")
	app.Type("never")
	app.Keys("enter")
	mustSee(t, app, "no TTL")
	e, _ = get(t, s, "b", "k")
	if !e.ExpiresAt.IsZero() {
		t.Fatal("never did not remove the TTL")
	}
	app.Keys("u")
	mustSee(t, app, "undid")
	e, _ = get(t, s, "b", "k")
	if e.ExpiresAt.IsZero() {
		t.Fatal("undo of persist did not bring the TTL back")
	}
}

func TestRefreshReappliesTheKeysTTL(t *testing.T) {
	s := openStore(t, map[string]map[string]string{"b": {"k": "v"}}, map[string]time.Duration{"k": 10 * time.Minute})
	ctx := context.Background()
	// Let some of the TTL pass by shortening it the way time would.
	if err := s.Expire(ctx, "b", "k", 2*time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := s.Expire(ctx, "b", "k", 10*time.Minute); err != nil {
		t.Fatal(err)
	}
	app := newApp(t, s, model.Options{Bucket: "b"})
	app.Keys("enter")
	mustSee(t, app, "expires")
	app.Keys("+")
	mustSee(t, app, "refreshed TTL of k")
	e, _ := get(t, s, "b", "k")
	if left := time.Until(e.ExpiresAt); left < 9*time.Minute {
		t.Fatalf("refresh left %v", left)
	}
}

func TestInlineEditKeepsTTLAndRefusesInvalidJSON(t *testing.T) {
	s := openStore(t, map[string]map[string]string{"b": {"doc": `{"a":1}`}}, map[string]time.Duration{"doc": time.Hour})
	app := newApp(t, s, model.Options{Bucket: "b"})
	app.Keys("enter", "i")
	mustSee(t, app, "Edit doc")
	app.Keys("end", "ctrl+end")
	app.Keys("backspace")
	app.Type(`,"b":`)
	app.Keys("ctrl+s")
	mustSee(t, app, "invalid JSON at line 1")
	app.Type(`2}`)
	app.Keys("ctrl+s")
	mustSee(t, app, "saved doc")
	e, _ := get(t, s, "b", "doc")
	if string(e.Value) != `{"a":1,"b":2}` {
		t.Fatalf("saved %q", e.Value)
	}
	if left := time.Until(e.ExpiresAt); left < 59*time.Minute {
		t.Fatalf("the edit lost the TTL: %v left", left)
	}
}

func TestConcurrentChangeIsCaughtAndCanBeReloaded(t *testing.T) {
	s := openStore(t, map[string]map[string]string{"b": {"k": "mine-before"}}, nil)
	app := newApp(t, s, model.Options{Bucket: "b"})
	app.Keys("enter")
	mustSee(t, app, "mine-before")
	// Someone else writes after we loaded the value.
	if _, err := s.Put(context.Background(), "b", "k", []byte("theirs"), backend.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	app.Keys("i", "ctrl+a")
	app.Type("mine-after")
	app.Keys("ctrl+s")
	mustSee(t, app, "Changed by someone else")
	mustSee(t, app, "theirs")
	app.Keys("r")
	mustSee(t, app, "theirs")
	e, _ := get(t, s, "b", "k")
	if string(e.Value) != "theirs" {
		t.Fatalf("their value was overwritten: %q", e.Value)
	}
}

func TestReadOnlyStoreRefusesEveryWriteInTheUI(t *testing.T) {
	dir := t.TempDir()
	path := dir + "/ro.db"
	rw, err := local.Open(path, local.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := rw.CreateBucket(ctx, backend.BucketConfig{Name: "b", History: 1}); err != nil {
		t.Fatal(err)
	}
	rw.Put(ctx, "b", "k", []byte("v"), backend.PutOptions{})
	rw.Close()
	ro, err := local.Open(path, local.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	app := newApp(t, ro, model.Options{Bucket: "b"})
	mustSee(t, app, "READ-ONLY")
	app.Keys("enter", "d")
	mustSee(t, app, "read-only")
	mustNotSee(t, app, "Delete k")
	app.Keys("t")
	mustNotSee(t, app, "Set TTL")
	if _, err := get(t, ro, "b", "k"); err != nil {
		t.Fatal(err)
	}
}

func TestCommandLineCompletesAndRuns(t *testing.T) {
	s := openStore(t, map[string]map[string]string{"alpha": {"a": "1"}, "beta": {"x:1": "1", "y:1": "2"}}, nil)
	app := newApp(t, s, model.Options{})
	app.Keys(":")
	app.Type("buc")
	app.Keys("tab")
	app.Type(" be")
	app.Keys("tab", "enter")
	mustSee(t, app, "2 keys")
	app.Keys(":")
	app.Type("search x:*")
	app.Keys("enter")
	mustSee(t, app, "1 keys")
	mustSee(t, app, "pattern x:*")
	app.Keys(":")
	app.Type("frobnicate")
	app.Keys("enter")
	mustSee(t, app, `"frobnicate" is not a command`)
	// Verbs come from the action tables: a unique prefix runs, an
	// ambiguous one says what it could be, and an action that is off says
	// why.
	app.Keys("esc", ":")
	app.Type("re")
	app.Keys("enter")
	mustSee(t, app, `"re" could be`)
	app.Keys("esc", ":")
	app.Type("ttl 1h")
	app.Keys("enter")
	mustSee(t, app, "TTL of x:1 set to 1h")
	app.Keys(":")
	mustSee(t, app, "ttl DURATION")
	mustSee(t, app, "bucket NAME")
}

func TestValueSearchFindsTextAndJSONFields(t *testing.T) {
	s := openStore(t, map[string]map[string]string{"jobs": {
		"job:1": `{"status":"failed","id":1}`, "job:2": `{"status":"done","id":2}`, "job:3": `{"status":"failed","id":3}`, "note": "contains failed too",
	}}, nil)
	app := newApp(t, s, model.Options{Bucket: "jobs"})
	mustSee(t, app, "4 keys")
	app.Keys("S")
	app.Type(".status=failed")
	app.Keys("enter")
	mustSeeDone(t, app, "2 matches")
	mustNotSee(t, app, "job:2")
	mustNotSee(t, app, "note")
	app.Keys("esc")
	app.Keys("S")
	app.Type("failed")
	app.Keys("enter")
	mustSee(t, app, "3 matches")
}

func TestSortByTTLPutsSoonestFirst(t *testing.T) {
	s := openStore(t, map[string]map[string]string{"b": {"aaa": "1", "bbb": "2", "ccc": "3"}},
		map[string]time.Duration{"aaa": time.Hour, "ccc": time.Minute})
	app := newApp(t, s, model.Options{Bucket: "b"})
	mustSee(t, app, "3 keys")
	app.Keys("o")
	mustSee(t, app, "sorted by name")
	app.Keys("o")
	mustSee(t, app, "sorted by TTL")
	screen := plain(app)
	c, a, b := strings.Index(screen, "│  ccc"), strings.Index(screen, "│  aaa"), strings.Index(screen, "│  bbb")
	if !(c < a && a < b) {
		t.Fatalf("sorted by TTL should list ccc (1m), aaa (1h), bbb (none):\n%s", screen)
	}
}

func TestMouseClicksFocusSelectAndDoubleClickOpens(t *testing.T) {
	s := openStore(t, map[string]map[string]string{"a": {"x": "1"}, "b": {"k1": "one", "k2": "two"}}, nil)
	app := newApp(t, s, model.Options{})
	mustSee(t, app, "1 keys")
	// Row 2 of the buckets pane (y = header 1 + border 1 + row 1) is "b".
	app.Send(tea.MouseClickMsg{X: 3, Y: 3, Button: tea.MouseLeft})
	app.Settle()
	mustSee(t, app, "2 keys")
	// A double click on the second key opens it.
	app.Send(tea.MouseClickMsg{X: 40, Y: 3, Button: tea.MouseLeft})
	app.Send(tea.MouseClickMsg{X: 40, Y: 3, Button: tea.MouseLeft})
	app.Settle()
	mustSee(t, app, "two")
	app.Send(tea.MouseWheelMsg{X: 40, Y: 5, Button: tea.MouseWheelDown})
	app.Settle()
}

func TestBucketFormCreatesAndRefusesBadInput(t *testing.T) {
	s := openStore(t, map[string]map[string]string{"a": {"x": "1"}}, nil)
	app := newApp(t, s, model.Options{})
	mustSee(t, app, "1 keys")
	app.Keys("n")
	mustSee(t, app, "New bucket")
	app.Type("bad name")
	app.Keys("enter")
	mustSee(t, app, "invalid bucket name")
	for range 8 {
		app.Keys("backspace")
	}
	app.Type("orders")
	app.Keys("tab", "tab", "tab") // to history
	app.Keys("backspace")
	app.Type("99")
	app.Keys("enter")
	mustSee(t, app, "invalid history: 99 is outside 1..64")
	app.Keys("backspace", "backspace")
	app.Type("5")
	app.Keys("enter")
	mustSee(t, app, "created bucket orders")
	mustSee(t, app, "orders")
	bs, _ := s.Buckets(context.Background())
	if len(bs) != 2 || bs[1].Name != "orders" || bs[1].Config.History != 5 {
		t.Fatalf("buckets after the form: %+v", bs)
	}
	// Deleting asks for the name.
	app.Keys("down", "d")
	mustSee(t, app, "Type orders to confirm")
	app.Type("order")
	app.Keys("enter")
	mustSee(t, app, "Type orders to confirm")
	app.Type("s")
	app.Keys("enter")
	mustSee(t, app, "deleted bucket orders")
}

func TestNewKeyWithTTLIsCreatedInOneWriteAndUndoRemovesIt(t *testing.T) {
	s := openStore(t, map[string]map[string]string{"b": {"existing": "1"}}, nil)
	app := newApp(t, s, model.Options{Bucket: "b"})
	mustSee(t, app, "1 keys")
	app.Keys("n")
	app.Type("lease:new")
	app.Keys("enter")
	mustSee(t, app, "TTL of the new key lease:new")
	app.Type("15m")
	app.Keys("enter")
	mustSee(t, app, "New key lease:new")
	app.Type(`{"holder":"me"}`)
	app.Keys("ctrl+s")
	mustSee(t, app, "created lease:new")
	mustSee(t, app, "2 keys")
	e, err := get(t, s, "b", "lease:new")
	if err != nil || string(e.Value) != `{"holder":"me"}` {
		t.Fatalf("new key: %v %q", err, e.Value)
	}
	if left := time.Until(e.ExpiresAt); left < 14*time.Minute || left > 15*time.Minute {
		t.Fatalf("new key TTL %v, want 15m", left)
	}
	// Creating over an existing key is refused, never overwrites.
	app.Keys("n")
	app.Type("existing")
	app.Keys("enter", "enter")
	app.Type("2")
	app.Keys("ctrl+s")
	mustSee(t, app, "Changed by someone else")
	app.Keys("c")
	// Cancelled, the edit comes back in the editor: nothing typed is lost.
	mustSee(t, app, "not saved: the value changed since it was shown")
	if e, _ := get(t, s, "b", "existing"); string(e.Value) != "1" {
		t.Fatalf("create overwrote an existing key: %q", e.Value)
	}
	app.Keys("esc")
	app.Keys("u")
	mustSee(t, app, "undid creation of lease:new")
	if _, err := get(t, s, "b", "lease:new"); !errors.Is(err, backend.ErrNotFound) {
		t.Fatalf("undo of a creation left the key: %v", err)
	}
}

func TestTreeCursorStaysOnItsRowWhenKeysArriveAbove(t *testing.T) {
	s := openStore(t, map[string]map[string]string{"b": {"user:1": "a", "user:2": "b", "zeta": "z"}}, nil)
	app := newApp(t, s, model.Options{Bucket: "b"})
	mustSee(t, app, "3 keys")
	app.Keys("T", "down") // ▸ user:, then the key zeta
	mustSee(t, app, "zeta")
	// A key written through the store arrives by the watch, in a new
	// folder that sorts above the cursor.
	putUntilWatched(t, app, s, "b", "alpha:1", "x", "▸ alpha:")
	mustMatch(t, app, `─ zeta ─`) // the value pane still shows zeta
	// y copies the key under the cursor and names it.
	app.Keys("y")
	mustSee(t, app, "copied key zeta")
}

func TestFilterNarrowsTheTreeToo(t *testing.T) {
	s := openStore(t, map[string]map[string]string{"b": {"user:1": "a", "user:2": "b", "session:1": "c"}}, nil)
	app := newApp(t, s, model.Options{Bucket: "b"})
	mustSee(t, app, "3 keys")
	app.Keys("T")
	mustSee(t, app, "▸ session:")
	app.Keys("/")
	app.Type("user")
	mustSeeDone(t, app, `2 of 3 keys match "user"`)
	mustNotSee(t, app, "session:")
	app.Keys("enter", "esc")
	mustSee(t, app, "▸ session:")
}

func TestSortHoldsForKeysThatArriveLater(t *testing.T) {
	s := openStore(t, map[string]map[string]string{"b": {"m": "1", "c": "2"}}, nil)
	app := newApp(t, s, model.Options{Bucket: "b"})
	mustSee(t, app, "2 keys")
	app.Keys("o") // by name
	mustSee(t, app, "sorted by name")
	// A key arrives (through the watch) that sorts first.
	putUntilWatched(t, app, s, "b", "a", "0", "3 keys")
	app.Settle()
	screen := plain(app)
	if !(strings.Index(screen, "│  a ") < strings.Index(screen, "│  c ") && strings.Index(screen, "│  c ") < strings.Index(screen, "│  m ")) {
		t.Fatalf("not sorted by name after new keys arrived:\n%s", screen)
	}
}

// Undo acts on the bucket shown: after moving to another bucket, u does not
// restore a key the user cannot see; back in the bucket, it does.
func TestUndoActsOnlyInTheBucketShown(t *testing.T) {
	s := openStore(t, map[string]map[string]string{"a": {"k": "in a"}, "b": {"other": "in b"}}, nil)
	app := newApp(t, s, model.Options{Bucket: "a"})
	mustSee(t, app, "1 keys")
	app.Keys("enter", "d")
	mustSee(t, app, "Delete k from bucket a?")
	app.Keys("y")
	mustSee(t, app, "deleted k")
	app.Keys("esc", "esc", "down") // back to the buckets, then to b
	mustSee(t, app, "local b")
	app.Keys("u")
	mustSee(t, app, "nothing to undo in this bucket (the last undoable action was in a)")
	if _, err := get(t, s, "a", "k"); !errors.Is(err, backend.ErrNotFound) {
		t.Fatalf("u in bucket b restored a key of bucket a: %v", err)
	}
	app.Keys("up")
	mustSee(t, app, "local a")
	app.Keys("u")
	mustSee(t, app, "undid delete of k")
	if e, err := get(t, s, "a", "k"); err != nil || string(e.Value) != "in a" {
		t.Fatalf("undo in bucket a: %v %q", err, e.Value)
	}
}
