package nats

import (
	"context"
	"slices"
	"strconv"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/nats-io/nats.go/jetstream"
)

// historyBatch is how many revisions History fetches per round trip.
const historyBatch = 256

// History lists the revisions the bucket keeps for a key, newest first,
// delete and purge markers included, with whole values so that any of them
// can be viewed, compared or put back (revert: Put with IfVersion set to the
// current version). Meta "delta" counts the newer revisions.
//
// It reads the key's subject with an ordered consumer up to the key's
// latest message when it started, rather than through nats.go's
// KeyValue.History, which in a mirror looks for the mirror's own subjects
// while the mirror keeps its origin's.
func (s *Store) History(ctx context.Context, bucket, key string) ([]backend.Entry, error) {
	if err := validateKey(key); err != nil {
		return nil, err
	}
	h, err := s.bucket(ctx, bucket)
	if err != nil {
		return nil, err
	}
	last, err := s.lastMessage(ctx, h, key)
	if err != nil {
		return nil, err
	}
	if last == nil {
		return nil, keyNotFound(bucket, key, nil)
	}
	cons, err := s.js.OrderedConsumer(ctx, streamName(h.name), jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{h.prefix + key},
		DeliverPolicy:  jetstream.DeliverAllPolicy,
	})
	if err != nil {
		return nil, s.writeError(h, key, err)
	}
	var revisions []backend.Entry
	for {
		// No wait: the revisions are in the stream already, and a batch
		// that comes back short means there are no more.
		batch, err := cons.FetchNoWait(historyBatch)
		if err != nil {
			return nil, s.writeError(h, key, err)
		}
		done, got := false, 0
		for m := range batch.Messages() {
			got++
			meta, err := m.Metadata()
			if err != nil || meta.Sequence.Stream > last.Sequence {
				continue
			}
			revisions = append(revisions, backend.Entry{
				Key:       key,
				Kind:      backend.KindString,
				Value:     m.Data(),
				Size:      int64(len(m.Data())),
				Revision:  meta.Sequence.Stream,
				Version:   strconv.FormatUint(meta.Sequence.Stream, 10),
				Created:   meta.Timestamp,
				Operation: operationName(kvOperation(changeOf(m.Headers()))),
			})
			done = done || meta.Sequence.Stream >= last.Sequence
		}
		if err := batch.Error(); err != nil {
			return nil, s.writeError(h, key, err)
		}
		// Short of the latest message only when it went meanwhile (an
		// expiry, a purge): what was read is the history.
		if done || got == 0 {
			break
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	slices.Reverse(revisions)
	for i := range revisions {
		revisions[i].Meta = []backend.Field{{Name: "delta", Value: strconv.Itoa(i)}}
	}
	return revisions, nil
}
