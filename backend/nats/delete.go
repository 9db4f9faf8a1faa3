package nats

import (
	"context"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/nats-io/nats.go/jetstream"
)

// Delete puts a delete marker on a key: the key stops being listed and
// read, and its earlier revisions stay in its history (Purge drops them).
// A missing or already deleted key is ErrNotFound; with IfVersion, a key
// changed since that revision is ErrConflict.
func (s *Store) Delete(ctx context.Context, bucket, key string, opts backend.DeleteOptions) error {
	if err := s.Writable(); err != nil {
		return err
	}
	if err := validateKey(key); err != nil {
		return err
	}
	var deleteOpts []jetstream.KVDeleteOpt
	var want uint64
	if opts.IfVersion != "" {
		rev, err := parseVersion(opts.IfVersion)
		if err != nil {
			return err
		}
		want = rev
		deleteOpts = append(deleteOpts, jetstream.LastRevision(rev))
	}
	h, err := s.writable(ctx, bucket)
	if err != nil {
		return err
	}
	msg, err := s.lastMessage(ctx, h, key)
	if err != nil {
		return err
	}
	if msg == nil || changeOf(msg.Header) != backend.ChangePut {
		return keyNotFound(bucket, key, nil)
	}
	if len(deleteOpts) > 0 && msg.Sequence != want {
		return changedSince(bucket, key, msg, nil)
	}
	return s.writeError(h, key, h.kv.Delete(ctx, key, deleteOpts...))
}

// Purge removes a key and all its revisions, leaving one purge marker so
// that watchers see it go. In a bucket with per-key TTLs the marker itself
// expires after the bucket's marker TTL. A key with no message at all is
// ErrNotFound; a deleted key can still be purged to drop its history.
//
// The contract's Purge takes no version, so it purges whatever the key
// holds when it runs, a value another client wrote after the user looked
// included; the UI confirms a purge naming the key.
func (s *Store) Purge(ctx context.Context, bucket, key string) error {
	if err := s.Writable(); err != nil {
		return err
	}
	if err := validateKey(key); err != nil {
		return err
	}
	h, err := s.writable(ctx, bucket)
	if err != nil {
		return err
	}
	cfg, err := s.config(ctx, h)
	if err != nil {
		return err
	}
	msg, err := s.lastMessage(ctx, h, key)
	if err != nil {
		return err
	}
	if msg == nil {
		return keyNotFound(bucket, key, nil)
	}
	var opts []jetstream.KVDeleteOpt
	if cfg.SubjectDeleteMarkerTTL > 0 {
		opts = append(opts, jetstream.PurgeTTL(cfg.SubjectDeleteMarkerTTL))
	}
	return s.writeError(h, key, h.kv.Purge(ctx, key, opts...))
}
