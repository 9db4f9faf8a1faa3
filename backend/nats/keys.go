package nats

import (
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/kvdeck/kvdeck/backend"
	natsgo "github.com/nats-io/nats.go"
)

// DefaultBatchSize is how many keys Keys emits at a time unless asked.
const DefaultBatchSize = 1000

// firstBatchSize is the size of the first batch: a screenful, sent as soon
// as it is there, so the first rows draw before a whole batch arrived.
const firstBatchSize = 100

// flushInterval bounds how long listed keys wait in a partial batch when
// the server sends slowly, so the first rows draw at once.
const flushInterval = 50 * time.Millisecond

// listedKey is one key delivered by the listing consumer, or the end, or
// the error that ended it early.
type listedKey struct {
	info backend.KeyInfo
	seq  uint64 // the revision listed
	end  bool
	err  error
}

// Keys streams the live keys matching q.Pattern (subject wildcards).
//
// It is the mechanism of jetstream's KeyValue.ListKeys: an ordered push
// consumer delivering the last message per subject, headers only, ending
// when the consumer has nothing pending. Reading the messages itself
// rather than through ListKeys lets it fill each key's size and expiry
// from the headers at no extra cost (Nats-Msg-Size, Nats-TTL and the
// message time), skip delete markers, and stop the consumer at once when
// ctx is cancelled.
func (s *Store) Keys(ctx context.Context, bucket string, q backend.Query, emit func([]backend.KeyInfo) error) error {
	filter, err := keyFilter(q.Pattern)
	if err != nil {
		return err
	}
	h, cfg, err := s.bucketAndConfig(ctx, bucket)
	if err != nil {
		return err
	}
	if q.Type != backend.KindUnknown && q.Type != backend.KindString {
		return nil // every KV value is a string: a filter on another type lists nothing
	}
	batchSize := q.BatchSize
	if batchSize <= 0 {
		batchSize = DefaultBatchSize
	}
	l, stop, err := s.listLast(ctx, h, filter, cfg.MaxAge, batchSize)
	if err != nil {
		return err
	}
	defer stop()
	return l.collect(ctx, batchSize, emit)
}

// listLast starts delivering the latest live message of each key matching
// filter, headers only, into the returned listing's keys channel (buffer
// long), ending with an end marker. stop releases the consumer.
func (s *Store) listLast(ctx context.Context, h *bucketHandle, filter string, maxAge time.Duration, buffer int) (*keyListing, func(), error) {
	l := &keyListing{
		prefix: h.prefix,
		maxAge: maxAge,
		keys:   make(chan listedKey, buffer),
		stop:   make(chan struct{}),
	}
	l.mu.Lock()
	sub, err := s.legacy.Subscribe(h.prefix+filter, l.deliver,
		natsgo.BindStream(streamName(h.name)),
		natsgo.OrderedConsumer(),
		natsgo.DeliverLastPerSubject(),
		natsgo.HeadersOnly(),
		natsgo.Context(ctx),
	)
	if err != nil {
		l.mu.Unlock()
		close(l.stop)
		return nil, nil, s.writeError(h, "", err)
	}
	stop := func() {
		close(l.stop) // a blocked delivery gives up
		sub.Unsubscribe()
	}
	sub.SetClosedHandler(func(string) { l.closed() })
	pending, err := sub.InitialConsumerPending()
	if err != nil {
		l.mu.Unlock()
		stop()
		return nil, nil, describe(err)
	}
	l.initPending = pending
	if pending == 0 {
		l.finish()
	}
	l.mu.Unlock()
	return l, stop, nil
}

// keyListing turns consumer deliveries into KeyInfos on a channel.
type keyListing struct {
	prefix string
	maxAge time.Duration
	keys   chan listedKey
	stop   chan struct{}

	// mu orders deliveries after the initial pending count is known.
	mu          sync.Mutex
	initPending uint64
	received    uint64
	done        bool
}

// deliver runs on the subscription's goroutine for each message.
func (l *keyListing) deliver(m *natsgo.Msg) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.done {
		return
	}
	meta, err := m.Metadata()
	if err != nil || len(m.Subject) <= len(l.prefix) {
		return
	}
	l.received++
	if changeOf(m.Header) == backend.ChangePut {
		info := backend.KeyInfo{
			Name:      m.Subject[len(l.prefix):],
			Kind:      backend.KindString,
			ExpiresAt: expiresAt(m.Header, meta.Timestamp, l.maxAge),
			Size:      -1,
			HasMeta:   true,
		}
		if n, err := strconv.ParseInt(m.Header.Get(natsgo.MsgSize), 10, 64); err == nil {
			info.Size = n
		}
		select {
		case l.keys <- listedKey{info: info, seq: meta.Sequence.Stream}:
		case <-l.stop:
			l.done = true
			return
		}
	}
	// The listing ends with the snapshot the consumer started from: when
	// as many messages arrived as were pending, or none is pending.
	if l.received >= l.initPending || meta.NumPending == 0 {
		l.finish()
	}
}

// finish sends the end of the listing; mu is held.
func (l *keyListing) finish() {
	l.done = true
	select {
	case l.keys <- listedKey{end: true}:
	case <-l.stop:
	}
}

// closed reports a subscription closed under the listing (the store was
// closed); after the end or a cancellation nobody listens any more.
func (l *keyListing) closed() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.done {
		return
	}
	l.done = true
	select {
	case l.keys <- listedKey{err: describe(natsgo.ErrConnectionClosed)}:
	case <-l.stop:
	}
}

// collect emits keys in batches from the calling goroutine.
func (l *keyListing) collect(ctx context.Context, batchSize int, emit func([]backend.KeyInfo) error) error {
	batch := make([]backend.KeyInfo, 0, batchSize)
	limit := min(batchSize, firstBatchSize)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := emit(batch)
		// A new batch: emit keeps the last one.
		batch, limit = make([]backend.KeyInfo, 0, batchSize), batchSize
		return err
	}
	ticker := time.NewTicker(flushInterval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case k := <-l.keys:
			if k.err != nil {
				return k.err
			}
			if k.end {
				return flush()
			}
			batch = append(batch, k.info)
			if len(batch) >= limit {
				if err := flush(); err != nil {
					return err
				}
			}
		case <-ticker.C:
			if err := flush(); err != nil {
				return err
			}
		}
	}
}
