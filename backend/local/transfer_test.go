package local

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kvdeck/kvdeck/backend"
)

// wantResults checks each result's key and outcome, in order.
func wantResults(t *testing.T, res []backend.WriteResult, want ...backend.BulkOutcome) {
	t.Helper()
	if len(res) != len(want) {
		t.Fatalf("%d results, want %d: %+v", len(res), len(want), res)
	}
	for i, r := range res {
		if r.Outcome != want[i] {
			t.Errorf("%s: %s (%v), want %s", r.Key, r.Outcome, r.Err, want[i])
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
// TTL, a value another program wrote; a missing and an expired key left
// out) and written to another with a bucket TTL: each record as Get read
// it, and the target as a second store on the file reads it: the same
// bytes, the same expiry instant with a configured TTL of the time left,
// no expiry where there was none (the bucket's TTL being a default for
// new keys, not an expiry of every key). The watchers are told of each
// put; Existing then sees every key. Dump is refused.
func TestTransferRoundTrip(t *testing.T) {
	clk := newClock()
	path, s := newFile(t, backend.BucketConfig{Name: "b", History: 5}, Options{Now: clk.Now})
	ctx := context.Background()
	if err := s.CreateBucket(ctx, backend.BucketConfig{Name: "dst", TTL: time.Hour}); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{"bin": "\x00\xff", "empty": ""} {
		if _, err := s.Put(ctx, "b", k, []byte(v), backend.PutOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	for k, ttl := range map[string]time.Duration{"ttl": 10 * time.Minute, "expired": time.Second} {
		if _, err := s.Put(ctx, "b", k, []byte("v-"+k), backend.PutOptions{TTLMode: backend.TTLSet, TTL: ttl}); err != nil {
			t.Fatal(err)
		}
	}
	rawOther{path: path, bucket: "b"}.Set(t, "foreign", []byte("v-foreign"))
	clk.Add(2 * time.Second)

	recs, err := s.ReadRecords(ctx, "b", []string{"bin", "missing", "empty", "ttl", "expired", "foreign"}, backend.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	keys := []string{"bin", "empty", "ttl", "foreign"}
	if got := recordKeys(recs); !slices.Equal(got, keys) {
		t.Fatalf("records of %v, want %v", got, keys)
	}
	values := map[string]string{"bin": "\x00\xff", "empty": "", "ttl": "v-ttl", "foreign": "v-foreign"}
	for _, r := range recs {
		e := mustGet(t, s, "b", r.Key)
		if r.Kind != backend.KindString || string(r.Value) != values[r.Key] || !r.ExpiresAt.Equal(e.ExpiresAt) || (r.Key == "ttl") == r.ExpiresAt.IsZero() {
			t.Errorf("%s: %+v, want %q expiring %v", r.Key, r, values[r.Key], e.ExpiresAt)
		}
		if r.Revision != 0 || !r.Created.IsZero() {
			t.Errorf("%s: revision %d, created %v: NATS's only", r.Key, r.Revision, r.Created)
		}
	}
	_, err = s.ReadRecords(ctx, "b", keys, backend.ReadOptions{Dump: true})
	if !errors.Is(err, backend.ErrUnsupported) || !strings.Contains(err.Error(), "rdm-csv") {
		t.Errorf("a dump of local keys: %v, want ErrUnsupported saying why", err)
	}
	if _, err := s.ReadRecords(ctx, "nope", keys, backend.ReadOptions{}); !errors.Is(err, backend.ErrNotFound) {
		t.Errorf("a missing bucket: %v", err)
	}

	if err := s.ExpiryKept(ctx, "dst"); err != nil {
		t.Fatalf("ExpiryKept: %v", err)
	}
	changes := watchChanges(t, s, "dst")
	res, err := s.WriteRecords(ctx, "dst", recs, backend.ConflictFail)
	if err != nil {
		t.Fatal(err)
	}
	wantResults(t, res, backend.BulkChanged, backend.BulkChanged, backend.BulkChanged, backend.BulkChanged)
	if got := nextChanges(t, changes, len(keys)); len(got) != len(keys) || got["ttl"] != backend.ChangePut {
		t.Errorf("watchers told %v", got)
	}
	s.Close()
	other := openAt(t, path, Options{ReadOnly: true, Now: clk.Now})
	for _, r := range recs {
		e := mustGet(t, other, "dst", r.Key)
		if string(e.Value) != values[r.Key] || !e.ExpiresAt.Equal(r.ExpiresAt) {
			t.Errorf("%s in dst: %q expiring %v, want %q expiring %v", r.Key, e.Value, e.ExpiresAt, values[r.Key], r.ExpiresAt)
		}
		// Expiry instants are kept to the millisecond.
		if want := time.Duration(r.ExpiresAt.UnixMilli()-clk.Now().UnixMilli()) * time.Millisecond; !r.ExpiresAt.IsZero() && e.TTL != want {
			t.Errorf("%s in dst: configured TTL %s, want the time left %s", r.Key, e.TTL, want)
		}
	}
	got, err := other.Existing(ctx, "dst", []string{"bin", "missing", "empty", "ttl", "foreign"})
	if want := []bool{true, false, true, true, true}; err != nil || !slices.Equal(got, want) {
		t.Errorf("Existing = %v, %v, want %v", got, err, want)
	}
}

// Each policy against keys another program wrote first: skip leaves them
// (no error), fail leaves them and says what they hold (ErrConflict),
// overwrite replaces them, the record's expiry included. A key never
// written is written under every policy.
func TestWriteRecordsConflictPolicies(t *testing.T) {
	ctx, s, o := secondWriter(t)
	at := time.Now().Add(time.Hour)
	for _, p := range []backend.ConflictPolicy{backend.ConflictSkip, backend.ConflictFail, backend.ConflictOverwrite} {
		held, fresh := "held-"+p.String(), "fresh-"+p.String()
		o.Set(t, held, []byte("theirs"))
		recs := []backend.Record{
			{Key: held, Kind: backend.KindString, Value: []byte("mine"), ExpiresAt: at},
			{Key: fresh, Kind: backend.KindString, Value: []byte("mine")},
		}
		res, err := s.WriteRecords(ctx, "b", recs, p)
		if err != nil {
			t.Fatal(err)
		}
		switch p {
		case backend.ConflictSkip:
			wantResults(t, res, backend.BulkSkipped, backend.BulkChanged)
			if res[0].Err != nil {
				t.Errorf("skip: Err %v", res[0].Err)
			}
			wantHeld(t, o, held, "theirs")
		case backend.ConflictFail:
			wantResults(t, res, backend.BulkSkipped, backend.BulkChanged)
			wantConflict(t, "fail over an existing key", res[0].Err)
			if !strings.Contains(res[0].Err.Error(), "6 bytes") {
				t.Errorf("fail: %q does not say what the key holds", res[0].Err)
			}
			wantHeld(t, o, held, "theirs")
		case backend.ConflictOverwrite:
			wantResults(t, res, backend.BulkChanged, backend.BulkChanged)
			wantHeld(t, o, held, "mine")
			if e := mustGet(t, s, "b", held); !e.ExpiresAt.Equal(at.Truncate(time.Millisecond)) {
				t.Errorf("overwritten: expires %v, want the record's %v", e.ExpiresAt, at)
			}
		}
		wantHeld(t, o, fresh, "mine")
	}
}

// Another program creates the keys between Existing (absent) and
// WriteRecords: the write checks again in its own transaction, so the
// key meets the policy: skip and fail leave the other program's value
// (fail saying so), overwrite replaces it, as it would any existing key.
func TestWriteRecordsSecondWriter(t *testing.T) {
	ctx, s, o := secondWriter(t)
	for _, p := range []backend.ConflictPolicy{backend.ConflictSkip, backend.ConflictFail, backend.ConflictOverwrite} {
		key := "k-" + p.String()
		exist, err := s.Existing(ctx, "b", []string{key})
		if err != nil || exist[0] {
			t.Fatalf("Existing = %v, %v", exist, err)
		}
		o.Set(t, key, []byte("theirs"))
		res, err := s.WriteRecords(ctx, "b", []backend.Record{{Key: key, Value: []byte("mine")}}, p)
		if err != nil {
			t.Fatal(err)
		}
		switch p {
		case backend.ConflictSkip:
			wantResults(t, res, backend.BulkSkipped)
			wantHeld(t, o, key, "theirs")
		case backend.ConflictFail:
			wantResults(t, res, backend.BulkSkipped)
			wantConflict(t, "fail over a key created meanwhile", res[0].Err)
			wantHeld(t, o, key, "theirs")
		case backend.ConflictOverwrite:
			wantResults(t, res, backend.BulkChanged)
			wantHeld(t, o, key, "mine")
		}
	}
}

// A record whose expiry has passed is Gone, nothing written; a
// collection, a Redis DUMP payload and an empty name are Failed saying
// why, nothing written; the others in the batch are written.
func TestWriteRecordsRefusals(t *testing.T) {
	ctx, s, o := secondWriter(t)
	recs := []backend.Record{
		{Key: "expired", Kind: backend.KindString, Value: []byte("v"), ExpiresAt: time.Now().Add(-time.Second)},
		{Key: "hash", Kind: backend.KindHash, Elements: []backend.Element{{Field: "f", Value: []byte("v")}}},
		{Key: "dumped", Kind: backend.KindString, Dump: []byte("\x00\x01payload")},
		{Key: "", Kind: backend.KindString, Value: []byte("v")},
		{Key: "ok", Kind: backend.KindString, Value: []byte("v")},
	}
	res, err := s.WriteRecords(ctx, "b", recs, backend.ConflictOverwrite)
	if err != nil {
		t.Fatal(err)
	}
	wantResults(t, res, backend.BulkGone, backend.BulkFailed, backend.BulkFailed, backend.BulkFailed, backend.BulkChanged)
	if res[0].Err != nil {
		t.Errorf("expired: Err %v", res[0].Err)
	}
	if !errors.Is(res[1].Err, backend.ErrUnsupported) || !strings.Contains(res[1].Err.Error(), "byte values") {
		t.Errorf("hash: %v, want ErrUnsupported saying why", res[1].Err)
	}
	if !errors.Is(res[2].Err, backend.ErrUnsupported) {
		t.Errorf("dump: %v", res[2].Err)
	}
	if !errors.Is(res[3].Err, backend.ErrInvalid) {
		t.Errorf("empty name: %v", res[3].Err)
	}
	for _, k := range []string{"expired", "hash", "dumped"} {
		wantHeld(t, o, k, "")
	}
	wantHeld(t, o, "ok", "v")
	if _, err := s.WriteRecords(ctx, "b", recs, backend.ConflictPolicy(9)); !errors.Is(err, backend.ErrInvalid) {
		t.Errorf("an unknown policy: %v", err)
	}
	if _, err := s.WriteRecords(ctx, "nope", recs[4:], backend.ConflictSkip); !errors.Is(err, backend.ErrNotFound) {
		t.Errorf("a missing bucket: %v", err)
	}
}

// A read-only store refuses WriteRecords and writes nothing, but reads
// records and tells which keys exist.
func TestTransferRefusedReadOnly(t *testing.T) {
	path, s := newFile(t, backend.BucketConfig{Name: "b"}, Options{})
	ctx := context.Background()
	if _, err := s.Put(ctx, "b", "k", []byte("v"), backend.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	ro := openAt(t, path, Options{ReadOnly: true})
	recs := []backend.Record{{Key: "k", Value: []byte("w")}, {Key: "new", Value: []byte("w")}}
	if _, err := ro.WriteRecords(ctx, "b", recs, backend.ConflictOverwrite); !errors.Is(err, backend.ErrReadOnly) {
		t.Fatalf("read-only WriteRecords: %v", err)
	}
	if got, err := ro.ReadRecords(ctx, "b", []string{"k", "new"}, backend.ReadOptions{}); err != nil || len(got) != 1 || string(got[0].Value) != "v" {
		t.Errorf("read-only ReadRecords: %+v, %v", got, err)
	}
	if got, err := ro.Existing(ctx, "b", []string{"k", "new"}); err != nil || !slices.Equal(got, []bool{true, false}) {
		t.Errorf("read-only Existing: %v, %v", got, err)
	}
	ro.Close()
	o := rawOther{path: path, bucket: "b"}
	wantHeld(t, o, "k", "v")
	wantHeld(t, o, "new", "")
}
