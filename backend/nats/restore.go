package nats

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/nats-io/nats.go/jetstream"
)

// Snapshot reads a key's latest revision whole, with the instant it
// expires (its own TTL, or the bucket's TTL counted from its write) so that
// Restore can put back the instant rather than a duration.
func (s *Store) Snapshot(ctx context.Context, bucket, key string) (backend.Snapshot, error) {
	if err := validateKey(key); err != nil {
		return backend.Snapshot{}, err
	}
	h, err := s.bucket(ctx, bucket)
	if err != nil {
		return backend.Snapshot{}, err
	}
	cfg, err := s.config(ctx, h)
	if err != nil {
		return backend.Snapshot{}, err
	}
	msg, err := s.lastMessage(ctx, h, key)
	if err != nil {
		return backend.Snapshot{}, err
	}
	if msg == nil || changeOf(msg.Header) != backend.ChangePut {
		return backend.Snapshot{}, keyNotFound(bucket, key, nil)
	}
	return snapshotOf(key, msg, cfg.MaxAge), nil
}

// snapshotOf is the snapshot of key's revision msg, a put, in a bucket
// whose TTL is maxAge.
func snapshotOf(key string, msg *jetstream.RawStreamMsg, maxAge time.Duration) backend.Snapshot {
	snap := backend.Snapshot{
		Key:       key,
		Kind:      backend.KindString,
		Version:   strconv.FormatUint(msg.Sequence, 10),
		ExpiresAt: expiresAt(msg.Header, msg.Time, maxAge),
		Size:      int64(len(msg.Data)),
		Value:     msg.Data,
	}
	if ttl, never, ok := keyTTL(msg.Header); ok && !never {
		snap.TTL = ttl
	}
	return snap
}

// Restore writes snap's value back as a new revision, in one publish
// conditional on the key's latest message: with IfAbsent that must be a
// delete or purge marker, or nothing (the key was deleted and nobody wrote
// it since); with IfVersion it must be that revision. Otherwise it is
// ErrConflict saying what the key holds now, and nothing is written.
//
// The expiry instant comes back as a per-key TTL of the time left where the
// bucket allows per-key TTLs (raised by the server to the bucket's marker
// TTL if shorter). Where only the bucket's TTL applies, the restored key's
// age restarts: it expires the bucket's TTL after the restore. A snapshot
// that never expired is restored with no expiry (in a bucket with a TTL
// and per-key TTLs, as "never"). A snapshot whose instant has passed
// restores nothing: ErrNotFound saying so.
func (s *Store) Restore(ctx context.Context, bucket string, snap backend.Snapshot, opts backend.RestoreOptions) (string, error) {
	if err := s.Writable(); err != nil {
		return "", err
	}
	if err := validateKey(snap.Key); err != nil {
		return "", err
	}
	var want uint64
	if opts.IfVersion != "" {
		rev, err := parseVersion(opts.IfVersion)
		if err != nil {
			return "", err
		}
		want = rev
	}
	h, err := s.writable(ctx, bucket)
	if err != nil {
		return "", err
	}
	cfg, err := s.freshConfig(ctx, h)
	if err != nil {
		return "", err
	}
	now := time.Now()
	ttl, err := restoreTTL(bucket, snap, cfg, now)
	if err != nil {
		return "", err
	}

	msg, err := s.lastMessage(ctx, h, snap.Key)
	if err != nil {
		return "", err
	}
	live := msg != nil && changeOf(msg.Header) == backend.ChangePut
	var expect *uint64
	switch {
	case opts.IfAbsent:
		if live {
			return "", restoreConflict(bucket, snap.Key, msg)
		}
		var seq uint64
		if msg != nil {
			seq = msg.Sequence
		}
		expect = &seq
	case opts.IfVersion != "":
		if !live || msg.Sequence != want {
			return "", changedSince(bucket, snap.Key, msg, nil)
		}
		expect = &want
	}
	rev, err := s.publish(ctx, h, snap.Key, snap.Value, ttl, expect)
	if err != nil && isWrongLastSequence(err) {
		// Someone wrote between the read and the publish: say what now.
		if cur, rerr := s.lastMessage(ctx, h, snap.Key); rerr == nil {
			if opts.IfAbsent && cur != nil && changeOf(cur.Header) == backend.ChangePut {
				return "", restoreConflict(bucket, snap.Key, cur)
			}
			return "", changedSince(bucket, snap.Key, cur, err)
		}
	}
	return revisionOf(rev, err), s.writeError(h, snap.Key, err)
}

// restoreTTL is the per-key TTL that puts snap's expiry instant back (see
// Restore).
func restoreTTL(bucket string, snap backend.Snapshot, cfg jetstream.StreamConfig, now time.Time) (time.Duration, error) {
	if snap.ExpiresAt.IsZero() {
		if cfg.MaxAge > 0 && cfg.AllowMsgTTL {
			return neverTTL, nil
		}
		return 0, nil
	}
	left := snap.ExpiresAt.Sub(now)
	if left <= 0 {
		return 0, &storeError{
			msg:  fmt.Sprintf("key %q in bucket %q would have expired at %s; nothing restored", snap.Key, bucket, snap.ExpiresAt.Local().Format(time.DateTime)),
			kind: backend.ErrNotFound,
		}
	}
	if !cfg.AllowMsgTTL {
		return 0, nil
	}
	return wholeSeconds(left), nil
}

// restoreConflict is the conflict of a restore into a key that must be
// absent but holds a value again.
func restoreConflict(bucket, key string, msg *jetstream.RawStreamMsg) error {
	return &storeError{
		msg: fmt.Sprintf("key %q in bucket %q holds a value again (revision %d, %d bytes, written %s); nothing restored",
			key, bucket, msg.Sequence, len(msg.Data), msg.Time.Local().Format(time.DateTime)),
		kind: backend.ErrConflict,
	}
}
