package model_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/kvdeck/kvdeck/backend/local"
	"github.com/kvdeck/kvdeck/backend/nats/natstest"
	"github.com/kvdeck/kvdeck/backend/redis/redistest"
	"github.com/kvdeck/kvdeck/connect"
	"github.com/kvdeck/kvdeck/model"
	"github.com/kvdeck/kvdeck/transfer"
)

// Issue 14 from the UI: with a NATS bucket and the local store open as
// tabs, X on a folder copies its keys to a local bucket: a dry run counts
// new and existing keys, skip leaves a key another program wrote there
// as it is, and the others arrive with their values and TTLs (checked by
// opening the file with the local store's own API, and nats.go for the
// source).
func TestCopyAFolderFromNATSToTheLocalStore(t *testing.T) {
	nsrv := natstest.Start(t)
	_, kv := natsKV(t, nsrv, jetstream.KeyValueConfig{Bucket: "flows", LimitMarkerTTL: time.Minute})
	ctx := context.Background()
	for i := range 12 {
		key := fmt.Sprintf("flow.order.%02d", i)
		var opts []jetstream.KVCreateOpt
		if i%3 == 0 {
			opts = append(opts, jetstream.KeyTTL(time.Hour))
		}
		if _, err := kv.Create(ctx, key, []byte(fmt.Sprintf("state-%d", i)), opts...); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(t.TempDir(), "copy.db")
	ls, err := local.Open(path, local.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := ls.CreateBucket(ctx, backend.BucketConfig{Name: "archive"}); err != nil {
		t.Fatal(err)
	}
	if _, err := ls.Put(ctx, "archive", "flow.order.05", []byte("theirs"), backend.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	ls.Close()

	c := &specs{}
	c.add(model.Entry{Name: "flows", Kind: "nats", Address: nsrv.URL(), Bucket: "flows"},
		connect.Spec{Kind: connect.KindNATS, Target: nsrv.URL(), Timeout: 3 * time.Second})
	c.add(model.Entry{Name: "archive", Kind: "local", Address: path, Bucket: "archive"},
		connect.Spec{Kind: connect.KindLocal, Target: path, Timeout: 3 * time.Second})
	app := newDeck(t, c)
	pick(t, app, "archive")
	mustSeeDone(t, app, "1 keys")
	app.Keys("C")
	pick(t, app, "flows")
	mustSeeDone(t, app, "12 keys")
	app.Keys("T") // the tree: the cursor on the flow folder
	mustSee(t, app, "(tree)")
	app.Keys("X")
	mustSee(t, app, "Copy 12 keys")
	mustSee(t, app, "tab 1: archive (local)")
	app.Keys("1")
	mustSee(t, app, "bucket> archive")
	app.Keys("enter")
	mustSee(t, app, "stop at the first key that exists there")
	app.Keys("s")
	mustSee(t, app, "Copy 12 keys?")
	mustSee(t, app, "11 new there, 1 exist there")
	mustSee(t, app, "the existing ones are left as they are")
	app.Keys("y")
	mustSee(t, app, "copy to tab 1: archive (local) bucket archive: 11 written, 1 skipped (existing), 0 gone, 0 failed")

	app.Keys("]") // the archive tab lists what was copied there
	mustSee(t, app, "12 keys")
	ls, err = local.Open(path, local.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ls.Close()
	for i := range 12 {
		key := fmt.Sprintf("flow.order.%02d", i)
		e, err := ls.Get(ctx, "archive", key, backend.GetOptions{})
		want := fmt.Sprintf("state-%d", i)
		if i == 5 {
			want = "theirs"
		}
		if err != nil || string(e.Value) != want {
			t.Fatalf("%s in the local store: %q %v, want %q", key, e.Value, err, want)
		}
		left := time.Until(e.ExpiresAt)
		if i%3 == 0 && (left < 59*time.Minute || left > time.Hour+time.Second) || i%3 != 0 && !e.ExpiresAt.IsZero() {
			t.Fatalf("%s: expires in %v", key, left)
		}
	}
	if e, _ := kv.Get(ctx, "flow.order.05"); string(e.Value()) != "state-5" {
		t.Fatal("the source changed")
	}
}

// Redis to NATS from the UI: a hash becomes JSON, ':' in names becomes
// '.', and a bucket without per-key TTLs is said before the copy to drop
// the TTLs, which it does.
func TestCopyFromRedisToNATSSaysWhatChanges(t *testing.T) {
	rsrv := redistest.Start(t)
	rc := rsrv.Client()
	defer rc.Close()
	ctx := context.Background()
	rc.HSet(ctx, "user:1", "name", "ada")
	rc.Set(ctx, "user:2", "grace", time.Hour)
	rc.Set(ctx, "user:two words", "x", 0) // no NATS key, even with '.'
	nsrv := natstest.Start(t)
	_, kv := natsKV(t, nsrv, jetstream.KeyValueConfig{Bucket: "users"})
	c := &specs{}
	c.add(model.Entry{Name: "cache", Kind: "redis", Address: rsrv.Addr, Bucket: "0"},
		connect.Spec{Kind: connect.KindRedis, Target: rsrv.URL(), Timeout: 3 * time.Second})
	c.add(model.Entry{Name: "users", Kind: "nats", Address: nsrv.URL(), Bucket: "users"},
		connect.Spec{Kind: connect.KindNATS, Target: nsrv.URL(), Timeout: 3 * time.Second})
	app := newDeck(t, c)
	pick(t, app, "users")
	mustSeeDone(t, app, "0 keys")
	app.Keys("C")
	pick(t, app, "cache")
	mustSeeDone(t, app, "3 keys")
	app.Keys("ctrl+a", "X", "1", "enter", "o")
	mustSee(t, app, "Copy 3 keys?")
	mustSee(t, app, "2 new there, 0 exist there")
	mustSee(t, app, "1 collections become JSON there")
	mustSee(t, app, `Key names: ":" becomes "."`)
	mustSee(t, app, "1 keys have a name the target cannot hold")
	mustSee(t, app, `"user.two words" has a character NATS`)
	mustSee(t, app, "1 keys have a TTL that")
	app.Keys("y")
	mustSee(t, app, "2 written, 0 skipped (existing), 0 gone, 1 failed")
	e, err := kv.Get(ctx, "user.1")
	if err != nil || string(e.Value()) != `{"name":"ada"}` {
		t.Fatalf("user.1: %v", err)
	}
	if e, err := kv.Get(ctx, "user.2"); err != nil || string(e.Value()) != "grace" {
		t.Fatalf("user.2: %v", err)
	}
	if !strings.Contains(plain(app), "written") {
		t.Fatal("no tally")
	}
}

// :export FILE from the UI: every listed key, or the folder under the
// cursor, into kvdeck's JSON Lines (or Tiny RDM's CSV for a .csv); the
// file is what kvdeck import reads back; an existing file is never
// written over.
func TestExportFromTheUI(t *testing.T) {
	f := startRedis(t)
	ctx := context.Background()
	for i := range 20 {
		f.c.Set(ctx, fmt.Sprintf("user:%02d", i), fmt.Sprintf("u%d", i), time.Hour)
	}
	f.c.HSet(ctx, "cfg:app", "mode", "dark")
	app := f.app(t, f.srv.URL(), model.Options{Bucket: "0", Timeout: 5 * time.Second})
	mustSeeDone(t, app, "21 keys")
	dir := t.TempDir()
	all := filepath.Join(dir, "all.jsonl")
	app.Keys(":")
	app.Type("export " + all)
	app.Keys("enter")
	mustSee(t, app, "exported 21 keys to "+all+" (jsonl)")
	lines := strings.Split(strings.TrimSpace(readFile(t, all)), "\n")
	if len(lines) != 21 {
		t.Fatalf("%d lines", len(lines))
	}
	types := map[string]int{}
	for _, l := range lines {
		rec, err := transfer.DecodeJSONL([]byte(l), time.Now())
		if err != nil {
			t.Fatalf("%s: %v", l, err)
		}
		types[rec.Kind.String()]++
		if rec.Key == "user:03" && (string(rec.Value) != "u3" || time.Until(rec.ExpiresAt) < 59*time.Minute) {
			t.Fatalf("user:03 exported as %+v", rec)
		}
	}
	if types["string"] != 20 || types["hash"] != 1 {
		t.Fatalf("types %v", types)
	}
	app.Keys(":")
	app.Type("export " + all)
	app.Keys("enter")
	mustSee(t, app, "never writes over a file")
	app.Keys("esc") // the command line stays open on a refusal, to fix it

	// The user folder, as Tiny RDM's CSV.
	app.Keys("T")
	mustSee(t, app, "(tree)")
	app.Keys("down") // cfg, then user
	csvPath := filepath.Join(dir, "users.csv")
	app.Keys(":")
	app.Type("export " + csvPath)
	app.Keys("enter")
	mustSee(t, app, "exported 20 keys to "+csvPath+" (rdm-csv)")
	if n := strings.Count(readFile(t, csvPath), "\n"); n != 20 {
		t.Fatalf("%d rows", n)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// :import FILE from the UI: the policy first, a dry run that counts and
// names the bad line, y imports; a key another client holds is left as
// it is under skip. Checked with go-redis.
func TestImportFromTheUI(t *testing.T) {
	f := startRedis(t)
	ctx := context.Background()
	f.c.Set(ctx, "k1", "theirs", 0)
	path := filepath.Join(t.TempDir(), "in.jsonl")
	file := `{"key":"k1","type":"string","value":"mine"}
{"key":"k2","type":"hash","elements":[{"field":"f","value":"v"}]}
{"key":"k3","type":"string","value":"x"
{"key":"k4","type":"list","elements":[{"value":"a"},{"value":"b"}],"ttl_ms":3600000}
`
	if err := os.WriteFile(path, []byte(file), 0o600); err != nil {
		t.Fatal(err)
	}
	app := f.app(t, f.srv.URL(), model.Options{Bucket: "0", Timeout: 5 * time.Second})
	mustSeeDone(t, app, "1 keys")
	app.Keys(":")
	app.Type("import " + path)
	app.Keys("enter")
	mustSee(t, app, "A key that exists")
	app.Keys("s")
	mustSee(t, app, "Import 3 keys?")
	mustSee(t, app, "2 new, 1 exist (left as they are)")
	mustSee(t, app, "line 3: not JSON")
	app.Keys("y")
	mustSee(t, app, "4 lines: 2 written, 1 skipped (existing), 0 expired, 1 invalid, 0 failed")
	mustSee(t, app, "3 keys")
	if f.c.Get(ctx, "k1").Val() != "theirs" || f.c.HGet(ctx, "k2", "f").Val() != "v" || f.c.Exists(ctx, "k3").Val() != 0 {
		t.Fatal("the import did not write what the file holds, or wrote over k1")
	}
	if ttl := f.c.PTTL(ctx, "k4").Val(); ttl < 59*time.Minute || f.c.LLen(ctx, "k4").Val() != 2 {
		t.Fatalf("k4: TTL %v", ttl)
	}
}

// A copy into a bucket that is not there says so, and how to make it,
// before anything is written.
func TestCopyIntoAMissingBucketSaysHow(t *testing.T) {
	f := startRedis(t)
	f.c.Set(context.Background(), "k", "v", 0)
	path := filepath.Join(t.TempDir(), "empty.db")
	c := &specs{}
	c.add(model.Entry{Name: "cache", Kind: "redis", Address: f.srv.Addr, Bucket: "0"},
		connect.Spec{Kind: connect.KindRedis, Target: f.srv.URL(), Timeout: 3 * time.Second})
	c.add(model.Entry{Name: "archive", Kind: "local", Address: path},
		connect.Spec{Kind: connect.KindLocal, Target: path, Create: true, Timeout: 3 * time.Second})
	app := newDeck(t, c)
	pick(t, app, "archive")
	mustSee(t, app, "1 archive")
	app.Keys("C")
	pick(t, app, "cache")
	mustSeeDone(t, app, "1 keys")
	app.Keys("X", "1")
	mustSee(t, app, "bucket>")
	app.Type("nowhere")
	app.Keys("enter", "s")
	mustSee(t, app, `bucket "nowhere" not found`)
	mustSee(t, app, "make it first in tab 1: archive (local) (n in its buckets")
}
