package nats

import (
	"context"
	"fmt"

	"github.com/kvdeck/kvdeck/backend"
	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// bulkWindow is how many asynchronous publishes PutMany keeps in flight
// before it waits for their acknowledgements. It stays well under the
// client's limit of outstanding async publishes (4,000 by default), past
// which a publish fails after a short stall on a busy machine.
const bulkWindow = 1000

// PutMany writes many values with asynchronous publishes, a window at a
// time, and fails on the first write the server refused.
func (s *Store) PutMany(ctx context.Context, bucket string, items []backend.Item) error {
	if err := s.Writable(); err != nil {
		return err
	}
	withTTL := false
	for _, it := range items {
		if err := validateKey(it.Key); err != nil {
			return err
		}
		if it.TTL < 0 {
			return backend.Invalid("ttl", "%s for key %q is negative", it.TTL, it.Key)
		}
		withTTL = withTTL || it.TTL > 0
	}
	h, err := s.writable(ctx, bucket)
	if err != nil {
		return err
	}
	cfg, err := s.config(ctx, h)
	if err != nil {
		return err
	}
	if withTTL && !cfg.AllowMsgTTL {
		return perKeyTTLOff(bucket)
	}
	prefix := s.writeSubject(h)

	futures := make([]jetstream.PubAckFuture, 0, min(len(items), bulkWindow))
	for start := 0; start < len(items); start += bulkWindow {
		futures = futures[:0]
		for _, it := range items[start:min(start+bulkWindow, len(items))] {
			m := natsgo.NewMsg(prefix + it.Key)
			m.Data = it.Value
			if it.TTL > 0 {
				m.Header.Set(jetstream.MsgTTLHeader, ttlHeader(it.TTL))
			}
			f, err := s.js.PublishMsgAsync(m)
			if err != nil {
				return s.writeError(h, it.Key, err)
			}
			futures = append(futures, f)
		}
		for _, f := range futures {
			select {
			case <-f.Ok():
			case err := <-f.Err():
				return fmt.Errorf("key %q: %w", f.Msg().Subject[len(prefix):], s.writeError(h, "", err))
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
	return nil
}
