package model_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/kvdeck/kvdeck/backend/local"
	"github.com/kvdeck/kvdeck/backend/nats/natstest"
	"github.com/kvdeck/kvdeck/model"
	"github.com/kvdeck/kvdeck/model/modeltest"
)

// Issue 13: d on a namespace of the analysis page deletes its keys after a
// dry run that counts those that exist and a y; every type goes, with a
// copy each, and u puts them back with their TTLs. A second writer: a key
// it deletes after the dry run is counted gone, one it rewrites is deleted
// with its new value (what undo puts back), one it writes again after the
// delete is left as it is by the undo, which shows what it holds. Checked
// with go-redis.
func TestBulkDeleteFromTheAnalysisPageWithUndoOnRedis(t *testing.T) {
	f := startRedis(t)
	ctx := context.Background()
	pipe := f.c.Pipeline()
	for i := range 300 {
		pipe.Set(ctx, fmt.Sprintf("job:%03d", i), fmt.Sprintf("state-%d", i), time.Duration(i%2)*time.Hour)
	}
	pipe.HSet(ctx, "job:hash", "f", "1")
	pipe.RPush(ctx, "job:list", "a", "b")
	pipe.Set(ctx, "keep:me", "v", 0)
	if _, err := pipe.Exec(ctx); err != nil {
		t.Fatal(err)
	}
	app := f.app(t, f.srv.URL(), model.Options{Bucket: "0", Timeout: 5 * time.Second})
	mustSeeDone(t, app, "303 keys")
	app.Keys("A")
	mustSee(t, app, "complete in")
	if row := lineWith(plain(app), "job:"); !strings.Contains(row, "302") {
		t.Fatalf("the job: row should count 302 keys:\n%s", plain(app))
	}
	app.Keys("d")
	mustSee(t, app, "Delete 302 keys?")
	mustSee(t, app, "undoes it in this session")
	// Between the dry run and y, the other client deletes job:000 and
	// rewrites job:001.
	f.c.Del(ctx, "job:000")
	f.c.Set(ctx, "job:001", "theirs", 0)
	app.Keys("y")
	mustSee(t, app, "deleted 301 of 302 keys, 1 gone already")
	mustSee(t, app, "keys changed since (esc, then A, analyses them again)")
	if n := f.c.DBSize(ctx).Val(); n != 1 || f.c.Get(ctx, "keep:me").Val() != "v" {
		t.Fatalf("%d keys left, want keep:me only", n)
	}
	// After the delete the other client writes job:002 again.
	f.c.Set(ctx, "job:002", "theirs again", 0)
	app.Keys("u") // on the analysis page still, which offers it

	mustSee(t, app, "300 of 301 restored, 1 changed since")
	mustSee(t, app, "Undo: changed since")
	mustSee(t, app, "theirs again")
	app.Keys("n")
	if v := f.c.Get(ctx, "job:002").Val(); v != "theirs again" {
		t.Fatalf("undo overwrote job:002 with %q", v)
	}
	if v := f.c.Get(ctx, "job:001").Val(); v != "theirs" {
		t.Fatalf("job:001 came back as %q, not the other client's last write", v)
	}
	if f.c.Exists(ctx, "job:000").Val() != 0 {
		t.Fatal("job:000, deleted by the other client before, came back")
	}
	for i := 3; i < 300; i++ {
		k := fmt.Sprintf("job:%03d", i)
		if v := f.c.Get(ctx, k).Val(); v != fmt.Sprintf("state-%d", i) {
			t.Fatalf("%s came back as %q", k, v)
		}
		ttl := f.c.PTTL(ctx, k).Val()
		if i%2 == 1 && (ttl > time.Hour || ttl < 59*time.Minute) || i%2 == 0 && ttl != -1 {
			t.Fatalf("%s came back with TTL %v", k, ttl)
		}
	}
	if f.c.HGet(ctx, "job:hash", "f").Val() != "1" || f.c.LLen(ctx, "job:list").Val() != 2 {
		t.Fatal("the hash and the list did not come back")
	}
}

// Beyond the undo limit the confirmation says the delete cannot be
// undone, before y; the keys go without copies.
func TestBulkDeleteBeyondTheUndoLimitSaysSoFirst(t *testing.T) {
	f := startRedis(t, "--enable-debug-command", "yes")
	ctx := context.Background()
	const n = 100_001
	if err := f.c.Do(ctx, "DEBUG", "POPULATE", n, "many", 8).Err(); err != nil {
		t.Fatal(err)
	}
	app := f.app(t, f.srv.URL(), model.Options{Bucket: "0", Timeout: 10 * time.Second})
	mustSeeDone(t, app, "100001 keys")
	app.Keys("T")
	mustSee(t, app, "(tree)")
	app.Keys("d")
	mustSeeWithin(t, app, "Delete 100,001 keys?", 30*time.Second)
	mustSee(t, app, "This cannot be undone: undo keeps at most 100,000 keys.")
	app.Keys("y")
	mustSeeWithin(t, app, "deleted 100,001 of 100,001 keys; cannot be undone", 60*time.Second)
	if got := f.c.DBSize(ctx).Val(); got != 0 {
		t.Fatalf("%d keys left", got)
	}
	app.Keys("u")
	mustSee(t, app, "nothing to undo")
}

// esc stops a bulk delete under way: the tally counts exactly what the
// server deleted (go-redis counts what is left), the rest is not
// attempted, and what was deleted can be undone. The server's writes are
// paused right after y, so that esc lands before the run can end.
func TestBulkDeleteCancelledCountsWhatItDid(t *testing.T) {
	f := startRedis(t, "--enable-debug-command", "yes")
	ctx := context.Background()
	const n = 50_000
	if err := f.c.Do(ctx, "DEBUG", "POPULATE", n, "run", 8).Err(); err != nil {
		t.Fatal(err)
	}
	app := f.app(t, f.srv.URL(), model.Options{Bucket: "0", Timeout: 10 * time.Second})
	mustSeeDone(t, app, "50000 keys")
	app.Keys("T", "d")
	mustSeeWithin(t, app, "Delete 50,000 keys?", 30*time.Second)
	app.Send(modeltest.Key("y")) // not settled: the run is under way
	f.c.Do(ctx, "CLIENT", "PAUSE", "1500", "WRITE")
	app.Keys("esc")
	mustSeeWithin(t, app, "not attempted", 30*time.Second)
	time.Sleep(1600 * time.Millisecond) // the pause ends: nothing more is deleted
	left := f.c.DBSize(ctx).Val()
	t.Logf("%d of %d keys left: %s", left, n, lineWith(plain(app), "deleted"))
	if left == 0 {
		t.Fatal("every key was deleted: esc did not stop the run")
	}
	if want := fmt.Sprintf("deleted %s of 50,000 keys", comma(n-int(left))); !strings.Contains(plain(app), want) {
		t.Fatalf("the server has %d keys left; the tally should say %q:\n%s", left, want, plain(app))
	}
	if left == n {
		return // nothing was deleted before the pause: nothing to undo
	}
	app.Keys("u")
	mustSeeWithin(t, app, "undid delete of", 30*time.Second)
	if got := f.c.DBSize(ctx).Val(); got != n {
		t.Fatalf("%d keys after undo, want %d", got, n)
	}
}

// comma writes n with thousands separators, as the tallies do.
func comma(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// Issue 13 on NATS: d on a folder of the tree deletes its keys after the
// dry run; a value another client writes after the dry run is deleted
// with its copy (each key is deleted at the revision read with its copy:
// the backend tests race a write into that window), so u puts back that
// value, and the others with their per-key TTLs. Checked with nats.go.
func TestBulkDeleteOnAFolderInNATS(t *testing.T) {
	srv := natstest.Start(t)
	js, kv := natsKV(t, srv, jetstream.KeyValueConfig{Bucket: "flows", LimitMarkerTTL: time.Minute, History: 5})
	ctx := context.Background()
	for i := range 20 {
		key := fmt.Sprintf("flow.order.%02d", i)
		var opts []jetstream.KVCreateOpt
		if i%2 == 0 {
			opts = append(opts, jetstream.KeyTTL(time.Hour))
		}
		if _, err := kv.Create(ctx, key, []byte(fmt.Sprintf("state-%d", i)), opts...); err != nil {
			t.Fatal(err)
		}
	}
	s := openNATSStore(t, srv.URL())
	app := newApp(t, s, model.Options{Bucket: "flows", Timeout: 5 * time.Second})
	mustSeeDone(t, app, "20 keys")
	app.Keys("T", "d")
	mustSee(t, app, "Delete 20 keys?")
	if _, err := kv.PutString(ctx, "flow.order.19", "shipped"); err != nil {
		t.Fatal(err)
	}
	app.Keys("y")
	mustSee(t, app, "deleted 20 of 20 keys")
	for i := range 20 {
		if _, err := kv.Get(ctx, fmt.Sprintf("flow.order.%02d", i)); err == nil {
			t.Fatalf("flow.order.%02d was not deleted", i)
		}
	}
	app.Keys("u")
	mustSee(t, app, "undid delete of 20 keys")
	for i := range 20 {
		key := fmt.Sprintf("flow.order.%02d", i)
		want := fmt.Sprintf("state-%d", i)
		if i == 19 {
			want = "shipped"
		}
		e, err := kv.Get(ctx, key)
		if err != nil || string(e.Value()) != want {
			t.Fatalf("%s after undo: %v", key, err)
		}
		ttl := natsTTLHeader(t, js, "flows", key)
		if i%2 == 0 && (ttl == "" || ttl == "never") || i%2 == 1 && ttl != "" {
			t.Fatalf("%s came back with TTL %q", key, ttl)
		}
	}
}

// Issue 13 locally: d on marked keys deletes them with their TTLs kept for
// u, which puts them back, except a key written again meanwhile, shown
// with what it holds.
func TestBulkDeleteOfMarkedKeysLocally(t *testing.T) {
	data := map[string]string{}
	ttls := map[string]time.Duration{}
	for i := range 6 {
		key := fmt.Sprintf("job:%d", i)
		data[key] = fmt.Sprintf("done-%d", i)
		if i%2 == 0 {
			ttls[key] = 24 * time.Hour
		}
	}
	s := openStore(t, map[string]map[string]string{"jobs": data}, ttls)
	app := newApp(t, s, model.Options{Bucket: "jobs", Timeout: 5 * time.Second})
	mustSeeDone(t, app, "6 keys")
	for range 6 {
		app.Keys("space")
	}
	app.Keys("d")
	mustSee(t, app, "Delete 6 keys?")
	app.Keys("y")
	mustSee(t, app, "deleted 6 of 6 keys")
	ctx := context.Background()
	if _, err := s.Put(ctx, "jobs", "job:5", []byte("theirs"), backend.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	app.Keys("u")
	mustSee(t, app, "5 of 6 restored, 1 changed since")
	mustSee(t, app, "theirs")
	app.Keys("n")
	for i := range 6 {
		e, err := s.Get(ctx, "jobs", fmt.Sprintf("job:%d", i), backend.GetOptions{})
		want := fmt.Sprintf("done-%d", i)
		if i == 5 {
			want = "theirs"
		}
		if err != nil || string(e.Value) != want {
			t.Fatalf("job:%d after undo: %q %v, want %q", i, e.Value, err, want)
		}
		if i < 5 && (i%2 == 0) == e.ExpiresAt.IsZero() {
			t.Fatalf("job:%d came back with expiry %v", i, e.ExpiresAt)
		}
	}
}

// Read-only refuses the bulk actions and an import before any dry run,
// saying why, and nothing changes.
func TestBulkActionsRefusedReadOnly(t *testing.T) {
	s := openStore(t, map[string]map[string]string{"jobs": {"job:1": "a", "job:2": "b"}}, nil)
	path := s.Info().Address
	s.Close()
	ro, err := local.Open(path, local.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	app := newApp(t, ro, model.Options{Bucket: "jobs", Timeout: 5 * time.Second})
	mustSeeDone(t, app, "2 keys")
	app.Keys("space", "space", "d")
	mustSee(t, app, "read-only")
	mustNotSee(t, app, "Delete 2 keys?")
	app.Keys("t")
	mustSee(t, app, "read-only")
	mustNotSee(t, app, "What should change?")
	app.Keys("A")
	mustSee(t, app, "complete in")
	app.Keys("d")
	mustSee(t, app, "read-only")
	mustNotSee(t, app, "Delete 2 keys?")
	// :import refuses before it reads the file (this one is not there).
	app.Keys("esc", "esc", ":")
	app.Type("import /no/such/file.jsonl")
	app.Keys("enter")
	mustSee(t, app, "read-only")
	mustNotSee(t, app, "no such file")
	for _, k := range []string{"job:1", "job:2"} {
		if _, err := ro.Get(context.Background(), "jobs", k, backend.GetOptions{}); err != nil {
			t.Fatalf("%s: %v", k, err)
		}
	}
}

// A whole pattern: ctrl+a marks every key the pattern listed, and d
// deletes exactly those; ctrl+a again clears the marks.
func TestBulkDeleteOfAPatternsKeys(t *testing.T) {
	f := startRedis(t)
	ctx := context.Background()
	for i := range 30 {
		f.c.Set(ctx, fmt.Sprintf("tmp:%d:lock", i), "1", 0)
	}
	f.c.Set(ctx, "tmp:keep", "1", 0)
	f.c.Set(ctx, "other:1:lock", "1", 0)
	app := f.app(t, f.srv.URL(), model.Options{Bucket: "0", Match: "tmp:*:lock", Timeout: 5 * time.Second})
	mustSeeDone(t, app, "30 keys")
	app.Keys("ctrl+a")
	mustSee(t, app, "30 keys marked")
	app.Keys("ctrl+a")
	mustSee(t, app, "no keys marked")
	app.Keys("ctrl+a", "d")
	mustSee(t, app, "Delete 30 keys?")
	app.Keys("y")
	mustSee(t, app, "deleted 30 of 30 keys")
	if n := f.c.DBSize(ctx).Val(); n != 2 || f.c.Exists(ctx, "tmp:keep", "other:1:lock").Val() != 2 {
		t.Fatalf("%d keys left; tmp:keep and other:1:lock must stay", n)
	}
}
