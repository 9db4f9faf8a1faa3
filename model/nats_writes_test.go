package model_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"strings"
	"testing"
	"time"

	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/kvdeck/kvdeck/backend/nats"
	"github.com/kvdeck/kvdeck/backend/nats/natstest"
	"github.com/kvdeck/kvdeck/model"
)

// openNATS starts a server and opens kvdeck's store and nats.go (the second
// client) on it.
func openNATS(t *testing.T) (*nats.Store, jetstream.JetStream) {
	t.Helper()
	srv := natstest.Start(t)
	return openNATSStore(t, srv.URL()), jetStreamOf(t, srv.URL())
}

// jetStreamOf connects nats.go, the second client and the one that reads
// the truth, to the server at url.
func jetStreamOf(t *testing.T, url string) jetstream.JetStream {
	t.Helper()
	nc, err := natsgo.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return js
}

// Defect 11: in a bucket with a bucket-wide TTL an edit restarted the
// key's TTL while the editor said it was kept.
func TestEditorSaysASaveRestartsABucketWideTTL(t *testing.T) {
	s, js := openNATS(t)
	ctx := context.Background()
	kv, err := js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "sessions", TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Put(ctx, "s1", []byte("token")); err != nil {
		t.Fatal(err)
	}
	app := newApp(t, s, model.Options{Bucket: "sessions"})
	mustSee(t, app, "1 keys")
	app.Keys("enter")
	mustSee(t, app, "token")
	app.Keys("i")
	mustSee(t, app, "saving restarts this key's TTL")
	mustNotSee(t, app, "the key's TTL is kept")
}

// Defect 11: a per-key TTL under the server's minimum (the bucket's marker
// TTL) said "set to 5m" when the server applied 1h.
func TestATTLTheServerWouldRaiseIsRefusedNamingTheLimit(t *testing.T) {
	s, _ := openNATS(t)
	ctx := context.Background()
	if err := s.CreateBucket(ctx, backend.BucketConfig{Name: "leases", History: 5, KeyTTL: true, MarkerTTL: time.Hour}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put(ctx, "leases", "l1", []byte("node-1"), backend.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	app := newApp(t, s, model.Options{Bucket: "leases"})
	mustSee(t, app, "1 keys")
	app.Keys("enter", "t")
	app.Type("5m")
	app.Keys("enter")
	mustSee(t, app, "marker TTL")
	mustNotSee(t, app, "set to 5m")
	e, err := s.Get(ctx, "leases", "l1", backend.GetOptions{})
	if err != nil || !e.ExpiresAt.IsZero() {
		t.Fatalf("the refused TTL changed the key: %v, expires %v", err, e.ExpiresAt)
	}
}

// Defect 13: a NATS mirror bucket was missing from the list.
func TestAMirrorBucketIsListedReadableAndReadOnly(t *testing.T) {
	s, js := openNATS(t)
	ctx := context.Background()
	kv, err := js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "origin"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Put(ctx, "k", []byte("from origin")); err != nil {
		t.Fatal(err)
	}
	if _, err := js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "copy", Mirror: &jetstream.StreamSource{Name: "origin"}}); err != nil {
		t.Fatal(err)
	}
	app := newApp(t, s, model.Options{Bucket: "copy"})
	mustSee(t, app, "1 keys")
	app.Keys("enter")
	mustSee(t, app, "from origin")
	app.Keys("d")
	mustSee(t, app, "mirror of origin")
	mustNotSee(t, app, "Delete k")
	if v, err := kv.Get(ctx, "k"); err != nil || string(v.Value()) != "from origin" {
		t.Fatalf("origin's k: %v", err)
	}
}

// Purge is destructive too: undo brings the current value back (the kept
// revisions are gone), and only while nobody re-created the key.
func TestUndoOfAPurgeBringsTheValueBack(t *testing.T) {
	s, js := openNATS(t)
	ctx := context.Background()
	if err := s.CreateBucket(ctx, backend.BucketConfig{Name: "jobs", History: 5, KeyTTL: true}); err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"queued", "running"} {
		if _, err := s.Put(ctx, "jobs", "j1", []byte(v), backend.PutOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	app := newApp(t, s, model.Options{Bucket: "jobs"})
	mustSee(t, app, "1 keys")
	app.Keys("enter")
	mustSee(t, app, "running")
	app.Keys("P")
	mustSee(t, app, "Purge key?")
	app.Keys("y")
	mustSee(t, app, "purged j1")
	app.Keys("u")
	mustSee(t, app, "undid purge of j1")
	kv, err := js.KeyValue(ctx, "jobs")
	if err != nil {
		t.Fatal(err)
	}
	if e, err := kv.Get(ctx, "j1"); err != nil || string(e.Value()) != "running" {
		t.Fatalf("after undo of the purge: %v", err)
	}
}

// The search in values on NATS reads every key's latest value: a key whose
// older revision held the text does not match, one compressed with gzip
// does, through its decoder, and says so beside its name.
func TestValueSearchOnNATSReadsLatestValuesAndDecodes(t *testing.T) {
	srv := natstest.Start(t)
	_, kv := natsKV(t, srv, jetstream.KeyValueConfig{Bucket: "jobs", History: 5})
	ctx := context.Background()
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(strings.Repeat("status failed; ", 40)))
	zw.Close()
	if bytes.Contains(gz.Bytes(), []byte("failed")) {
		t.Fatal("the compressed value holds the text as it is")
	}
	kv.Put(ctx, "job.1", []byte("status failed"))
	kv.Put(ctx, "job.1", []byte("status done")) // the text only in history
	kv.Put(ctx, "job.2", []byte("status failed"))
	kv.Put(ctx, "job.3", gz.Bytes())
	app := newApp(t, openNATSStore(t, srv.URL()), model.Options{Bucket: "jobs"})
	mustSeeDone(t, app, "3 keys")
	app.Keys("S")
	app.Type("failed")
	app.Keys("enter")
	mustSee(t, app, `search in values for "failed": 2 of 3 keys match`)
	if line := lineWith(plain(app), "  job.1 "); line != "" {
		t.Fatalf("job.1, whose latest value lacks the text, is listed: %q", line)
	}
	if line := lineWith(plain(app), "  job.3 "); !strings.Contains(line, "gzip") {
		t.Fatalf("job.3's row does not say it matched inside gzip: %q", line)
	}
}
