package nats

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/nats-io/nats.go/jetstream"
)

// Get reads a key's latest revision with its per-key TTL. It reads the raw
// last message for the key's subject (one direct get), because only its
// headers carry the TTL, and keeps no copy: after a revision expires it
// returns whatever the server holds now, an older revision included.
func (s *Store) Get(ctx context.Context, bucket, key string, opts backend.GetOptions) (backend.Entry, error) {
	if err := validateKey(key); err != nil {
		return backend.Entry{}, err
	}
	h, err := s.bucket(ctx, bucket)
	if err != nil {
		return backend.Entry{}, err
	}
	cfg, err := s.config(ctx, h)
	if err != nil {
		return backend.Entry{}, err
	}
	msg, err := s.lastMessage(ctx, h, key)
	if err != nil {
		return backend.Entry{}, err
	}
	if msg == nil || changeOf(msg.Header) != backend.ChangePut {
		return backend.Entry{}, keyNotFound(bucket, key, nil)
	}
	return entryOf(key, msg, cfg, opts.Limit()), nil
}

// lastMessage reads the latest message stored for key, a delete marker
// included; nil when the key has no message at all.
func (s *Store) lastMessage(ctx context.Context, h *bucketHandle, key string) (*jetstream.RawStreamMsg, error) {
	msg, err := h.stream.GetLastMsgForSubject(ctx, h.prefix+key)
	if err != nil {
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			return nil, nil
		}
		if errors.Is(err, jetstream.ErrStreamNotFound) {
			return nil, s.bucketError(h.name, err)
		}
		return nil, describe(err)
	}
	return msg, nil
}

// entryOf describes a stored message as an Entry, its value bounded by
// limit bytes (-1: whole).
func entryOf(key string, msg *jetstream.RawStreamMsg, cfg jetstream.StreamConfig, limit int64) backend.Entry {
	e := backend.Entry{
		Key:       key,
		Kind:      backend.KindString,
		Value:     msg.Data,
		Size:      int64(len(msg.Data)),
		Revision:  msg.Sequence,
		Version:   strconv.FormatUint(msg.Sequence, 10),
		Created:   msg.Time,
		ExpiresAt: expiresAt(msg.Header, msg.Time, cfg.MaxAge),
		Operation: operationName(kvOperation(changeOf(msg.Header))),
	}
	if limit >= 0 && int64(len(e.Value)) > limit {
		e.Value = e.Value[:limit:limit]
		e.Truncated = true
	}
	ttl, never, hasTTL := keyTTL(msg.Header)
	if hasTTL && !never {
		e.TTL = ttl
	}
	// Without per-key TTLs a write cannot carry the time left, so the
	// bucket's TTL counts again from the write.
	e.WriteRestartsTTL = cfg.MaxAge > 0 && !cfg.AllowMsgTTL
	// Get reads the latest revision, so no newer one exists: delta 0.
	e.Meta = []backend.Field{
		{Name: "delta", Value: "0"},
		{Name: "ttl from", Value: ttlSource(hasTTL, never, cfg.MaxAge)},
	}
	return e
}

// ttlSource says where a key's expiry comes from.
func ttlSource(hasTTL, never bool, maxAge time.Duration) string {
	switch {
	case never:
		return "key (never expires)"
	case hasTTL:
		return "key"
	case maxAge > 0:
		return "bucket"
	}
	return "none"
}

func keyNotFound(bucket, key string, cause error) error {
	return &storeError{msg: fmt.Sprintf("key %q not found in bucket %q", key, bucket), kind: backend.ErrNotFound, cause: cause}
}
