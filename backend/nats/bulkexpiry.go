package nats

import (
	"context"
	"fmt"
	"time"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/nats-io/nats.go/jetstream"
)

var _ backend.BulkExpirer = (*Store)(nil)

// ExpireKeys changes the TTL of keys as Expire does for one: each key's
// latest revision is read, op's condition checked against its expiry, and
// its value published again with the new Nats-TTL header, expecting that
// revision as the subject's last sequence, so that a key another client
// changed in between is not overwritten: it is BulkSkipped (BulkGone
// when it was deleted, purged or expired meanwhile). Up to
// bulkParallel keys are in flight at once.
//
// A key's expiry (Prev) is its per-key TTL counted from its write, or the
// bucket's TTL (MaxAge) counted from its write when it has none of its own
// or a longer one; zero when it never expires (no TTL at all, or Nats-TTL
// "never"). In a bucket with a TTL every key has one, except those marked
// never: NX touches only those, and a refresh every other key.
//
//   - ExpireSet and ExpireRefresh write a per-key TTL of op.TTL in whole
//     seconds (rounded up); the bucket must allow per-key TTLs
//     (AllowMsgTTL), else the whole op is ErrUnsupported saying so, and a
//     TTL the server would not apply as asked (longer than the bucket's
//     TTL, shorter than its marker TTL) is ErrInvalid for the whole op.
//     Set is the client's clock at the start of the batch plus that TTL:
//     within a round trip of the instant the server counts from its
//     write.
//   - ExpirePersist removes the key's expiry: a write without a TTL where
//     the bucket has no TTL, Nats-TTL "never" (the only expiry that
//     outlives the bucket's) where it has one and allows per-key TTLs; in
//     a bucket with a TTL and no per-key TTLs every key expires, and the
//     op is ErrUnsupported saying so.
//
// Each change is a new revision of the same value (Version). Where the
// bucket keeps history, that revision expiring uncovers the older one,
// without the new TTL (see backend.Info.ExpiryUncoversHistory), as with
// Expire.
//
// A key's own failure is BulkFailed with the reason. A lost connection
// or a timeout stops the batch: keys not started are BulkFailed, and the
// error is returned with the results, those already changed included, so
// that they can be undone; a write whose acknowledgement was lost is
// BulkFailed although the server may have applied it.
func (s *Store) ExpireKeys(ctx context.Context, bucket string, keys []string, op backend.ExpireOp) ([]backend.ExpireResult, error) {
	if err := s.Writable(); err != nil {
		return nil, err
	}
	if err := op.Validate(); err != nil {
		return nil, err
	}
	h, err := s.writable(ctx, bucket)
	if err != nil {
		return nil, err
	}
	cfg, err := s.freshConfig(ctx, h)
	if err != nil {
		return nil, err
	}
	var ttl time.Duration
	switch {
	case op.Mode != backend.ExpirePersist:
		if !cfg.AllowMsgTTL {
			return nil, perKeyTTLOff(bucket)
		}
		ttl = wholeSeconds(op.TTL)
		if err := checkKeyTTL(bucket, cfg, ttl); err != nil {
			return nil, err
		}
	case cfg.MaxAge > 0 && !cfg.AllowMsgTTL:
		return nil, &storeError{
			msg: fmt.Sprintf("every key in bucket %s expires %s after it was written (the bucket's TTL), and the bucket does not allow per-key TTLs, the only way for a key to outlive it; enable per-key TTLs in the bucket settings",
				bucket, cfg.MaxAge),
			kind: backend.ErrUnsupported,
		}
	case cfg.MaxAge > 0:
		ttl = neverTTL
	}
	var at time.Time
	if ttl > 0 {
		at = time.Now().Add(ttl)
	}
	return eachKey(len(keys), func(i int) (backend.ExpireResult, error) {
		return s.expireOne(ctx, h, cfg, keys[i], op, ttl, at)
	}, func(i int, err error) backend.ExpireResult {
		return backend.ExpireResult{Key: keys[i], Outcome: backend.BulkFailed, Err: err}
	})
}

// expireOne is ExpireKeys for one key. The error is the batch's (see
// batchError); a key's own failure is in the result.
func (s *Store) expireOne(ctx context.Context, h *bucketHandle, cfg jetstream.StreamConfig, key string, op backend.ExpireOp, ttl time.Duration, at time.Time) (backend.ExpireResult, error) {
	r := backend.ExpireResult{Key: key}
	if err := validateKey(key); err != nil {
		return failed(r, err)
	}
	msg, err := s.lastMessage(ctx, h, key)
	if err != nil {
		return failed(r, err)
	}
	if msg == nil || changeOf(msg.Header) != backend.ChangePut {
		r.Outcome = backend.BulkGone
		return r, nil
	}
	r.Prev = expiresAt(msg.Header, msg.Time, cfg.MaxAge)
	if s.afterExpiryRead != nil {
		s.afterExpiryRead(key)
	}
	if !expiryApplies(op, r.Prev, at) {
		r.Outcome, r.Set = backend.BulkSkipped, r.Prev
		return r, nil
	}
	seq := msg.Sequence
	rev, err := s.publish(ctx, h, key, msg.Data, ttl, &seq)
	if err != nil {
		return s.lostRace(ctx, h, r, err)
	}
	r.Outcome, r.Set, r.Version = backend.BulkChanged, at, revisionOf(rev, nil)
	return r, nil
}

// expiryApplies tells whether op changes a key expiring at prev (zero:
// never) to at: a key without an expiry counts as never expiring, so GT
// never holds for it and LT always does, as Redis 7's EXPIRE GT/LT.
func expiryApplies(op backend.ExpireOp, prev, at time.Time) bool {
	switch {
	case op.Mode == backend.ExpirePersist:
		return !prev.IsZero()
	case op.Mode == backend.ExpireRefresh && prev.IsZero():
		return false
	}
	switch op.Cond {
	case backend.ExpireNX:
		return prev.IsZero()
	case backend.ExpireGT:
		return !prev.IsZero() && at.After(prev)
	case backend.ExpireLT:
		return prev.IsZero() || at.Before(prev)
	}
	return true
}

// RestoreExpiry puts back each key's previous expiry where the key still
// holds the revision ExpireKeys wrote (ExpiryUndo.Version, required here):
// its value published again, expecting that revision, with a per-key TTL
// of the time left to Prev (whole seconds, rounded up), or with no TTL
// (Nats-TTL "never" in a bucket with a TTL) for a zero Prev. Any other key
// is BulkSkipped, BulkGone when deleted, purged or expired. A Prev
// that has passed is applied all the same, as the shortest TTL the server
// takes (one second): the key expires, as it would have without the bulk
// action. A time left shorter than the bucket's marker TTL is raised to
// it by the server, as in Restore. Errors as in ExpireKeys.
func (s *Store) RestoreExpiry(ctx context.Context, bucket string, items []backend.ExpiryUndo) ([]backend.ExpireResult, error) {
	if err := s.Writable(); err != nil {
		return nil, err
	}
	h, err := s.writable(ctx, bucket)
	if err != nil {
		return nil, err
	}
	cfg, err := s.freshConfig(ctx, h)
	if err != nil {
		return nil, err
	}
	return eachKey(len(items), func(i int) (backend.ExpireResult, error) {
		return s.restoreOne(ctx, h, cfg, items[i])
	}, func(i int, err error) backend.ExpireResult {
		return backend.ExpireResult{Key: items[i].Key, Outcome: backend.BulkFailed, Err: err}
	})
}

func (s *Store) restoreOne(ctx context.Context, h *bucketHandle, cfg jetstream.StreamConfig, it backend.ExpiryUndo) (backend.ExpireResult, error) {
	r := backend.ExpireResult{Key: it.Key}
	if err := validateKey(it.Key); err != nil {
		return failed(r, err)
	}
	if it.Version == "" {
		return failed(r, backend.Invalid("version", "key %q: undo on NATS needs the revision the bulk action wrote (ExpireResult.Version)", it.Key))
	}
	want, err := parseVersion(it.Version)
	if err != nil {
		return failed(r, err)
	}
	var ttl time.Duration
	switch {
	case it.Prev.IsZero() && cfg.MaxAge > 0 && cfg.AllowMsgTTL:
		ttl = neverTTL
	case it.Prev.IsZero() && cfg.MaxAge > 0:
		return failed(r, backendErrf(backend.ErrUnsupported, "bucket %s no longer allows per-key TTLs, so key %q cannot outlive the bucket's TTL again", h.name, it.Key))
	case it.Prev.IsZero():
	case !cfg.AllowMsgTTL:
		return failed(r, perKeyTTLOff(h.name))
	default:
		ttl = wholeSeconds(time.Until(it.Prev))
	}
	msg, err := s.lastMessage(ctx, h, it.Key)
	if err != nil {
		return failed(r, err)
	}
	if msg == nil || changeOf(msg.Header) != backend.ChangePut {
		r.Outcome = backend.BulkGone
		return r, nil
	}
	r.Prev = expiresAt(msg.Header, msg.Time, cfg.MaxAge)
	r.Set = r.Prev
	if s.afterExpiryRead != nil {
		s.afterExpiryRead(it.Key)
	}
	if msg.Sequence != want {
		r.Outcome = backend.BulkSkipped
		return r, nil
	}
	rev, err := s.publish(ctx, h, it.Key, msg.Data, ttl, &want)
	if err != nil {
		return s.lostRace(ctx, h, r, err)
	}
	r.Outcome, r.Set, r.Version = backend.BulkChanged, it.Prev, revisionOf(rev, nil)
	return r, nil
}

// lostRace is the result of a failed conditional publish: a key another
// client changed between the read and the write is BulkSkipped, or
// BulkGone when that change was a delete, a purge or an expiry (read
// again to tell); any other failure is the key's or the batch's.
func (s *Store) lostRace(ctx context.Context, h *bucketHandle, r backend.ExpireResult, err error) (backend.ExpireResult, error) {
	if !isWrongLastSequence(err) {
		return failed(r, s.writeError(h, r.Key, err))
	}
	r.Outcome, r.Set = backend.BulkSkipped, r.Prev
	if cur, rerr := s.lastMessage(ctx, h, r.Key); rerr == nil && (cur == nil || changeOf(cur.Header) != backend.ChangePut) {
		r.Outcome = backend.BulkGone
	}
	return r, nil
}

// failed is r failed with err, which is also returned when it ends the
// batch (see batchError).
func failed(r backend.ExpireResult, err error) (backend.ExpireResult, error) {
	r.Outcome, r.Err = backend.BulkFailed, err
	if batchError(err) {
		return r, err
	}
	return r, nil
}

// backendErrf is a storeError of kind.
func backendErrf(kind error, format string, args ...any) error {
	return &storeError{msg: fmt.Sprintf(format, args...), kind: kind}
}
