package redis

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/kvdeck/kvdeck/backend"
)

// Watch follows keyspace notifications when the server already publishes
// them (notify-keyspace-events with K and some event classes). kvdeck never
// changes server configuration: without notifications this returns
// ErrUnsupported and the user refreshes by hand.
func (s *Store) Watch(ctx context.Context, bucket, pattern string, emit func(backend.Change)) error {
	if s.cluster {
		return backendErr(backend.ErrUnsupported, "live updates in Cluster mode (notifications are per node)")
	}
	c, err := s.bucketClient(bucket)
	if err != nil {
		return err
	}
	cfg, err := c.ConfigGet(ctx, "notify-keyspace-events").Result()
	if err != nil {
		return backendErr(backend.ErrUnsupported, "cannot read notify-keyspace-events (%v)", err)
	}
	flags := cfg["notify-keyspace-events"]
	if !strings.Contains(flags, "K") || strings.Trim(flags, "KE") == "" {
		return backendErr(backend.ErrUnsupported, "keyspace notifications are off on this server; press r to refresh")
	}
	if pattern == "" {
		pattern = "*"
	}
	prefix := fmt.Sprintf("__keyspace@%s__:", bucket)
	sub := c.PSubscribe(ctx, prefix+pattern)
	defer sub.Close()
	ch := sub.Channel()
	for {
		select {
		case <-ctx.Done():
			return nil
		case m, ok := <-ch:
			if !ok {
				return nil
			}
			key := strings.TrimPrefix(m.Channel, prefix)
			op, ok := changeOp(m.Payload)
			if !ok {
				continue
			}
			emit(backend.Change{Key: key, Op: op, Time: time.Now()})
		}
	}
}

// changeOp maps a notification event to a change; events that only touch
// metadata (expire set, persist) are skipped.
func changeOp(event string) (backend.ChangeOp, bool) {
	switch event {
	case "del", "unlink", "rename_from", "move_from":
		return backend.ChangeDelete, true
	case "expired", "evicted":
		return backend.ChangeExpire, true
	case "expire", "persist", "new":
		return 0, false
	}
	return backend.ChangePut, true
}
