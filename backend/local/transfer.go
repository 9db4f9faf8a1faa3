package local

import (
	"context"
	"errors"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/kvdeck/kvdeck/backend"
)

var (
	_ backend.RecordReader = (*Store)(nil)
	_ backend.RecordWriter = (*Store)(nil)
)

// ReadRecords reads keys in one read transaction, so the batch is one
// moment of the file: each live key's value (copied out, as the
// transaction's bytes do not outlive it) and the expiry bound to that
// value. A missing or expired key is left out. Revision and Created are
// NATS's and stay zero here. A missing bucket is the batch's error.
//
// The local store has no serialization of its own to dump:
// ReadOptions.Dump (the rdm-csv format, Redis's DUMP payloads) is
// ErrUnsupported.
func (s *Store) ReadRecords(ctx context.Context, bucket string, keys []string, opts backend.ReadOptions) ([]backend.Record, error) {
	if opts.Dump {
		return nil, backendErr(backend.ErrUnsupported,
			"bucket %q: local keys have no DUMP payload to read (rdm-csv is a Redis format); export their values instead", bucket)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []backend.Record
	err := s.view(func(tx *bolt.Tx) error {
		out = make([]backend.Record, 0, len(keys))
		now := s.now()
		for _, key := range keys {
			ks, err := keyAt(tx, bucket, []byte(key), now)
			if err != nil {
				return err // the bucket is gone: the whole batch
			}
			if !ks.live {
				continue
			}
			r := backend.Record{Key: key, Kind: backend.KindString, Value: append([]byte{}, ks.value...)}
			if b := ks.bound(); b.expires != 0 {
				r.ExpiresAt = time.UnixMilli(b.expires)
			}
			out = append(out, r)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Existing says which keys are live now, in one read transaction.
func (s *Store) Existing(ctx context.Context, bucket string, keys []string) ([]bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []bool
	err := s.view(func(tx *bolt.Tx) error {
		out = make([]bool, len(keys))
		now := s.now()
		for i, key := range keys {
			ks, err := keyAt(tx, bucket, []byte(key), now)
			if err != nil {
				return err
			}
			out[i] = ks.live
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ExpiryKept is nil: every local key keeps its own expiry.
func (s *Store) ExpiryKept(ctx context.Context, bucket string) error { return nil }

// WriteRecords writes recs in one write transaction, under the file's
// exclusive lock: each key is read and written in it, so no other program
// can write a key between the check of whether it exists and the write. A
// live key is, under ConflictSkip, BulkSkipped (no Err); under
// ConflictFail BulkSkipped with an ErrConflict saying what it holds; under
// ConflictOverwrite replaced, expiry included. Each key written is a new
// revision, bound to its value, with the record's expiry instant and a
// configured TTL of the time left (the key's "ttl" from now on), except a
// key that already holds exactly the record, left as it is (BulkChanged
// all the same: it holds what was asked, as writeValue does); a record
// without an expiry is written without one, as Restore writes a snapshot
// without one, even in a bucket with a TTL (which is a default for new
// keys written without a TTL of their own, not an expiry every key has).
// A record whose expiry has passed is BulkGone, nothing written.
//
// A local key holds bytes only: a record of a collection is BulkFailed
// (the caller converts collections to JSON first), and so is a Redis DUMP
// payload, an empty key name, a name held by a nested bucket, and a value
// over the bucket's limits. The sweeper and watchers learn of each put
// once the transaction has committed. Nothing is written when the file
// cannot be locked or the transaction fails: the error is the batch's,
// with no results.
func (s *Store) WriteRecords(ctx context.Context, bucket string, recs []backend.Record, policy backend.ConflictPolicy) ([]backend.WriteResult, error) {
	if err := s.Writable(); err != nil {
		return nil, err
	}
	if policy > backend.ConflictFail {
		return nil, backend.Invalid("on-conflict", "policy %d: give skip, overwrite or fail", policy)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var (
		out  []backend.WriteResult
		puts []written
	)
	err := s.update(func(tx *bolt.Tx) (bool, error) {
		out, puts = make([]backend.WriteResult, len(recs)), make([]written, len(recs))
		now := s.now()
		changed := false
		for i, rec := range recs {
			r := &out[i]
			r.Key = rec.Key
			if err := writableRecord(bucket, rec); err != nil {
				r.Outcome, r.Err = backend.BulkFailed, err
				continue
			}
			var expires, ttl int64
			if !rec.ExpiresAt.IsZero() {
				expires = rec.ExpiresAt.UnixMilli()
				if now.UnixMilli() >= expires {
					r.Outcome = backend.BulkGone
					continue
				}
				ttl = int64(time.Duration(expires-now.UnixMilli()) * time.Millisecond)
			}
			ks, err := keyAt(tx, bucket, []byte(rec.Key), now)
			if err != nil {
				return false, err // the bucket is gone: the whole batch
			}
			switch {
			case ks.live && policy == backend.ConflictSkip:
				r.Outcome = backend.BulkSkipped
				continue
			case ks.live && policy == backend.ConflictFail:
				r.Outcome, r.Err = backend.BulkSkipped, conflict("key %q already exists in bucket %q: %s; nothing written", rec.Key, bucket, ks.holds())
				continue
			case ks.ub.Bucket(ks.key) != nil:
				// Checked here, as the write would fail only after
				// writing the key's metadata.
				r.Outcome, r.Err = backend.BulkFailed, backend.Invalid("key", "%q is the name of a nested bucket in bucket %q", rec.Key, bucket)
				continue
			}
			w, err := s.writeValue(tx, ks, bucket, rec.Value, expires, ttl, false)
			switch {
			case errors.Is(err, backend.ErrInvalid):
				// Over the bucket's limits, refused before anything
				// was written: this key's failure.
				r.Outcome, r.Err = backend.BulkFailed, err
				continue
			case err != nil:
				return false, err
			}
			r.Outcome, puts[i] = backend.BulkChanged, w
			changed = changed || w.wrote
		}
		return changed, nil
	})
	if err != nil {
		return nil, err
	}
	for i, r := range out {
		if r.Outcome == backend.BulkChanged {
			s.wrote(bucket, r.Key, puts[i])
		}
	}
	return out, nil
}

// writableRecord refuses a record a local key cannot hold.
func writableRecord(bucket string, rec backend.Record) error {
	switch {
	case rec.Key == "":
		return backend.Invalid("key", "must not be empty")
	case rec.Kind != backend.KindString && rec.Kind != backend.KindUnknown:
		return backendErr(backend.ErrUnsupported,
			"key %q is a %v, not a string, and bucket %q holds only byte values; convert it to JSON to write it", rec.Key, rec.Kind, bucket)
	case rec.Dump != nil:
		return backendErr(backend.ErrUnsupported,
			"key %q comes as a Redis DUMP payload, which bucket %q cannot hold; export its value instead", rec.Key, bucket)
	}
	return nil
}
