package redis

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/kvdeck/kvdeck/backend/redis/redistest"
)

// These tests read as kvdeck does, let a second client (plain go-redis)
// change the target, then write through kvdeck: the write must be refused
// and the other client's data must be intact, checked with go-redis.

func secondWriter(t *testing.T) (*Store, *goredis.Client, context.Context) {
	t.Helper()
	srv := redistest.Start(t)
	s := open(t, srv.URL(), false)
	c := srv.Client()
	t.Cleanup(func() { c.Close() })
	return s, c, ctxT(t)
}

func wantConflict(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, backend.ErrConflict) {
		t.Fatalf("%s: %v, want ErrConflict", what, err)
	}
}

func lrange(t *testing.T, c *goredis.Client, key string) []string {
	t.Helper()
	v, err := c.LRange(context.Background(), key, 0, -1).Result()
	must(t, err)
	return v
}

// Defect 2: editing a list item by a stale index overwrote another item.
func TestListItemEditAfterAPushInFrontIsAConflict(t *testing.T) {
	s, c, ctx := secondWriter(t)
	must(t, c.RPush(ctx, "dl", "a", "b", "c", "d").Err())
	shown := elements(t, s, "dl", 100)[2] // the cursor on c
	must(t, c.LPush(ctx, "dl", "NEW").Err())
	_, err := s.SetElement(ctx, "0", "dl", backend.KindList, &shown, backend.Element{Index: shown.Index, Value: []byte("C-edited")})
	wantConflict(t, "editing c after LPUSH", err)
	if got := lrange(t, c, "dl"); !slices.Equal(got, []string{"NEW", "a", "b", "c", "d"}) {
		t.Fatalf("list after a refused edit: %v", got)
	}
	// Read again, edit again: now it lands on c.
	shown = elements(t, s, "dl", 100)[3]
	ok(t)(s.SetElement(ctx, "0", "dl", backend.KindList, &shown, backend.Element{Index: shown.Index, Value: []byte("C-edited")}))
	if got := lrange(t, c, "dl"); !slices.Equal(got, []string{"NEW", "a", "b", "C-edited", "d"}) {
		t.Fatalf("list after the edit: %v", got)
	}
}

func TestListItemRemoveAfterAChangeIsAConflict(t *testing.T) {
	s, c, ctx := secondWriter(t)
	must(t, c.RPush(ctx, "l", "x", "y", "x", "z").Err())
	shown := elements(t, s, "l", 100)[2]
	must(t, c.LSet(ctx, "l", 2, "other").Err())
	_, err := s.RemoveElement(ctx, "0", "l", backend.KindList, shown)
	wantConflict(t, "removing an item another client replaced", err)
	if got := lrange(t, c, "l"); !slices.Equal(got, []string{"x", "y", "other", "z"}) {
		t.Fatalf("list after a refused removal: %v", got)
	}
}

// Defect 4: saving an unchanged set member deleted it.
func TestUnchangedElementEditsWriteNothing(t *testing.T) {
	s, c, ctx := secondWriter(t)
	must(t, c.SAdd(ctx, "s", "m1", "m2").Err())
	must(t, c.HSet(ctx, "h", "f", "v").Err())
	must(t, c.ZAdd(ctx, "z", goredis.Z{Member: "alice", Score: 123456789}).Err())
	must(t, c.RPush(ctx, "l", "a").Err())
	dirty := changesSinceSave(t, c)
	for _, k := range []struct {
		key  string
		kind backend.Kind
	}{{"s", backend.KindSet}, {"h", backend.KindHash}, {"z", backend.KindZSet}, {"l", backend.KindList}} {
		el := elements(t, s, k.key, 10)[0]
		ok(t)(s.SetElement(ctx, "0", k.key, k.kind, &el, el))
	}
	if got := changesSinceSave(t, c); got != dirty {
		t.Fatalf("unchanged element edits changed the dataset %d times", got-dirty)
	}
	if m, _ := c.SMembers(ctx, "s").Result(); len(m) != 2 {
		t.Fatalf("set after saving a member unchanged: %v", m)
	}
}

// changesSinceSave is the server's count of writes (rdb_changes_since_last_save).
func changesSinceSave(t *testing.T, c *goredis.Client) int {
	t.Helper()
	info, err := c.Info(context.Background(), "persistence").Result()
	must(t, err)
	for _, line := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, "rdb_changes_since_last_save:"); ok {
			n, err := strconv.Atoi(v)
			must(t, err)
			return n
		}
	}
	t.Fatal("no rdb_changes_since_last_save in INFO")
	return 0
}

// Defect 5: hash field, set member, zset member and score edits had no
// conflict check.
func TestElementEditsAfterASecondWriterAreConflicts(t *testing.T) {
	s, c, ctx := secondWriter(t)
	cases := []struct {
		name  string
		setup func()
		kind  backend.Kind
		key   string
		other func()
		write func(shown backend.Element) error
		check func() bool
	}{
		{"hash field value", func() { c.HSet(ctx, "h", "f", "v1") }, backend.KindHash, "h",
			func() { c.HSet(ctx, "h", "f", "v2") },
			func(el backend.Element) error {
				return errOf(s.SetElement(ctx, "0", "h", backend.KindHash, &el, backend.Element{Field: "f", Value: []byte("mine")}))
			},
			func() bool { return c.HGet(ctx, "h", "f").Val() == "v2" }},
		{"hash field rename onto a new field", func() { c.HSet(ctx, "h2", "f", "v1") }, backend.KindHash, "h2",
			func() { c.HSet(ctx, "h2", "g", "theirs") },
			func(el backend.Element) error {
				return errOf(s.SetElement(ctx, "0", "h2", backend.KindHash, &el, backend.Element{Field: "g", Value: []byte("v1")}))
			},
			func() bool { return c.HGet(ctx, "h2", "g").Val() == "theirs" && c.HGet(ctx, "h2", "f").Val() == "v1" }},
		{"hash field remove", func() { c.HSet(ctx, "h3", "f", "v1", "keep", "1") }, backend.KindHash, "h3",
			func() { c.HSet(ctx, "h3", "f", "v2") },
			func(el backend.Element) error {
				return errOf(s.RemoveElement(ctx, "0", "h3", backend.KindHash, hashField(el, "f")))
			},
			func() bool { return c.HGet(ctx, "h3", "f").Val() == "v2" }},
		{"set member rename", func() { c.SAdd(ctx, "s", "m1") }, backend.KindSet, "s",
			func() { c.SRem(ctx, "s", "m1"); c.SAdd(ctx, "s", "theirs") },
			func(el backend.Element) error {
				return errOf(s.SetElement(ctx, "0", "s", backend.KindSet, &el, backend.Element{Value: []byte("m3")}))
			},
			func() bool { m := c.SMembers(ctx, "s").Val(); return len(m) == 1 && m[0] == "theirs" }},
		{"set member rename onto an existing member", func() { c.SAdd(ctx, "s2", "m1") }, backend.KindSet, "s2",
			func() { c.SAdd(ctx, "s2", "m3") },
			func(el backend.Element) error {
				return errOf(s.SetElement(ctx, "0", "s2", backend.KindSet, &el, backend.Element{Value: []byte("m3")}))
			},
			func() bool { return c.SCard(ctx, "s2").Val() == 2 }},
		{"zset score", func() { c.ZAdd(ctx, "z", goredis.Z{Member: "alice", Score: 42}) }, backend.KindZSet, "z",
			func() { c.ZAdd(ctx, "z", goredis.Z{Member: "alice", Score: 43}) },
			func(el backend.Element) error {
				return errOf(s.SetElement(ctx, "0", "z", backend.KindZSet, &el, backend.Element{Value: []byte("alice"), Score: 7}))
			},
			func() bool { return c.ZScore(ctx, "z", "alice").Val() == 43 }},
		{"zset member remove", func() { c.ZAdd(ctx, "z2", goredis.Z{Member: "bob", Score: 1}) }, backend.KindZSet, "z2",
			func() { c.ZAdd(ctx, "z2", goredis.Z{Member: "bob", Score: 2}) },
			func(el backend.Element) error { return errOf(s.RemoveElement(ctx, "0", "z2", backend.KindZSet, el)) },
			func() bool { return c.ZScore(ctx, "z2", "bob").Val() == 2 }},
		{"stream entry remove", func() { c.XAdd(ctx, &goredis.XAddArgs{Stream: "st", ID: "1-1", Values: []any{"a", "1"}}) }, backend.KindStream, "st",
			func() {
				c.XDel(ctx, "st", "1-1")
				c.XAdd(ctx, &goredis.XAddArgs{Stream: "st", ID: "2-1", Values: []any{"b", "2"}})
			},
			func(el backend.Element) error { return errOf(s.RemoveElement(ctx, "0", "st", backend.KindStream, el)) },
			func() bool { return c.XLen(ctx, "st").Val() == 1 }},
		{"an element of a key deleted and re-created as another type", func() { c.HSet(ctx, "h4", "f", "v") }, backend.KindHash, "h4",
			func() { c.Del(ctx, "h4"); c.Set(ctx, "h4", "now a string", 0) },
			func(el backend.Element) error {
				return errOf(s.SetElement(ctx, "0", "h4", backend.KindHash, &el, backend.Element{Field: "f", Value: []byte("x")}))
			},
			func() bool { return c.Get(ctx, "h4").Val() == "now a string" }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.setup()
			shown := elements(t, s, tc.key, 10)[0]
			tc.other()
			wantConflict(t, tc.name, tc.write(shown))
			if !tc.check() {
				t.Fatalf("%s: the other client's data is not intact", tc.name)
			}
		})
	}
}

// hashField finds a field among the elements elements() returned first.
func hashField(el backend.Element, field string) backend.Element {
	if el.Field == field {
		return el
	}
	return backend.Element{Field: field, Value: []byte("v1")}
}

func TestAnEditNeverRecreatesADeletedCollection(t *testing.T) {
	s, c, ctx := secondWriter(t)
	must(t, c.SAdd(ctx, "s", "m1").Err())
	shown := elements(t, s, "s", 10)[0]
	must(t, c.Del(ctx, "s").Err())
	if _, err := s.SetElement(ctx, "0", "s", backend.KindSet, nil, backend.Element{Value: []byte("m2")}); !errors.Is(err, backend.ErrNotFound) {
		t.Fatalf("adding to a deleted set: %v, want ErrNotFound", err)
	}
	if _, err := s.PushElement(ctx, "0", "l", []byte("x"), false); !errors.Is(err, backend.ErrNotFound) {
		t.Fatalf("pushing to a missing list: %v, want ErrNotFound", err)
	}
	_, err := s.SetElement(ctx, "0", "s", backend.KindSet, &shown, backend.Element{Value: []byte("m3")})
	if !errors.Is(err, backend.ErrNotFound) {
		t.Fatalf("editing a deleted set: %v, want ErrNotFound", err)
	}
	if n := c.Exists(ctx, "s", "l").Val(); n != 0 {
		t.Fatalf("an edit re-created %d deleted keys", n)
	}
}

// Renaming the only member of a set keeps the key and its TTL: the new
// member is added before the old one goes.
func TestRenamingTheOnlyMemberKeepsTheKeyAndItsTTL(t *testing.T) {
	s, c, ctx := secondWriter(t)
	must(t, c.SAdd(ctx, "s", "only").Err())
	must(t, c.Expire(ctx, "s", time.Hour).Err())
	shown := elements(t, s, "s", 10)[0]
	ok(t)(s.SetElement(ctx, "0", "s", backend.KindSet, &shown, backend.Element{Value: []byte("renamed")}))
	if m := c.SMembers(ctx, "s").Val(); !slices.Equal(m, []string{"renamed"}) {
		t.Fatalf("members %v", m)
	}
	if d := pttl(t, c, "s"); d < 59*time.Minute {
		t.Fatalf("the set lost its TTL: %v", d)
	}
}

// A list item removal keeps a copy of the list taken in the same script;
// restoring it is refused once another client changed the list.
func TestListRemovalUndoIsExactAndConditional(t *testing.T) {
	s, c, ctx := secondWriter(t)
	must(t, c.RPush(ctx, "l", "a", "b", "c").Err())
	must(t, c.Expire(ctx, "l", time.Hour).Err())
	exp := c.PExpireTime(ctx, "l").Val()
	shown := elements(t, s, "l", 10)[1]
	w := ok(t)(s.RemoveElement(ctx, "0", "l", backend.KindList, shown)).(backend.ElementWrite)
	if w.Before == nil || w.Version == "" {
		t.Fatalf("a list removal kept no copy for undo: %+v", w)
	}
	ok(t)(s.Restore(ctx, "0", *w.Before, backend.RestoreOptions{IfVersion: w.Version}))
	if got := lrange(t, c, "l"); !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Fatalf("after undo: %v", got)
	}
	if got := c.PExpireTime(ctx, "l").Val(); got != exp {
		t.Fatalf("undo moved the expiry from %v to %v", exp, got)
	}

	shown = elements(t, s, "l", 10)[1]
	w = ok(t)(s.RemoveElement(ctx, "0", "l", backend.KindList, shown)).(backend.ElementWrite)
	must(t, c.RPush(ctx, "l", "theirs").Err())
	_, err := s.Restore(ctx, "0", *w.Before, backend.RestoreOptions{IfVersion: w.Version})
	wantConflict(t, "undo after another client pushed", err)
	if got := lrange(t, c, "l"); !slices.Equal(got, []string{"a", "c", "theirs"}) {
		t.Fatalf("the other client's push is not intact: %v", got)
	}
}

func TestRemovingTheLastElementKeepsTheWholeKey(t *testing.T) {
	s, c, ctx := secondWriter(t)
	must(t, c.HSet(ctx, "h", "f", "v").Err())
	must(t, c.Expire(ctx, "h", time.Hour).Err())
	exp := c.PExpireTime(ctx, "h").Val()
	w := ok(t)(s.RemoveElement(ctx, "0", "h", backend.KindHash, backend.Element{Field: "f", Value: []byte("v")})).(backend.ElementWrite)
	if c.Exists(ctx, "h").Val() != 0 || w.Before == nil {
		t.Fatalf("removing the last field: key exists %d, kept %+v", c.Exists(ctx, "h").Val(), w)
	}
	ok(t)(s.Restore(ctx, "0", *w.Before, backend.RestoreOptions{IfAbsent: true}))
	if c.HGet(ctx, "h", "f").Val() != "v" || c.PExpireTime(ctx, "h").Val() != exp {
		t.Fatalf("the hash came back as %v with expiry %v, want f=v at %v", c.HGetAll(ctx, "h").Val(), c.PExpireTime(ctx, "h").Val(), exp)
	}
}

func TestSnapshotDeleteAndRestoreEveryType(t *testing.T) {
	s, c, ctx := secondWriter(t)
	must(t, c.HSet(ctx, "hash", "a", "1", "b", "2").Err())
	must(t, c.RPush(ctx, "list", "x", "y").Err())
	must(t, c.SAdd(ctx, "set", "m").Err())
	must(t, c.ZAdd(ctx, "zset", goredis.Z{Member: "m", Score: 1.5}).Err())
	must(t, c.XAdd(ctx, &goredis.XAddArgs{Stream: "stream", ID: "5-1", Values: []any{"dup", "1", "dup", "2"}}).Err())
	must(t, c.Set(ctx, "string", "v", 0).Err())
	for _, k := range []string{"hash", "list", "set", "zset", "stream", "string"} {
		must(t, c.Expire(ctx, k, 90*time.Minute).Err())
		exp := c.PExpireTime(ctx, k).Val()
		dump := c.Dump(ctx, k).Val()
		snap := ok(t)(s.Snapshot(ctx, "0", k)).(backend.Snapshot)
		if snap.ExpiresAt.UnixMilli() != exp.Milliseconds() {
			t.Fatalf("%s: snapshot expiry %v, server says %v", k, snap.ExpiresAt, exp)
		}
		must(t, s.Delete(ctx, "0", k, backend.DeleteOptions{IfVersion: snap.Version}))
		// Undo after a while: the same expiry instant, not a fresh TTL.
		time.Sleep(20 * time.Millisecond)
		ok(t)(s.Restore(ctx, "0", snap, backend.RestoreOptions{IfAbsent: true}))
		if got := c.PExpireTime(ctx, k).Val(); got != exp {
			t.Fatalf("%s: restored expiry %v, want %v", k, got, exp)
		}
		if got := c.Dump(ctx, k).Val(); got != dump {
			t.Fatalf("%s: restored content differs", k)
		}
	}
}

func TestDeleteAndRestoreAfterASecondWriter(t *testing.T) {
	s, c, ctx := secondWriter(t)
	must(t, c.SAdd(ctx, "s", "m1").Err())
	snap := ok(t)(s.Snapshot(ctx, "0", "s")).(backend.Snapshot)
	must(t, c.SAdd(ctx, "s", "theirs").Err())
	wantConflict(t, "deleting a set another client added to", s.Delete(ctx, "0", "s", backend.DeleteOptions{IfVersion: snap.Version}))
	if c.SCard(ctx, "s").Val() != 2 {
		t.Fatal("the refused delete changed the set")
	}

	// Undo of a delete: another client re-created the key in between.
	snap = ok(t)(s.Snapshot(ctx, "0", "s")).(backend.Snapshot)
	must(t, s.Delete(ctx, "0", "s", backend.DeleteOptions{IfVersion: snap.Version}))
	must(t, c.Set(ctx, "s", "theirs now", 0).Err())
	_, err := s.Restore(ctx, "0", snap, backend.RestoreOptions{IfAbsent: true})
	wantConflict(t, "undoing a delete over a re-created key", err)
	if c.Get(ctx, "s").Val() != "theirs now" {
		t.Fatal("undo overwrote the other client's key")
	}

	// Undo of an overwrite: the key changed again since.
	must(t, c.Set(ctx, "k", "old", 0).Err())
	snap = ok(t)(s.Snapshot(ctx, "0", "k")).(backend.Snapshot)
	v := ok(t)(s.Put(ctx, "0", "k", []byte("mine"), backend.PutOptions{IfVersion: snap.Version})).(string)
	must(t, c.Set(ctx, "k", "theirs", 0).Err())
	_, err = s.Restore(ctx, "0", snap, backend.RestoreOptions{IfVersion: v})
	wantConflict(t, "undoing an overwrite after another write", err)
	if c.Get(ctx, "k").Val() != "theirs" {
		t.Fatal("undo overwrote the other client's value")
	}
	// Undo of a create: the created set was changed since.
	ver := ok(t)(s.CreateKey(ctx, "0", "new", backend.KindSet, backend.Element{Value: []byte("a")}, 0)).(string)
	must(t, c.SAdd(ctx, "new", "theirs").Err())
	wantConflict(t, "undoing a create after another client added", s.Delete(ctx, "0", "new", backend.DeleteOptions{IfVersion: ver}))
	if c.SCard(ctx, "new").Val() != 2 {
		t.Fatal("undo of a create deleted the other client's member")
	}
}

func TestUnchangedPutWritesNothing(t *testing.T) {
	s, c, ctx := secondWriter(t)
	must(t, c.Set(ctx, "n", "42", time.Hour).Err())
	e := ok(t)(s.Get(ctx, "0", "n", backend.GetOptions{})).(backend.Entry)
	dirty := changesSinceSave(t, c)
	v := ok(t)(s.Put(ctx, "0", "n", []byte("42"), backend.PutOptions{IfVersion: e.Version})).(string)
	if v != e.Version || changesSinceSave(t, c) != dirty {
		t.Fatalf("an unchanged Put wrote (version %s → %s, %d changes)", e.Version, v, changesSinceSave(t, c)-dirty)
	}
}

func TestRestoreAfterTheExpiryInstantRestoresNothing(t *testing.T) {
	s, c, ctx := secondWriter(t)
	must(t, c.Set(ctx, "k", "v", 0).Err())
	snap := ok(t)(s.Snapshot(ctx, "0", "k")).(backend.Snapshot)
	must(t, s.Delete(ctx, "0", "k", backend.DeleteOptions{IfVersion: snap.Version}))
	snap.ExpiresAt = time.Now().Add(-time.Second)
	if _, err := s.Restore(ctx, "0", snap, backend.RestoreOptions{IfAbsent: true}); !errors.Is(err, backend.ErrNotFound) || !strings.Contains(err.Error(), "expiry") {
		t.Fatalf("restoring past its expiry: %v, want ErrNotFound saying why", err)
	}
	if c.Exists(ctx, "k").Val() != 0 {
		t.Fatal("a key past its expiry came back")
	}
}

// Defect 1: redis://host:port/3 opened database 0.
func TestTheURLsDatabaseIsTheBucketToOpen(t *testing.T) {
	srv := redistest.Start(t)
	if b := open(t, srv.URL()+"/3", false).Info().Bucket; b != "3" {
		t.Fatalf("Info().Bucket for %s/3 = %q, want 3", srv.URL(), b)
	}
	if b := open(t, srv.URL(), false).Info().Bucket; b != "" {
		t.Fatalf("Info().Bucket without a database = %q, want none", b)
	}
}

// Copies for undo stop where DUMP would hold the server past the SLOWLOG
// threshold: 10,000 elements for a hash, set or sorted set (a hash table
// walk), 50,000 for a list.
func TestCollectionsTooLargeToCopyAreSaidSo(t *testing.T) {
	s, c, ctx := secondWriter(t)
	p := c.Pipeline()
	for i := range keepLimit/5 + 1 {
		p.HSet(ctx, "big-hash", strconv.Itoa(i), "v")
	}
	for i := range keepLimit / 5 {
		p.HSet(ctx, "hash", strconv.Itoa(i), "v")
		p.RPush(ctx, "list", "v")
	}
	_, err := p.Exec(ctx)
	must(t, err)
	if _, err := s.Snapshot(ctx, "0", "big-hash"); !errors.Is(err, backend.ErrUnsupported) {
		t.Fatalf("a copy of a %d-field hash: %v, want ErrUnsupported", keepLimit/5+1, err)
	}
	for _, k := range []string{"hash", "list"} {
		ok(t)(s.Snapshot(ctx, "0", k))
	}
}
