package redis

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/kvdeck/kvdeck/backend"
)

// Watch follows keyspace notifications when the server already publishes
// them (notify-keyspace-events with K or E and some event classes).
// kvdeck never changes server configuration: without notifications this
// returns ErrUnsupported and the user refreshes by hand.
//
// In a Cluster each master publishes only its own keys' events, so Watch
// subscribes on every master it knows when it starts. go-redis resubscribes
// after a reconnect, so a restarted server keeps feeding the watch. emit is
// called from the calling goroutine only.
func (s *Store) Watch(ctx context.Context, bucket, pattern string, emit func(backend.Change)) error {
	c, err := s.bucketClient(bucket)
	if err != nil {
		return err
	}
	db := bucket
	if s.cluster {
		db = "0"
	}
	if pattern == "" {
		pattern = "*"
	}
	nodes, err := s.watchNodes(ctx, c)
	if err != nil {
		return err
	}
	ev := nodes[0].events
	for _, n := range nodes[1:] {
		ev = ev.and(n.events)
	}
	if !ev.keyspace && !ev.keyevent {
		return backendErr(backend.ErrUnsupported, "keyspace notifications are off on this server (notify-keyspace-events %q); kvdeck does not change it: refresh with r", nodes[0].events.flags)
	}
	// Keyspace channels carry the key in the channel name, so the server
	// filters by pattern; keyevent channels carry it in the payload, so
	// kvdeck filters.
	var channel string
	if ev.keyspace {
		channel = fmt.Sprintf("__keyspace@%s__:%s", db, pattern)
	} else {
		channel = fmt.Sprintf("__keyevent@%s__:*", db)
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	subs := make([]*goredis.PubSub, 0, len(nodes))
	defer func() {
		for _, sub := range subs {
			sub.Close()
		}
	}()
	for _, n := range nodes {
		sub := n.client.PSubscribe(ctx, channel)
		subs = append(subs, sub)
		// Wait for the subscription to be confirmed, so a change made
		// right after Watch starts is not missed and a dead server fails
		// here rather than silently.
		if _, err := sub.Receive(ctx); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return s.cmdErr(err, "")
		}
	}
	changes := make(chan backend.Change, 256)
	var wg sync.WaitGroup
	for _, sub := range subs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for m := range sub.Channel() {
				ch, ok := toChange(m, db, pattern, ev.keyspace)
				if !ok {
					continue
				}
				select {
				case changes <- ch:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	go func() { wg.Wait(); close(changes) }()
	for {
		select {
		case <-ctx.Done():
			return nil
		case ch, ok := <-changes:
			if !ok {
				return nil
			}
			emit(ch)
		}
	}
}

// watchNode is a server to subscribe on and what it publishes.
type watchNode struct {
	client goredis.UniversalClient
	events notifications
}

// watchNodes reads notify-keyspace-events on the server, or on every
// master of a Cluster.
func (s *Store) watchNodes(ctx context.Context, c goredis.UniversalClient) ([]watchNode, error) {
	read := func(ctx context.Context, n goredis.UniversalClient) (watchNode, error) {
		cfg, err := n.ConfigGet(ctx, "notify-keyspace-events").Result()
		if err != nil {
			if isCommandDenied(err) {
				return watchNode{}, backendErr(backend.ErrUnsupported, "live updates need CONFIG GET notify-keyspace-events, which this server forbids (%s)", firstLine(err))
			}
			return watchNode{}, s.cmdErr(err, "")
		}
		return watchNode{client: n, events: parseNotifications(cfg["notify-keyspace-events"])}, nil
	}
	cc, ok := c.(*goredis.ClusterClient)
	if !ok {
		n, err := read(ctx, c)
		return []watchNode{n}, err
	}
	var mu sync.Mutex
	var nodes []watchNode
	err := cc.ForEachMaster(ctx, func(ctx context.Context, m *goredis.Client) error {
		n, err := read(ctx, m)
		mu.Lock()
		nodes = append(nodes, n)
		mu.Unlock()
		return err
	})
	if err != nil {
		return nil, err
	}
	if len(nodes) == 0 {
		return nil, backendErr(backend.ErrUnsupported, "the Cluster reports no masters")
	}
	return nodes, nil
}

// notifications is what a server's notify-keyspace-events publishes.
type notifications struct {
	flags              string
	keyspace, keyevent bool
}

// parseNotifications reads a notify-keyspace-events value: K for keyspace
// channels, E for keyevent channels, and at least one event class (A, g,
// $, l, s, h, z, x, e, t, m, d, n) for anything to be published.
func parseNotifications(flags string) notifications {
	n := notifications{flags: flags}
	if !strings.ContainsAny(flags, "Ag$lshzxetmdn") {
		return n
	}
	n.keyspace = strings.Contains(flags, "K")
	n.keyevent = strings.Contains(flags, "E")
	return n
}

// and is what every node of a Cluster publishes.
func (n notifications) and(o notifications) notifications {
	return notifications{flags: n.flags, keyspace: n.keyspace && o.keyspace, keyevent: n.keyevent && o.keyevent}
}

// toChange maps a notification to a change.
func toChange(m *goredis.Message, db, pattern string, keyspace bool) (backend.Change, bool) {
	var key, event string
	if keyspace {
		key, event = strings.TrimPrefix(m.Channel, "__keyspace@"+db+"__:"), m.Payload
	} else {
		key, event = m.Payload, strings.TrimPrefix(m.Channel, "__keyevent@"+db+"__:")
		if !backend.MatchGlob(pattern, key) {
			return backend.Change{}, false
		}
	}
	op, ok := changeOp(event)
	if !ok {
		return backend.Change{}, false
	}
	return backend.Change{Key: key, Op: op, Time: time.Now()}, true
}

// changeOp maps a notification event to a change. A TTL set or removed
// (expire, persist) is a put: the value did not change but what the UI
// shows of the key did. "new" is skipped: the write that made the key
// follows with its own event.
func changeOp(event string) (backend.ChangeOp, bool) {
	switch event {
	case "del", "unlink", "rename_from", "move_from":
		return backend.ChangeDelete, true
	case "expired", "evicted":
		return backend.ChangeExpire, true
	case "new":
		return 0, false
	}
	return backend.ChangePut, true
}
