package nats

import (
	"context"
	"fmt"
	"time"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/nats-io/nats.go/jetstream"
)

var (
	_ backend.RecordReader = (*Store)(nil)
	_ backend.RecordWriter = (*Store)(nil)
)

// ReadRecords reads each key's latest revision whole, as Snapshot does:
// its value, its expiry instant (its own TTL, or the bucket's TTL counted
// from its write), its revision and the time it was written. A key whose
// latest message is not a live put (deleted, purged, or never written) is
// left out. Up to bulkParallel keys are in flight at once. A key name NATS
// cannot hold is ErrInvalid for the whole batch: it came from elsewhere
// than this bucket's listing, and leaving it out would drop it from an
// export without a word. Any failure ends the batch, with no records.
//
// NATS has no serialization of its own to dump: ReadOptions.Dump (the
// rdm-csv format, Redis's DUMP payloads) is ErrUnsupported.
func (s *Store) ReadRecords(ctx context.Context, bucket string, keys []string, opts backend.ReadOptions) ([]backend.Record, error) {
	if opts.Dump {
		return nil, backendErrf(backend.ErrUnsupported,
			"bucket %s: NATS keys have no DUMP payload to read (rdm-csv is a Redis format); export their values instead", bucket)
	}
	for _, key := range keys {
		if err := validateKey(key); err != nil {
			return nil, err
		}
	}
	h, cfg, err := s.bucketAndConfig(ctx, bucket)
	if err != nil {
		return nil, err
	}
	read, err := eachKey(len(keys), func(i int) (*backend.Record, error) {
		msg, err := s.lastMessage(ctx, h, keys[i])
		if err != nil || msg == nil || changeOf(msg.Header) != backend.ChangePut {
			return nil, err
		}
		return &backend.Record{
			Key:       keys[i],
			Kind:      backend.KindString,
			Value:     msg.Data,
			ExpiresAt: expiresAt(msg.Header, msg.Time, cfg.MaxAge),
			Revision:  msg.Sequence,
			Created:   msg.Time,
		}, nil
	}, func(int, error) *backend.Record { return nil })
	if err != nil {
		return nil, err
	}
	out := make([]backend.Record, 0, len(keys))
	for _, r := range read {
		if r != nil {
			out = append(out, *r)
		}
	}
	return out, nil
}

// Existing says which keys hold a value now: their latest message is a
// live put. A name NATS cannot hold cannot exist (false); WriteRecords
// fails it with the reason.
func (s *Store) Existing(ctx context.Context, bucket string, keys []string) ([]bool, error) {
	h, err := s.bucket(ctx, bucket)
	if err != nil {
		return nil, err
	}
	return eachKey(len(keys), func(i int) (bool, error) {
		if validateKey(keys[i]) != nil {
			return false, nil
		}
		msg, err := s.lastMessage(ctx, h, keys[i])
		return err == nil && msg != nil && changeOf(msg.Header) == backend.ChangePut, err
	}, func(int, error) bool { return false })
}

var _ backend.KeyNameChecker = (*Store)(nil)

// CheckKeyName says why name is no NATS key; see backend.KeyNameChecker.
func (s *Store) CheckKeyName(name string) error { return validateKey(name) }

// ExpiryKept is nil where the bucket allows per-key TTLs (AllowMsgTTL);
// elsewhere no write can carry a key's own expiry, and the error
// (ErrUnsupported) says so, and what becomes of the keys instead. Read
// from the server, as WriteRecords checks the bucket as it is now.
func (s *Store) ExpiryKept(ctx context.Context, bucket string) error {
	h, err := s.bucket(ctx, bucket)
	if err != nil {
		return err
	}
	cfg, err := s.freshConfig(ctx, h)
	if err != nil {
		return err
	}
	if cfg.AllowMsgTTL {
		return nil
	}
	then := "keys written there never expire"
	if cfg.MaxAge > 0 {
		then = fmt.Sprintf("keys written there expire %s after their write (the bucket's TTL)", cfg.MaxAge)
	}
	return backendErrf(backend.ErrUnsupported,
		"bucket %s does not allow per-key TTLs, so keys' TTLs cannot be kept: %s; enable per-key TTLs in the bucket settings to keep them", bucket, then)
}

// WriteRecords writes each record as a new revision of its key, in one
// publish conditional on the key's latest message as read just before,
// so that whether the key exists and the write are one step: a value
// another client writes in between makes the publish fail on the server,
// and nothing of ours is written over it. Up to bulkParallel keys are in
// flight at once.
//
// A key holding a value is, under ConflictSkip, BulkSkipped (no Err);
// under ConflictFail BulkSkipped with an ErrConflict saying what it holds;
// under ConflictOverwrite replaced, the publish expecting the revision
// read, so that a change in between is BulkSkipped with an ErrConflict
// saying it changed. A key without a value (no message, or a delete or
// purge marker last) is written expecting that message, as Restore does
// with IfAbsent; a value written there in between meets the policy as
// above (under ConflictOverwrite it is a conflict: the user never saw
// it).
//
// A record's expiry instant is written as a per-key TTL of the time left,
// in whole seconds rounded up (the server raises it to the bucket's marker
// TTL if shorter, and the bucket's own TTL, if shorter, removes the key
// first, as for every key in that bucket). A record whose expiry has
// passed is BulkGone, nothing written; one with an expiry, in a bucket
// without per-key TTLs, is BulkFailed saying so: the caller asks
// ExpiryKept first and drops the expiries it cannot keep after telling
// the user, never the store. A record without an expiry is written as
// Restore writes a snapshot without one: in a bucket with a TTL and
// per-key TTLs with Nats-TTL "never", the only way not to expire after the
// bucket's TTL; in a bucket with a TTL and no per-key TTLs it expires with
// the bucket's TTL like every key there (ExpiryKept says so).
//
// A NATS key holds bytes only: a record of a collection is BulkFailed (the
// caller converts collections to JSON first), and so is a Redis DUMP
// payload or a key name NATS cannot hold. A lost connection or a timeout
// ends the batch as in ExpireKeys: the error is returned with the results,
// keys not started BulkFailed; a write whose acknowledgement was lost is
// BulkFailed although the server may have applied it.
func (s *Store) WriteRecords(ctx context.Context, bucket string, recs []backend.Record, policy backend.ConflictPolicy) ([]backend.WriteResult, error) {
	if err := s.Writable(); err != nil {
		return nil, err
	}
	if policy > backend.ConflictFail {
		return nil, backend.Invalid("on-conflict", "policy %d: give skip, overwrite or fail", policy)
	}
	h, err := s.writable(ctx, bucket)
	if err != nil {
		return nil, err
	}
	// The TTL rules applied are the server's now, as in Restore.
	cfg, err := s.freshConfig(ctx, h)
	if err != nil {
		return nil, err
	}
	// First every record as if its key had never been written, expecting
	// no message on its subject, without waiting for each answer: into a
	// new bucket, the common case, that is the whole batch in one window
	// of acknowledgements (an import of a million keys took 82 s reading
	// each key first, and 58 s with one synchronous publish a key). Any
	// message there fails that publish on the server, nothing written,
	// and the key goes writeExisting's way. (There is no window here for
	// another writer: the server checks and writes.)
	out := make([]backend.WriteResult, len(recs))
	ttls := make([]time.Duration, len(recs))
	var first []int
	now := time.Now()
	for i, rec := range recs {
		out[i].Key = rec.Key
		ttl, err := prepareRecord(h.name, rec, cfg, now)
		switch {
		case err != nil:
			out[i].Outcome, out[i].Err = backend.BulkFailed, err
		case ttl == expiredTTL:
			out[i].Outcome = backend.BulkGone
		default:
			ttls[i] = ttl
			first = append(first, i)
		}
	}
	acks, err := s.publishAsNew(ctx, h, recs, ttls, first)
	var existing []int
	for j, i := range first {
		switch {
		case j >= len(acks):
			out[i].Outcome, out[i].Err = backend.BulkFailed, err
		case acks[j] == nil:
			out[i].Outcome = backend.BulkChanged
		case isWrongLastSequence(acks[j]):
			existing = append(existing, i)
		default:
			out[i].Outcome, out[i].Err = backend.BulkFailed, s.writeError(h, recs[i].Key, acks[j])
			if err == nil && batchError(acks[j]) {
				err = out[i].Err
			}
		}
	}
	if err != nil {
		for _, i := range existing {
			out[i].Outcome, out[i].Err = backend.BulkFailed, err
		}
		return out, err
	}
	rest, err := eachKey(len(existing), func(j int) (backend.WriteResult, error) {
		i := existing[j]
		return s.writeExisting(ctx, h, recs[i], ttls[i], policy)
	}, func(j int, err error) backend.WriteResult {
		return backend.WriteResult{Key: recs[existing[j]].Key, Outcome: backend.BulkFailed, Err: err}
	})
	for j, i := range existing {
		out[i] = rest[j]
	}
	return out, err
}

// prepareRecord is the TTL rec is written with (see recordTTL), or why it
// cannot be written at all.
func prepareRecord(bucket string, rec backend.Record, cfg jetstream.StreamConfig, now time.Time) (time.Duration, error) {
	if err := validateKey(rec.Key); err != nil {
		return 0, err
	}
	if err := bytesOnly(bucket, rec); err != nil {
		return 0, err
	}
	return recordTTL(bucket, rec, cfg, now)
}

// asyncWindow is the publishes publishAsNew has in flight at once, within
// nats.go's default of 4,000 pending asynchronous publishes.
const asyncWindow = 1000

// publishAsNew publishes the records at idx, each expecting no message
// on its subject, asyncWindow at a time, and returns each one's answer
// (nil: written), in the order of idx. An error that ends the batch (a
// lost connection, the context) is returned with the answers before it.
func (s *Store) publishAsNew(ctx context.Context, h *bucketHandle, recs []backend.Record, ttls []time.Duration, idx []int) ([]error, error) {
	answers := make([]error, 0, len(idx))
	for start := 0; start < len(idx); start += asyncWindow {
		window := idx[start:min(start+asyncWindow, len(idx))]
		futures := make([]jetstream.PubAckFuture, 0, len(window))
		for _, i := range window {
			f, err := s.js.PublishMsgAsync(publishMsg(s.writeSubject(h)+recs[i].Key, recs[i].Value, ttls[i]),
				jetstream.WithExpectLastSequencePerSubject(0))
			if err != nil {
				// Those sent are waited for below; this one and
				// the rest are not sent.
				return s.awaitAcks(ctx, answers, futures, err)
			}
			futures = append(futures, f)
		}
		var err error
		if answers, err = s.awaitAcks(ctx, answers, futures, nil); err != nil {
			return answers, err
		}
	}
	return answers, nil
}

// awaitAcks appends to answers the answer of each future, in order, and
// returns sendErr (the error that stopped the sending, if any) or the
// context's error, after which no more answers are appended.
func (s *Store) awaitAcks(ctx context.Context, answers []error, futures []jetstream.PubAckFuture, sendErr error) ([]error, error) {
	for _, f := range futures {
		select {
		case <-f.Ok():
			answers = append(answers, nil)
		case err := <-f.Err():
			answers = append(answers, err)
		case <-ctx.Done():
			return answers, ctx.Err()
		}
	}
	return answers, sendErr
}

// writeExisting writes rec where its first publish found a message on
// its subject: it reads that message and publishes expecting it, under
// policy. The error is the batch's (see batchError); a key's own failure
// is in the result.
func (s *Store) writeExisting(ctx context.Context, h *bucketHandle, rec backend.Record, ttl time.Duration, policy backend.ConflictPolicy) (backend.WriteResult, error) {
	r := backend.WriteResult{Key: rec.Key}
	msg, err := s.lastMessage(ctx, h, rec.Key)
	if err != nil {
		return writeFailed(r, err)
	}
	var expect uint64 // none: the key has no message at all
	if msg != nil {
		expect = msg.Sequence
	}
	if msg != nil && changeOf(msg.Header) == backend.ChangePut {
		switch policy {
		case backend.ConflictSkip:
			r.Outcome = backend.BulkSkipped
			return r, nil
		case backend.ConflictFail:
			r.Outcome, r.Err = backend.BulkSkipped, recordExists(h.name, rec.Key, msg)
			return r, nil
		}
	}
	if s.afterWriteRead != nil {
		s.afterWriteRead(rec.Key)
	}
	if _, err := s.publish(ctx, h, rec.Key, rec.Value, ttl, &expect); err != nil {
		if !isWrongLastSequence(err) {
			return writeFailed(r, s.writeError(h, rec.Key, err))
		}
		return s.lostWriteRace(ctx, h, r, policy, err), nil
	}
	r.Outcome = backend.BulkChanged
	return r, nil
}

// lostWriteRace is the result of a publish that found another message
// than the one read: written, deleted or purged by another client in
// between. A value created where there was none meets the policy (skipped,
// with an ErrConflict under ConflictFail); any other change is a conflict
// saying what the key holds now. Nothing of ours was written.
func (s *Store) lostWriteRace(ctx context.Context, h *bucketHandle, r backend.WriteResult, policy backend.ConflictPolicy, err error) backend.WriteResult {
	r.Outcome = backend.BulkSkipped
	cur, rerr := s.lastMessage(ctx, h, r.Key)
	switch {
	case rerr != nil:
		r.Err = conflict(h.name, r.Key, err)
	case policy == backend.ConflictSkip && cur != nil && changeOf(cur.Header) == backend.ChangePut:
		// Skip asks nothing more than to leave an existing key alone.
	case policy == backend.ConflictFail && cur != nil && changeOf(cur.Header) == backend.ChangePut:
		r.Err = recordExists(h.name, r.Key, cur)
	default:
		r.Err = changedSince(h.name, r.Key, cur, err)
	}
	return r
}

// expiredTTL is recordTTL's answer for a record whose expiry has passed.
const expiredTTL time.Duration = -2

// recordTTL is the Nats-TTL a record is written with (0 none, neverTTL
// never), expiredTTL when its expiry has passed, or why the bucket cannot
// keep its expiry (see WriteRecords).
func recordTTL(bucket string, rec backend.Record, cfg jetstream.StreamConfig, now time.Time) (time.Duration, error) {
	if rec.ExpiresAt.IsZero() {
		if cfg.MaxAge > 0 && cfg.AllowMsgTTL {
			return neverTTL, nil
		}
		return 0, nil
	}
	left := rec.ExpiresAt.Sub(now)
	switch {
	case left <= 0:
		return expiredTTL, nil
	case !cfg.AllowMsgTTL:
		return 0, backendErrf(backend.ErrUnsupported,
			"bucket %s does not allow per-key TTLs, so key %q cannot keep its expiry (%s); enable per-key TTLs in the bucket settings, or write the keys without their TTLs",
			bucket, rec.Key, rec.ExpiresAt.Local().Format(time.DateTime))
	}
	return wholeSeconds(left), nil
}

// bytesOnly refuses a record a KV key cannot hold: a collection, or a
// Redis DUMP payload, which only Redis can read back.
func bytesOnly(bucket string, rec backend.Record) error {
	switch {
	case rec.Kind != backend.KindString && rec.Kind != backend.KindUnknown:
		return backendErrf(backend.ErrUnsupported,
			"key %q is a %v, not a string, and bucket %s holds only byte values; convert it to JSON to write it", rec.Key, rec.Kind, bucket)
	case rec.Dump != nil:
		return backendErrf(backend.ErrUnsupported,
			"key %q comes as a Redis DUMP payload, which bucket %s cannot hold; export its value instead", rec.Key, bucket)
	}
	return nil
}

// recordExists is the conflict of a record written under ConflictFail over
// a key holding a value (msg, its latest message).
func recordExists(bucket, key string, msg *jetstream.RawStreamMsg) error {
	return &storeError{
		msg: fmt.Sprintf("key %q already exists in bucket %q (revision %d, %d bytes, written %s); nothing written",
			key, bucket, msg.Sequence, len(msg.Data), msg.Time.Local().Format(time.DateTime)),
		kind: backend.ErrConflict,
	}
}

// writeFailed is r failed with err, which is also returned when it ends
// the batch (see batchError).
func writeFailed(r backend.WriteResult, err error) (backend.WriteResult, error) {
	r.Outcome, r.Err = backend.BulkFailed, err
	if batchError(err) {
		return r, err
	}
	return r, nil
}
