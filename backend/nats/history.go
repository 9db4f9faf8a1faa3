package nats

import (
	"context"
	"errors"
	"slices"
	"strconv"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/nats-io/nats.go/jetstream"
)

// History lists the revisions the bucket keeps for a key, newest first,
// delete and purge markers included, with whole values so that any of them
// can be viewed, compared or put back (revert: Put with IfVersion set to the
// current version). Meta "delta" counts the newer revisions.
func (s *Store) History(ctx context.Context, bucket, key string) ([]backend.Entry, error) {
	if err := validateKey(key); err != nil {
		return nil, err
	}
	h, err := s.bucket(ctx, bucket)
	if err != nil {
		return nil, err
	}
	revisions, err := h.kv.History(ctx, key)
	if err != nil {
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			return nil, keyNotFound(bucket, key, err)
		}
		return nil, s.writeError(h, key, err)
	}
	entries := make([]backend.Entry, 0, len(revisions))
	for i, r := range slices.Backward(revisions) {
		entries = append(entries, backend.Entry{
			Key:       key,
			Kind:      backend.KindString,
			Value:     r.Value(),
			Size:      int64(len(r.Value())),
			Revision:  r.Revision(),
			Version:   strconv.FormatUint(r.Revision(), 10),
			Created:   r.Created(),
			Operation: operationName(r.Operation()),
			Meta:      []backend.Field{{Name: "delta", Value: strconv.Itoa(len(revisions) - 1 - i)}},
		})
	}
	return entries, nil
}
