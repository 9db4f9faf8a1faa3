package nats

import (
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/nats-io/nats.go/jetstream"
)

// wantResults checks each result's key and outcome, in order.
func wantResults(t *testing.T, res []backend.WriteResult, keys []string, want ...backend.BulkOutcome) {
	t.Helper()
	if len(res) != len(want) {
		t.Fatalf("%d results, want %d: %+v", len(res), len(want), res)
	}
	for i, r := range res {
		if r.Key != keys[i] || r.Outcome != want[i] {
			t.Errorf("%s: %s (%v), want %s for %s", r.Key, r.Outcome, r.Err, want[i], keys[i])
		}
	}
}

func recordKeys(recs []backend.Record) []string {
	var out []string
	for _, r := range recs {
		out = append(out, r.Key)
	}
	return out
}

// Keys read from one bucket (a binary value, an empty one, one with a
// per-key TTL, one without; a deleted key and a missing one left out) and
// written to another: each record as the source's latest message holds
// it (revision, time, expiry), and the target as nats.go reads it: the
// same bytes, the TTL's expiry instant kept to the second, no TTL where
// there was none. Existing then sees every key written; a name NATS
// cannot hold does not exist. Dump is refused.
func TestTransferRoundTrip(t *testing.T) {
	t.Parallel()
	srv, s, src := startStore(t)
	dst := newBucket(t, s)
	o, od := newOther(t, srv.URL(), src), newOther(t, srv.URL(), dst)
	ctx := testContext(t)
	o.Set(t, "bin", []byte("\x00\xff"))
	o.Set(t, "empty", []byte{})
	o.setTTL(t, "ttl", "v-ttl", 10*time.Minute)
	o.Set(t, "a.b", []byte("v-ab"))
	o.Set(t, "gone", []byte("x"))
	o.Delete(t, "gone")

	recs, err := s.ReadRecords(ctx, src, []string{"bin", "gone", "empty", "ttl", "missing", "a.b"}, backend.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	keys := []string{"bin", "empty", "ttl", "a.b"}
	if got := strings.Join(recordKeys(recs), ","); got != strings.Join(keys, ",") {
		t.Fatalf("records of %s, want %v", got, keys)
	}
	values := map[string]string{"bin": "\x00\xff", "empty": "", "ttl": "v-ttl", "a.b": "v-ab"}
	for _, r := range recs {
		m := o.last(t, r.Key)
		if r.Kind != backend.KindString || string(r.Value) != values[r.Key] || r.Revision != m.Sequence || !r.Created.Equal(m.Time) {
			t.Errorf("%s: %+v, want %q at revision %d written %v", r.Key, r, values[r.Key], m.Sequence, m.Time)
		}
		if want := expiresAt(m.Header, m.Time, 0); !r.ExpiresAt.Equal(want) || (r.Key == "ttl") == want.IsZero() {
			t.Errorf("%s: expires %v, want %v", r.Key, r.ExpiresAt, want)
		}
	}

	_, err = s.ReadRecords(ctx, src, keys, backend.ReadOptions{Dump: true})
	wantErr(t, err, backend.ErrUnsupported, "a dump of NATS keys")
	if err == nil || !strings.Contains(err.Error(), "rdm-csv") {
		t.Errorf("the refused dump does not say why: %v", err)
	}
	_, err = s.ReadRecords(ctx, src, []string{"bin", "no spaces"}, backend.ReadOptions{})
	wantErr(t, err, backend.ErrInvalid, "a key name NATS cannot hold")

	if err := s.ExpiryKept(ctx, dst); err != nil {
		t.Fatalf("ExpiryKept in a bucket with per-key TTLs: %v", err)
	}
	res, err := s.WriteRecords(ctx, dst, recs, backend.ConflictFail)
	if err != nil {
		t.Fatal(err)
	}
	wantResults(t, res, keys, backend.BulkChanged, backend.BulkChanged, backend.BulkChanged, backend.BulkChanged)
	for _, r := range recs {
		wantValue(t, od, r.Key, values[r.Key])
		at, m := storedExpiry(t, od, r.Key, 0)
		if r.ExpiresAt.IsZero() {
			if h := m.Header.Get(jetstream.MsgTTLHeader); h != "" || !at.IsZero() {
				t.Errorf("%s: written with Nats-TTL %q", r.Key, h)
			}
			continue
		}
		// The time left is written in whole seconds, rounded up.
		if d := at.Sub(r.ExpiresAt); d < 0 || d > time.Second+500*time.Millisecond {
			t.Errorf("%s: expires %v (Nats-TTL %q), the record %v", r.Key, at, m.Header.Get(jetstream.MsgTTLHeader), r.ExpiresAt)
		}
	}
	got, err := s.Existing(ctx, dst, []string{"bin", "missing", "empty", "no spaces", "ttl", "a.b"})
	if err != nil {
		t.Fatal(err)
	}
	if want := []bool{true, false, true, false, true, true}; !slices.Equal(got, want) {
		t.Errorf("Existing = %v, want %v", got, want)
	}
}

// Each policy against keys another client wrote first: skip leaves them
// (no error), fail leaves them and says what they hold (ErrConflict),
// overwrite replaces them. A key never written and one whose latest
// message is a delete marker are written under every policy.
func TestWriteRecordsConflictPolicies(t *testing.T) {
	t.Parallel()
	s, o, bucket := secondWriter(t)
	ctx := testContext(t)
	for _, p := range []backend.ConflictPolicy{backend.ConflictSkip, backend.ConflictFail, backend.ConflictOverwrite} {
		held, fresh, deleted := "held-"+p.String(), "fresh-"+p.String(), "deleted-"+p.String()
		o.Set(t, held, []byte("theirs"))
		o.Set(t, deleted, []byte("old"))
		o.Delete(t, deleted)
		rev := o.last(t, held).Sequence
		keys := []string{held, fresh, deleted}
		var recs []backend.Record
		for _, k := range keys {
			recs = append(recs, backend.Record{Key: k, Kind: backend.KindString, Value: []byte("mine")})
		}
		res, err := s.WriteRecords(ctx, bucket, recs, p)
		if err != nil {
			t.Fatal(err)
		}
		first := backend.BulkSkipped
		if p == backend.ConflictOverwrite {
			first = backend.BulkChanged
		}
		wantResults(t, res, keys, first, backend.BulkChanged, backend.BulkChanged)
		wantValue(t, o, fresh, "mine")
		wantValue(t, o, deleted, "mine")
		switch p {
		case backend.ConflictSkip:
			if res[0].Err != nil {
				t.Errorf("skip: Err %v", res[0].Err)
			}
			wantValue(t, o, held, "theirs")
		case backend.ConflictFail:
			wantErr(t, res[0].Err, backend.ErrConflict, "fail over an existing key")
			if msg := res[0].Err.Error(); !containsAll(msg, held, "revision "+revisionOf(rev, nil), "6 bytes") {
				t.Errorf("fail: %q does not say what the key holds", msg)
			}
			wantValue(t, o, held, "theirs")
		case backend.ConflictOverwrite:
			wantValue(t, o, held, "mine")
		}
	}
}

// A second writer after Existing said the keys were absent or what they
// held: it creates one key before the write (whose first publish, as if
// the key had never been, the server refuses), and writes both between
// kvdeck's read of a key and its publish (the afterWriteRead slot): the
// other client's value survives under every policy. Under skip a key
// created meanwhile is skipped, under fail it is a conflict saying what
// it holds, under overwrite any change between the read and the publish
// is a conflict saying the key changed since it was read.
func TestWriteRecordsSecondWriter(t *testing.T) {
	t.Parallel()
	s, o, bucket := secondWriter(t)
	ctx := testContext(t)
	for _, p := range []backend.ConflictPolicy{backend.ConflictSkip, backend.ConflictFail, backend.ConflictOverwrite} {
		created, rewritten := "created-"+p.String(), "rewritten-"+p.String()
		o.Set(t, rewritten, []byte("before"))
		keys := []string{created, rewritten}
		exist, err := s.Existing(ctx, bucket, keys)
		if err != nil || exist[0] || !exist[1] {
			t.Fatalf("Existing = %v, %v", exist, err)
		}
		o.Set(t, created, []byte("theirs"))
		var once sync.Map
		s.afterWriteRead = func(key string) {
			if _, done := once.LoadOrStore(key, true); !done {
				o.Set(t, key, []byte("theirs"))
			}
		}
		recs := []backend.Record{{Key: created, Value: []byte("mine")}, {Key: rewritten, Value: []byte("mine")}}
		res, err := s.WriteRecords(ctx, bucket, recs, p)
		if err != nil {
			t.Fatal(err)
		}
		switch p {
		case backend.ConflictSkip:
			// The rewritten key exists at the read: skipped before the
			// slot, so only the created key meets the other client.
			wantResults(t, res, keys, backend.BulkSkipped, backend.BulkSkipped)
			if res[0].Err != nil || res[1].Err != nil {
				t.Errorf("skip: %v, %v", res[0].Err, res[1].Err)
			}
			wantValue(t, o, rewritten, "before")
		case backend.ConflictFail:
			wantResults(t, res, keys, backend.BulkSkipped, backend.BulkSkipped)
			wantErr(t, res[0].Err, backend.ErrConflict, "fail over a key created meanwhile")
			wantErr(t, res[1].Err, backend.ErrConflict, "fail over an existing key")
			if !strings.Contains(res[0].Err.Error(), "already exists") {
				t.Errorf("fail: %q", res[0].Err)
			}
			wantValue(t, o, rewritten, "before")
		case backend.ConflictOverwrite:
			wantResults(t, res, keys, backend.BulkSkipped, backend.BulkSkipped)
			for _, r := range res {
				wantErr(t, r.Err, backend.ErrConflict, "overwrite of "+r.Key+" changed meanwhile")
				if !strings.Contains(r.Err.Error(), "changed since") {
					t.Errorf("overwrite of %s: %q does not say it changed", r.Key, r.Err)
				}
			}
			wantValue(t, o, rewritten, "theirs")
		}
		wantValue(t, o, created, "theirs")
		s.afterWriteRead = nil
	}
}

// A record whose expiry has passed is Gone, nothing written; a collection
// and a Redis DUMP payload are Failed saying why, nothing written; a
// name NATS cannot hold is Failed, and the others in the batch written.
func TestWriteRecordsRefusals(t *testing.T) {
	t.Parallel()
	s, o, bucket := secondWriter(t)
	ctx := testContext(t)
	recs := []backend.Record{
		{Key: "expired", Kind: backend.KindString, Value: []byte("v"), ExpiresAt: time.Now().Add(-time.Second)},
		{Key: "hash", Kind: backend.KindHash, Elements: []backend.Element{{Field: "f", Value: []byte("v")}}},
		{Key: "dumped", Kind: backend.KindString, Dump: []byte("\x00\x01payload")},
		{Key: "user:1", Kind: backend.KindString, Value: []byte("v")},
		{Key: "ok", Kind: backend.KindString, Value: []byte("v")},
	}
	res, err := s.WriteRecords(ctx, bucket, recs, backend.ConflictOverwrite)
	if err != nil {
		t.Fatal(err)
	}
	wantResults(t, res, recordKeys(recs), backend.BulkGone, backend.BulkFailed, backend.BulkFailed, backend.BulkFailed, backend.BulkChanged)
	if res[0].Err != nil {
		t.Errorf("expired: Err %v", res[0].Err)
	}
	wantErr(t, res[1].Err, backend.ErrUnsupported, "a hash")
	if !containsAll(res[1].Err.Error(), "hash", "byte values") {
		t.Errorf("hash: %q does not say why", res[1].Err)
	}
	wantErr(t, res[2].Err, backend.ErrUnsupported, "a DUMP payload")
	wantErr(t, res[3].Err, backend.ErrInvalid, "a name NATS cannot hold")
	for _, k := range []string{"expired", "hash", "dumped"} {
		if _, ok := o.Get(t, k); ok {
			t.Errorf("%s was written", k)
		}
	}
	wantValue(t, o, "ok", "v")
	if st := o.streamState(t); st.Msgs != 1 {
		t.Errorf("the bucket holds %d messages, want only ok's", st.Msgs)
	}
	if _, err := s.WriteRecords(ctx, bucket, recs, backend.ConflictPolicy(9)); !errors.Is(err, backend.ErrInvalid) {
		t.Errorf("an unknown policy: %v", err)
	}
}

// In buckets without per-key TTLs, ExpiryKept says why the TTLs cannot be
// kept (and, in a bucket with a TTL, when keys expire instead); a record
// with an expiry is Failed with that reason, nothing written, and one
// without is written without a TTL.
func TestWriteRecordsWithoutPerKeyTTL(t *testing.T) {
	t.Parallel()
	srv, s, _ := startStore(t)
	ctx := testContext(t)
	for _, cfg := range []backend.BucketConfig{{Name: "plain", History: 3}, {Name: "aged", TTL: time.Hour}} {
		if err := s.CreateBucket(ctx, cfg); err != nil {
			t.Fatal(err)
		}
		err := s.ExpiryKept(ctx, cfg.Name)
		wantErr(t, err, backend.ErrUnsupported, "ExpiryKept in "+cfg.Name)
		if !containsAll(err.Error(), cfg.Name, "per-key TTLs", "cannot be kept") {
			t.Errorf("%s: %q does not say why", cfg.Name, err)
		}
		if cfg.TTL > 0 && !strings.Contains(err.Error(), "expire 1h0m0s after") {
			t.Errorf("%s: %q does not say keys expire with the bucket's TTL", cfg.Name, err)
		}
		recs := []backend.Record{
			{Key: "ttl", Kind: backend.KindString, Value: []byte("v"), ExpiresAt: time.Now().Add(time.Hour)},
			{Key: "plain", Kind: backend.KindString, Value: []byte("v")},
		}
		res, err := s.WriteRecords(ctx, cfg.Name, recs, backend.ConflictFail)
		if err != nil {
			t.Fatal(err)
		}
		wantResults(t, res, []string{"ttl", "plain"}, backend.BulkFailed, backend.BulkChanged)
		wantErr(t, res[0].Err, backend.ErrUnsupported, "a TTL in "+cfg.Name)
		if !containsAll(res[0].Err.Error(), cfg.Name, "per-key TTLs", `"ttl"`) {
			t.Errorf("%s: %q does not say why", cfg.Name, res[0].Err)
		}
		o := newOther(t, srv.URL(), cfg.Name)
		if _, ok := o.Get(t, "ttl"); ok {
			t.Errorf("%s: the record with an expiry was written", cfg.Name)
		}
		wantValue(t, o, "plain", "v")
		if h := o.last(t, "plain").Header.Get(jetstream.MsgTTLHeader); h != "" {
			t.Errorf("%s: written with Nats-TTL %q", cfg.Name, h)
		}
	}
}

// In a bucket with a TTL and per-key TTLs, a record without an expiry is
// written with Nats-TTL "never", as Restore writes a snapshot without
// one, so that it does not expire with the bucket's TTL; one with an
// expiry gets the time left.
func TestWriteRecordsIntoABucketWithATTL(t *testing.T) {
	t.Parallel()
	srv, s, _ := startStore(t)
	ctx := testContext(t)
	if err := s.CreateBucket(ctx, backend.BucketConfig{Name: "cache", TTL: time.Hour, KeyTTL: true}); err != nil {
		t.Fatal(err)
	}
	if err := s.ExpiryKept(ctx, "cache"); err != nil {
		t.Fatalf("ExpiryKept: %v", err)
	}
	at := time.Now().Add(10 * time.Minute)
	recs := []backend.Record{{Key: "forever", Value: []byte("v")}, {Key: "ten", Value: []byte("v"), ExpiresAt: at}}
	res, err := s.WriteRecords(ctx, "cache", recs, backend.ConflictSkip)
	if err != nil {
		t.Fatal(err)
	}
	wantResults(t, res, []string{"forever", "ten"}, backend.BulkChanged, backend.BulkChanged)
	o := newOther(t, srv.URL(), "cache")
	if got, m := storedExpiry(t, o, "forever", time.Hour); !got.IsZero() || m.Header.Get(jetstream.MsgTTLHeader) != "never" {
		t.Errorf("forever: Nats-TTL %q, expires %v", m.Header.Get(jetstream.MsgTTLHeader), got)
	}
	if got, m := storedExpiry(t, o, "ten", time.Hour); got.Sub(at) < 0 || got.Sub(at) > time.Second+500*time.Millisecond {
		t.Errorf("ten: Nats-TTL %q, expires %v, want %v", m.Header.Get(jetstream.MsgTTLHeader), got, at)
	}
	if e := mustGet(t, s, "cache", "forever"); !e.ExpiresAt.IsZero() {
		t.Errorf("forever: kvdeck reads expiry %v", e.ExpiresAt)
	}
}

// A read-only connection refuses WriteRecords and writes nothing, but
// reads records, tells which keys exist and whether TTLs are kept; a
// mirror bucket refuses WriteRecords saying why.
func TestTransferReadOnlyAndMirror(t *testing.T) {
	t.Parallel()
	srv, s, bucket := startStore(t)
	mustPut(t, s, bucket, "k", "v", backend.PutOptions{})
	ro := openURL(t, srv.URL(), true)
	ctx := testContext(t)
	recs := []backend.Record{{Key: "k", Value: []byte("w")}, {Key: "new", Value: []byte("w")}}
	_, err := ro.WriteRecords(ctx, bucket, recs, backend.ConflictOverwrite)
	wantErr(t, err, backend.ErrReadOnly, "read-only WriteRecords")
	if got, err := ro.ReadRecords(ctx, bucket, []string{"k"}, backend.ReadOptions{}); err != nil || len(got) != 1 || string(got[0].Value) != "v" {
		t.Errorf("read-only ReadRecords: %+v, %v", got, err)
	}
	if got, err := ro.Existing(ctx, bucket, []string{"k", "new"}); err != nil || !got[0] || got[1] {
		t.Errorf("read-only Existing: %v, %v", got, err)
	}
	if err := ro.ExpiryKept(ctx, bucket); err != nil {
		t.Errorf("read-only ExpiryKept: %v", err)
	}
	if e := mustGet(t, s, bucket, "k"); e.Revision != 1 || string(e.Value) != "v" {
		t.Errorf("after a refused write: %+v", e)
	}
	if _, err := s.Get(ctx, bucket, "new", backend.GetOptions{}); !errors.Is(err, backend.ErrNotFound) {
		t.Errorf("a refused write created new: %v", err)
	}

	js := natsClient(t, srv.URL())
	if _, err := js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "MIRROR", Mirror: &jetstream.StreamSource{Name: bucket}}); err != nil {
		t.Fatal(err)
	}
	_, err = s.WriteRecords(ctx, "MIRROR", recs, backend.ConflictOverwrite)
	wantErr(t, err, backend.ErrReadOnly, "WriteRecords on a mirror")
	if !strings.Contains(err.Error(), "mirror of "+bucket) {
		t.Errorf("the mirror's refusal does not say why: %v", err)
	}
	eventually(t, changeWait, "the mirror has the origin's key", func() bool {
		got, err := s.ReadRecords(testContext(t), "MIRROR", []string{"k"}, backend.ReadOptions{})
		return err == nil && len(got) == 1 && string(got[0].Value) == "v"
	})
}
