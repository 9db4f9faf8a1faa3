package nats

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/nats-io/nats.go/jetstream"
)

// Every write path against a second writer: kvdeck reads, nats.go changes
// the target, kvdeck writes what the user decided on the old read. The
// write is ErrConflict (or the documented outcome) and what nats.go wrote
// is still there, checked with nats.go.

// secondWriter starts a server with a bucket (per-key TTLs, history 5) and
// returns kvdeck's store on it and nats.go's KeyValue on the same bucket.
func secondWriter(t *testing.T) (*Store, *otherKV, string) {
	t.Helper()
	srv, s, bucket := startStore(t)
	return s, newOther(t, srv.URL(), bucket), bucket
}

// wantValue checks with nats.go that key holds value.
func wantValue(t *testing.T, o *otherKV, key, value string) {
	t.Helper()
	got, ok := o.Get(t, key)
	if !ok || string(got) != value {
		t.Fatalf("nats.go reads %s = %q (present %v), want the other writer's %q", key, got, ok, value)
	}
}

func TestSecondWriterPutIfVersion(t *testing.T) {
	t.Parallel()
	s, o, bucket := secondWriter(t)
	mustPut(t, s, bucket, "k", "mine", backend.PutOptions{})
	read := mustGet(t, s, bucket, "k")
	o.Set(t, "k", []byte("theirs"))

	_, err := s.Put(testContext(t), bucket, "k", []byte("edited"), backend.PutOptions{IfVersion: read.Version})
	wantErr(t, err, backend.ErrConflict, "Put over the other writer's value")
	if !strings.Contains(err.Error(), "now holds revision") {
		t.Errorf("conflict %q does not say what the key holds now", err)
	}
	wantValue(t, o, "k", "theirs")
}

func TestSecondWriterPutKeepingTTL(t *testing.T) {
	t.Parallel()
	s, o, bucket := secondWriter(t)
	mustPut(t, s, bucket, "k", "mine", backend.PutOptions{TTLMode: backend.TTLSet, TTL: time.Hour})
	read := mustGet(t, s, bucket, "k")
	seq := o.setTTL(t, "k", "theirs", 2*time.Hour)

	_, err := s.Put(testContext(t), bucket, "k", []byte("edited"), backend.PutOptions{IfVersion: read.Version})
	wantErr(t, err, backend.ErrConflict, "Put keeping the TTL over the other writer's value")
	m := o.last(t, "k")
	if m.Sequence != seq || string(m.Data) != "theirs" || m.Header.Get(jetstream.MsgTTLHeader) != "2h0m0s" {
		t.Errorf("the other writer's revision changed: seq %d (want %d) %q TTL %q", m.Sequence, seq, m.Data, m.Header.Get(jetstream.MsgTTLHeader))
	}
}

func TestSecondWriterDeleteIfVersion(t *testing.T) {
	t.Parallel()
	s, o, bucket := secondWriter(t)
	mustPut(t, s, bucket, "k", "mine", backend.PutOptions{})
	read := mustGet(t, s, bucket, "k")
	o.Set(t, "k", []byte("theirs"))

	err := s.Delete(testContext(t), bucket, "k", backend.DeleteOptions{IfVersion: read.Version})
	wantErr(t, err, backend.ErrConflict, "Delete of the other writer's value")
	wantValue(t, o, "k", "theirs")
}

// Purge takes no version in the contract: it drops whatever the key holds
// when it runs, the other writer's value included (the documented outcome;
// see the report's contract proposal). What it never does is touch
// another key.
func TestSecondWriterPurgeIsUnconditional(t *testing.T) {
	t.Parallel()
	s, o, bucket := secondWriter(t)
	mustPut(t, s, bucket, "k", "mine", backend.PutOptions{})
	o.Set(t, "k", []byte("theirs"))
	o.Set(t, "other", []byte("untouched"))

	if err := s.Purge(testContext(t), bucket, "k"); err != nil {
		t.Fatalf("Purge: %v", err)
	}
	if _, ok := o.Get(t, "k"); ok {
		t.Error("nats.go still reads the purged key")
	}
	wantValue(t, o, "other", "untouched")
}

// Expire applies to the key as it is now, bound to the revision it reads
// in the same publish: the other writer's newer value stays, with the TTL
// asked for (set, refresh) or without one (persist).
func TestSecondWriterExpireKeepsTheirValue(t *testing.T) {
	t.Parallel()
	s, o, bucket := secondWriter(t)
	ctx := testContext(t)
	mustPut(t, s, bucket, "k", "mine", backend.PutOptions{})
	mustGet(t, s, bucket, "k")
	o.Set(t, "k", []byte("theirs"))

	if err := s.Expire(ctx, bucket, "k", time.Hour); err != nil {
		t.Fatalf("Expire: %v", err)
	}
	m := o.last(t, "k")
	if string(m.Data) != "theirs" || m.Header.Get(jetstream.MsgTTLHeader) != "3600s" {
		t.Errorf("after Expire: %q TTL %q, want theirs with 3600s", m.Data, m.Header.Get(jetstream.MsgTTLHeader))
	}

	o.setTTL(t, "k", "theirs-2", 2*time.Hour)
	if err := s.Expire(ctx, bucket, "k", time.Hour); err != nil { // refresh
		t.Fatalf("refresh: %v", err)
	}
	if m := o.last(t, "k"); string(m.Data) != "theirs-2" || m.Header.Get(jetstream.MsgTTLHeader) != "3600s" {
		t.Errorf("after refresh: %q TTL %q", m.Data, m.Header.Get(jetstream.MsgTTLHeader))
	}

	o.setTTL(t, "k", "theirs-3", 2*time.Hour)
	if err := s.Expire(ctx, bucket, "k", 0); err != nil { // persist
		t.Fatalf("persist: %v", err)
	}
	if m := o.last(t, "k"); string(m.Data) != "theirs-3" || m.Header.Get(jetstream.MsgTTLHeader) != "" {
		t.Errorf("after persist: %q TTL %q, want theirs-3 without a TTL", m.Data, m.Header.Get(jetstream.MsgTTLHeader))
	}

	o.Delete(t, "k")
	wantErr(t, s.Expire(ctx, bucket, "k", time.Hour), backend.ErrNotFound, "Expire of a key the other writer deleted")
	if _, ok := o.Get(t, "k"); ok {
		t.Error("Expire brought back a deleted key")
	}
}

func TestSecondWriterRestoreIfAbsent(t *testing.T) {
	t.Parallel()
	s, o, bucket := secondWriter(t)
	ctx := testContext(t)
	mustPut(t, s, bucket, "k", "mine", backend.PutOptions{})
	snap, err := s.Snapshot(ctx, bucket, "k")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, bucket, "k", backend.DeleteOptions{IfVersion: snap.Version}); err != nil {
		t.Fatal(err)
	}
	o.Set(t, "k", []byte("recreated"))

	_, err = s.Restore(ctx, bucket, snap, backend.RestoreOptions{IfAbsent: true})
	wantErr(t, err, backend.ErrConflict, "undo of a delete over a re-created key")
	if !strings.Contains(err.Error(), "holds a value again") {
		t.Errorf("conflict %q does not say what the key holds", err)
	}
	wantValue(t, o, "k", "recreated")
}

func TestSecondWriterRestoreIfVersion(t *testing.T) {
	t.Parallel()
	s, o, bucket := secondWriter(t)
	ctx := testContext(t)
	mustPut(t, s, bucket, "k", "before", backend.PutOptions{})
	snap, err := s.Snapshot(ctx, bucket, "k")
	if err != nil {
		t.Fatal(err)
	}
	written, err := s.Put(ctx, bucket, "k", []byte("after"), backend.PutOptions{IfVersion: snap.Version})
	if err != nil {
		t.Fatal(err)
	}
	o.Set(t, "k", []byte("theirs"))

	_, err = s.Restore(ctx, bucket, snap, backend.RestoreOptions{IfVersion: written})
	wantErr(t, err, backend.ErrConflict, "undo of an overwrite the other writer changed again")
	wantValue(t, o, "k", "theirs")
}

func TestSecondWriterUpdateBucket(t *testing.T) {
	t.Parallel()
	srv, s, bucket := startStore(t)
	js := natsClient(t, srv.URL())
	ctx := testContext(t)
	seen := *readBucket(t, s, bucket).Config

	// natscli's `kv edit`: description, max value size and metadata.
	sc := streamConfig(t, js, bucket)
	sc.Description = "set elsewhere"
	sc.MaxMsgSize = 2048
	sc.Metadata = map[string]string{"owner": "team, b"}
	if _, err := js.UpdateStream(ctx, sc); err != nil {
		t.Fatal(err)
	}

	edited := seen
	edited.History = 10
	err := s.UpdateBucket(ctx, seen, edited)
	wantErr(t, err, backend.ErrConflict, "bucket edit over an edit made elsewhere")
	for _, want := range []string{`description is "set elsewhere" (was "")`, "max value size is 2.0 KiB (was unlimited)", `metadata "owner" is "team, b" (was absent)`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("conflict %q does not say %q", err, want)
		}
	}
	got := streamConfig(t, js, bucket)
	if got.Description != "set elsewhere" || got.MaxMsgSize != 2048 || got.Metadata["owner"] != "team, b" || got.MaxMsgsPerSubject != 5 {
		t.Errorf("the other edit was reverted or history changed: %+v", got)
	}
}

func TestSecondWriterCreateBucketExists(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	s := openURL(t, srv, false)
	js := natsClient(t, srv)
	ctx := testContext(t)
	if _, err := js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "shared", Description: "theirs", History: 3}); err != nil {
		t.Fatal(err)
	}
	o := newOther(t, srv, "shared")
	o.Set(t, "k", []byte("theirs"))

	err := s.CreateBucket(ctx, backend.BucketConfig{Name: "shared", Description: "mine", History: 1})
	wantErr(t, err, backend.ErrConflict, "creating a bucket the other client created")
	if got := streamConfig(t, js, "shared"); got.Description != "theirs" || got.MaxMsgsPerSubject != 3 {
		t.Errorf("the other client's bucket changed: %q history %d", got.Description, got.MaxMsgsPerSubject)
	}
	wantValue(t, o, "k", "theirs")
}

// DeleteBucket takes no version: it deletes the named bucket as it is. A
// bucket the other client already deleted is ErrNotFound, and no other
// bucket is touched.
func TestSecondWriterDeleteBucket(t *testing.T) {
	t.Parallel()
	srv, s, bucket := startStore(t)
	js := natsClient(t, srv.URL())
	ctx := testContext(t)
	if _, err := js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "theirs"}); err != nil {
		t.Fatal(err)
	}
	o := newOther(t, srv.URL(), "theirs")
	o.Set(t, "k", []byte("kept"))
	if err := js.DeleteKeyValue(ctx, bucket); err != nil {
		t.Fatal(err)
	}
	wantErr(t, s.DeleteBucket(ctx, bucket), backend.ErrNotFound, "deleting a bucket deleted elsewhere")
	wantValue(t, o, "k", "kept")
}

func TestSecondWriterHistoryRevert(t *testing.T) {
	t.Parallel()
	s, o, bucket := secondWriter(t)
	ctx := testContext(t)
	mustPut(t, s, bucket, "flag", "v1", backend.PutOptions{})
	mustPut(t, s, bucket, "flag", "v2", backend.PutOptions{})
	hist, err := s.History(ctx, bucket, "flag")
	if err != nil {
		t.Fatal(err)
	}
	current := hist[0]
	o.Set(t, "flag", []byte("theirs"))

	_, err = s.Put(ctx, bucket, "flag", hist[1].Value, backend.PutOptions{IfVersion: current.Version})
	wantErr(t, err, backend.ErrConflict, "revert over the other writer's value")
	wantValue(t, o, "flag", "theirs")
}

// Writing back exactly what was read writes nothing: same revision, same
// expiry, no new message in the stream.
func TestUnchangedWriteWritesNothing(t *testing.T) {
	t.Parallel()
	s, o, bucket := secondWriter(t)
	ctx := testContext(t)
	mustPut(t, s, bucket, "k", "same", backend.PutOptions{TTLMode: backend.TTLSet, TTL: time.Hour})
	mustPut(t, s, bucket, "plain", "same", backend.PutOptions{})
	for _, key := range []string{"k", "plain"} {
		read := mustGet(t, s, bucket, key)
		before := o.streamState(t)
		v, err := s.Put(ctx, bucket, key, []byte("same"), backend.PutOptions{IfVersion: read.Version})
		if err != nil {
			t.Fatalf("Put of the value read: %v", err)
		}
		after := o.streamState(t)
		if v != read.Version || after.LastSeq != before.LastSeq || after.Msgs != before.Msgs {
			t.Errorf("%s: version %s (read %s), stream last seq %d -> %d: a message was written", key, v, read.Version, before.LastSeq, after.LastSeq)
		}
		if again := mustGet(t, s, bucket, key); again.Revision != read.Revision || !again.ExpiresAt.Equal(read.ExpiresAt) {
			t.Errorf("%s: revision %d expires %v, want %d and %v", key, again.Revision, again.ExpiresAt, read.Revision, read.ExpiresAt)
		}
	}
	// A changed value is written and its version returned.
	read := mustGet(t, s, bucket, "plain")
	v, err := s.Put(ctx, bucket, "plain", []byte("new"), backend.PutOptions{IfVersion: read.Version})
	if err != nil {
		t.Fatal(err)
	}
	if got := mustGet(t, s, bucket, "plain"); got.Version != v || v == read.Version {
		t.Errorf("Put returned %s, key holds %s (was %s)", v, got.Version, read.Version)
	}
	if v != strconv.FormatUint(o.last(t, "plain").Sequence, 10) {
		t.Errorf("Put returned %s, not the revision written", v)
	}
}
