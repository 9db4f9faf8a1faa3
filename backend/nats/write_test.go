package nats

import (
	"bytes"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/kvdeck/kvdeck/backend"
)

func TestPutWithStaleRevisionConflicts(t *testing.T) {
	srv, s, bucket := startStore(t)
	other := openURL(t, srv.URL(), false)
	ctx := testContext(t)
	mustPut(t, s, bucket, "cfg.max_retries", "3", backend.PutOptions{})
	read := mustGet(t, s, bucket, "cfg.max_retries")
	if read.Version != strconv.FormatUint(read.Revision, 10) || read.Operation != "PUT" {
		t.Errorf("entry version %q revision %d operation %q", read.Version, read.Revision, read.Operation)
	}

	// Someone else changes the key after it was read.
	mustPut(t, other, bucket, "cfg.max_retries", "5", backend.PutOptions{})

	_, err := s.Put(ctx, bucket, "cfg.max_retries", []byte("4"), backend.PutOptions{IfVersion: read.Version})
	wantErr(t, err, backend.ErrConflict, "Put over a newer revision")
	_, err = s.Put(ctx, bucket, "cfg.max_retries", []byte("4"), backend.PutOptions{IfVersion: read.Version, TTLMode: backend.TTLNone})
	wantErr(t, err, backend.ErrConflict, "Put with TTLNone over a newer revision")
	wantErr(t, s.Delete(ctx, bucket, "cfg.max_retries", backend.DeleteOptions{IfVersion: read.Version}), backend.ErrConflict, "Delete of a newer revision")
	if got := mustGet(t, s, bucket, "cfg.max_retries"); string(got.Value) != "5" {
		t.Errorf("value = %q, the other writer's 5 was overwritten", got.Value)
	}

	fresh := mustGet(t, s, bucket, "cfg.max_retries")
	mustPut(t, s, bucket, "cfg.max_retries", "4", backend.PutOptions{IfVersion: fresh.Version})

	// A key deleted since it was read is a conflict too.
	fresh = mustGet(t, s, bucket, "cfg.max_retries")
	if err := other.Delete(ctx, bucket, "cfg.max_retries", backend.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	_, err = s.Put(ctx, bucket, "cfg.max_retries", []byte("6"), backend.PutOptions{IfVersion: fresh.Version})
	wantErr(t, err, backend.ErrConflict, "Put over a deleted key")

	wantErr(t, errOf(s.Put(ctx, bucket, "k", []byte("v"), backend.PutOptions{IfVersion: "abc"})), backend.ErrInvalid, "a version that is not a revision")
}

func TestPutIfAbsent(t *testing.T) {
	_, s, bucket := startStore(t)
	ctx := testContext(t)
	mustPut(t, s, bucket, "once", "first", backend.PutOptions{IfAbsent: true})
	wantErr(t, errOf(s.Put(ctx, bucket, "once", []byte("second"), backend.PutOptions{IfAbsent: true})), backend.ErrConflict, "creating an existing key")
	if err := s.Delete(ctx, bucket, "once", backend.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	// A deleted key can be created again.
	mustPut(t, s, bucket, "once", "again", backend.PutOptions{IfAbsent: true})
	if got := mustGet(t, s, bucket, "once"); string(got.Value) != "again" {
		t.Errorf("value = %q", got.Value)
	}
}

func TestDeleteKeepsHistoryPurgeDropsIt(t *testing.T) {
	_, s, bucket := startStore(t)
	ctx := testContext(t)
	for _, v := range []string{"a", "b"} {
		mustPut(t, s, bucket, "del", v, backend.PutOptions{})
		mustPut(t, s, bucket, "pur", v, backend.PutOptions{})
	}
	if err := s.Delete(ctx, bucket, "del", backend.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	_, err := s.Get(ctx, bucket, "del", backend.GetOptions{})
	wantErr(t, err, backend.ErrNotFound, "Get of a deleted key")
	wantErr(t, s.Delete(ctx, bucket, "del", backend.DeleteOptions{}), backend.ErrNotFound, "deleting it again")
	hist, err := s.History(ctx, bucket, "del")
	if err != nil {
		t.Fatal(err)
	}
	if ops := operations(hist); !slices.Equal(ops, []string{"DEL", "PUT", "PUT"}) {
		t.Errorf("history after delete = %v, want DEL, PUT, PUT", ops)
	}

	if err := s.Purge(ctx, bucket, "pur"); err != nil {
		t.Fatal(err)
	}
	_, err = s.Get(ctx, bucket, "pur", backend.GetOptions{})
	wantErr(t, err, backend.ErrNotFound, "Get of a purged key")
	hist, err = s.History(ctx, bucket, "pur")
	if err != nil {
		t.Fatal(err)
	}
	if ops := operations(hist); !slices.Equal(ops, []string{"PURGE"}) {
		t.Errorf("history after purge = %v, want only the purge marker", ops)
	}
	wantErr(t, s.Delete(ctx, bucket, "never-was", backend.DeleteOptions{}), backend.ErrNotFound, "Delete of a missing key")
	wantErr(t, s.Purge(ctx, bucket, "never-was"), backend.ErrNotFound, "Purge of a missing key")
}

func operations(entries []backend.Entry) []string {
	ops := make([]string, len(entries))
	for i, e := range entries {
		ops[i] = e.Operation
	}
	return ops
}

func TestHistoryAndRevert(t *testing.T) {
	_, s, bucket := startStore(t)
	ctx := testContext(t)
	for _, v := range []string{`{"v":1}`, `{"v":2}`, `{"v":3}`} {
		mustPut(t, s, bucket, "flag", v, backend.PutOptions{})
		time.Sleep(5 * time.Millisecond)
	}
	hist, err := s.History(ctx, bucket, "flag")
	if err != nil {
		t.Fatalf("History: %v", err)
	}
	if len(hist) != 3 {
		t.Fatalf("history has %d revisions, want 3", len(hist))
	}
	for i, want := range []string{`{"v":3}`, `{"v":2}`, `{"v":1}`} {
		e := hist[i]
		if string(e.Value) != want || e.Operation != "PUT" || e.Created.IsZero() {
			t.Errorf("history[%d] = %s %s %v, want %s", i, e.Value, e.Operation, e.Created, want)
		}
		if i > 0 && (e.Revision >= hist[i-1].Revision || e.Created.After(hist[i-1].Created)) {
			t.Errorf("history not newest first at %d", i)
		}
		if e.Meta[0].Name != "delta" || e.Meta[0].Value != strconv.Itoa(i) {
			t.Errorf("history[%d] meta %v, want delta %d", i, e.Meta, i)
		}
	}

	// Revert: put the oldest value back over the current revision.
	current := mustGet(t, s, bucket, "flag")
	mustPut(t, s, bucket, "flag", string(hist[2].Value), backend.PutOptions{IfVersion: current.Version})
	if got := mustGet(t, s, bucket, "flag"); string(got.Value) != `{"v":1}` || got.Revision <= current.Revision {
		t.Errorf("after revert: %s at revision %d", got.Value, got.Revision)
	}
	// The history keeps 5 revisions at most.
	for i := range 5 {
		mustPut(t, s, bucket, "flag", strconv.Itoa(i), backend.PutOptions{})
	}
	if hist, _ := s.History(ctx, bucket, "flag"); len(hist) != 5 {
		t.Errorf("history has %d revisions, want the bucket's 5", len(hist))
	}
	_, err = s.History(ctx, bucket, "missing")
	wantErr(t, err, backend.ErrNotFound, "History of a missing key")
}

func TestGetBoundsLargeValues(t *testing.T) {
	_, s, bucket := startStore(t)
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
	if _, err := s.Put(testContext(t), bucket, "big", big, backend.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	e, err := s.Get(testContext(t), bucket, "big", backend.GetOptions{MaxBytes: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if !e.Truncated || len(e.Value) != 1000 || e.Size != int64(len(big)) || !bytes.Equal(e.Value, big[:1000]) {
		t.Errorf("bounded Get: truncated %v, %d bytes of %d", e.Truncated, len(e.Value), e.Size)
	}
	e, err = s.Get(testContext(t), bucket, "big", backend.GetOptions{MaxBytes: -1})
	if err != nil {
		t.Fatal(err)
	}
	if e.Truncated || !bytes.Equal(e.Value, big) {
		t.Errorf("whole Get: truncated %v, %d bytes", e.Truncated, len(e.Value))
	}
}

func TestReadOnlyRefusesEveryWrite(t *testing.T) {
	srv, rw, bucket := startStore(t)
	mustPut(t, rw, bucket, "k", "v", backend.PutOptions{})
	s := openURL(t, srv.URL(), true)
	ctx := testContext(t)
	if !s.Info().ReadOnly {
		t.Error("Info().ReadOnly = false")
	}
	for what, err := range map[string]error{
		"Put":          errOf(s.Put(ctx, bucket, "k", []byte("x"), backend.PutOptions{})),
		"Delete":       s.Delete(ctx, bucket, "k", backend.DeleteOptions{}),
		"Expire":       s.Expire(ctx, bucket, "k", time.Minute),
		"Purge":        s.Purge(ctx, bucket, "k"),
		"PutMany":      s.PutMany(ctx, bucket, []backend.Item{{Key: "x", Value: []byte("1")}}),
		"CreateBucket": s.CreateBucket(ctx, backend.BucketConfig{Name: "new"}),
		"UpdateBucket": s.UpdateBucket(ctx, backend.BucketConfig{Name: bucket, History: 5, KeyTTL: true}, backend.BucketConfig{Name: bucket, History: 5, KeyTTL: true}),
		"DeleteBucket": s.DeleteBucket(ctx, bucket),
	} {
		wantErr(t, err, backend.ErrReadOnly, what)
	}
	if got := mustGet(t, s, bucket, "k"); string(got.Value) != "v" {
		t.Errorf("value = %q after refused writes", got.Value)
	}
}
