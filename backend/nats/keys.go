package nats

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/kvdeck/kvdeck/backend"
	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// DefaultBatchSize is how many keys Keys emits at a time unless asked.
const DefaultBatchSize = 1000

// firstBatchSize is the size of the first batch: a screenful, sent as soon
// as it is there, so the first rows draw before a whole batch arrived.
const firstBatchSize = 100

// flushInterval bounds how long listed keys wait in a partial batch when
// the server sends slowly, so the first rows draw at once.
const flushInterval = 50 * time.Millisecond

// A listing's consumer is a pull consumer: the server sends only what the
// client asked for, at most pullBatch messages not yet handled, and the
// keys of at most maxQueued full batches wait for the reader, so what a
// listing holds stays bounded however far the reader falls behind. A push
// consumer, as ListKeys uses, lets the server send up to its flow-control
// window of 32 MB however slowly the client reads: some 200,000 keys, each
// held as a parsed message of several hundred bytes.
//
// nats.go asks for more whenever fewer than pullAgain messages are
// outstanding, so the server, which sends a consumer's messages from one
// goroutine and sets the pace of a listing, has thousands in hand when the
// next request arrives late on a busy machine. (Listing a million keys on
// a busy two-core machine, asking at half of a 5,000 window was some 13%
// slower than the push consumer; this window and threshold kept its pace.)
const (
	pullBatch = 10_000
	pullAgain = 9_000
	maxQueued = 4
)

// deleteConsumerTimeout bounds the removal of a listing's consumer, which
// runs in the background once the listing is over: a stopped ordered
// consumer would otherwise stay on the server, with the sequences of the
// keys it had still to deliver, until its inactivity threshold (minutes).
const deleteConsumerTimeout = 5 * time.Second

// Keys streams the live keys matching q.Pattern (subject wildcards).
//
// It is the mechanism of jetstream's KeyValue.ListKeys, the latest message
// of each key, headers only, ending with the keys there were when the
// consumer started; but with an ordered pull consumer, which receives only
// what it asked for, rather than ListKeys' push consumer (see pullBatch).
// Reading the messages itself rather than through ListKeys lets it fill
// each key's size and expiry from the headers at no extra cost
// (Nats-Msg-Size, Nats-TTL and the message time), skip delete markers, and
// stop the consumer at once when ctx is cancelled.
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
	defer s.listings.enter(bucket)()
	l, stop, err := s.listLast(ctx, h, filter, cfg.MaxAge, batchSize, false)
	if err != nil {
		return err
	}
	defer stop()
	return l.collect(ctx, true, func(b keyBatch) error { return emit(b.keys) })
}

// listLast starts listing the latest live message of each key matching
// filter, headers only, in batches of size keys (with each key's revision
// when seqs is set), to be read with collect. stop releases the consumer.
func (s *Store) listLast(ctx context.Context, h *bucketHandle, filter string, maxAge time.Duration, size int, seqs bool) (*keyListing, func(), error) {
	return s.listLastOf(ctx, h, listSpec{filters: []string{filter}, maxAge: maxAge, size: size, seqs: seqs})
}

// listSpec says what listLastOf lists.
type listSpec struct {
	filters []string // key filters; several must not overlap
	maxAge  time.Duration
	size    int
	seqs    bool
	// stored sizes each key as its message is stored (subject, headers
	// and value; see storedSize) rather than by its value alone.
	stored bool
	// markers keeps the delete and purge markers (keyBatch.markers).
	markers bool
}

// listLastOf is listLast for every key matching any of spec's filters.
func (s *Store) listLastOf(ctx context.Context, h *bucketHandle, spec listSpec) (*keyListing, func(), error) {
	l := &keyListing{
		prefix:  h.prefix,
		maxAge:  spec.maxAge,
		size:    spec.size,
		seqs:    spec.seqs,
		stored:  spec.stored,
		markers: spec.markers,
		limit:   min(spec.size, firstBatchSize),
		ready:   make(chan struct{}, 1),
		room:    make(chan struct{}, 1),
		stop:    make(chan struct{}),
	}
	l.cur = l.newBatch()
	subjects := make([]string, len(spec.filters))
	for i, f := range spec.filters {
		subjects[i] = h.prefix + f
	}
	cons, err := h.stream.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{
		FilterSubjects: subjects,
		DeliverPolicy:  jetstream.DeliverLastPerSubjectPolicy,
		HeadersOnly:    true,
	})
	if err != nil {
		return nil, nil, s.writeError(h, "", err)
	}
	// The consumer's pending count when it was created is the snapshot
	// the listing ends with; the ordered consumer has just created it.
	l.initPending = cons.CachedInfo().NumPending
	remove := func() {
		name := cons.CachedInfo().Name
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), deleteConsumerTimeout)
			defer cancel()
			s.js.DeleteConsumer(ctx, streamName(h.name), name)
		}()
	}
	if l.initPending == 0 {
		l.end, l.done = true, true
		l.signal(l.ready)
		remove()
		return l, func() { close(l.stop) }, nil
	}
	cc, err := cons.Consume(l.deliver,
		jetstream.PullMaxMessages(pullBatch),
		jetstream.PullThresholdMessages(pullAgain),
		jetstream.ConsumeErrHandler(func(_ jetstream.ConsumeContext, err error) {
			// Other errors (missed heartbeats, a reconnection) make the
			// ordered consumer start again where it was; a closed
			// connection ends it.
			if errors.Is(err, jetstream.ErrConnectionClosed) {
				l.fail(describe(natsgo.ErrConnectionClosed))
			}
		}),
	)
	if err != nil {
		remove()
		return nil, nil, describe(err)
	}
	// A connection that drops ends the listing at once with that cause.
	// The client reconnects on its own, and the ordered consumer would
	// start again afterwards, but with the server gone for good the
	// listing waited for deliveries that never came until the caller gave
	// up 30 s later, with "context canceled" for a reason.
	lost := s.nc.StatusChanged(natsgo.DISCONNECTED, natsgo.RECONNECTING, natsgo.CLOSED)
	go func() {
		defer s.nc.RemoveStatusListener(lost)
		select {
		case <-lost:
			l.fail(s.connectionLost())
		case <-l.stop:
		}
	}()
	stop := func() {
		l.mu.Lock()
		l.done = true
		l.mu.Unlock()
		close(l.stop) // a delivery waiting for room gives up
		cc.Stop()
		remove()
	}
	return l, stop, nil
}

// connectionLost says that the connection to the server dropped, and why
// when the client knows.
func (s *Store) connectionLost() error {
	why := "the server closed it or went away"
	if err := s.nc.LastError(); err != nil {
		why = err.Error()
	}
	return fmt.Errorf("connection to %s lost (%s): %w", s.Info().Address, why, natsgo.ErrDisconnected)
}

// keyBatch is a run of listed keys, with their revisions when asked for.
type keyBatch struct {
	keys []backend.KeyInfo
	seqs []uint64
	// markers are the deleted keys whose latest revision is a delete or
	// purge marker, sized as stored, for listings that keep them.
	markers []backend.KeyInfo
}

// keyListing turns consumer deliveries into batches of KeyInfos for the
// reader: deliveries fill the current batch and queue it when full, the
// reader takes the queued batches, and the current one too when it has
// waited long enough.
type keyListing struct {
	prefix  string
	maxAge  time.Duration
	size    int  // keys in a full batch
	seqs    bool // record each key's revision
	stored  bool // size keys as stored (storedSize), not by value
	markers bool // keep delete and purge markers in the batches

	ready chan struct{} // a batch, the end or an error was queued
	room  chan struct{} // the reader took the queued batches
	stop  chan struct{} // closed when the listing is abandoned

	mu          sync.Mutex
	initPending uint64
	received    uint64
	cur         keyBatch // being filled
	limit       int      // the length at which cur is queued
	queue       []keyBatch
	end         bool  // all of the snapshot is queued
	err         error // the listing ended early
	done        bool  // deliveries are ignored
}

func (l *keyListing) newBatch() keyBatch {
	b := keyBatch{keys: make([]backend.KeyInfo, 0, l.limit)}
	if l.seqs {
		b.seqs = make([]uint64, 0, l.limit)
	}
	return b
}

// signal wakes whoever waits on c without ever blocking.
func (l *keyListing) signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// queueCur queues the current batch, if it has keys, and starts a new one
// of full size; mu is held.
func (l *keyListing) queueCur() {
	if len(l.cur.keys) == 0 && len(l.cur.markers) == 0 {
		return
	}
	l.queue = append(l.queue, l.cur)
	l.limit = l.size
	l.cur = l.newBatch()
}

// deliver runs on the consumer's goroutine for each message. While the
// reader is maxQueued batches behind it waits, and so pulls nothing more
// from the server.
func (l *keyListing) deliver(m jetstream.Msg) {
	l.mu.Lock()
	if l.done {
		l.mu.Unlock()
		return
	}
	meta, ok := parseAckReply(m.Reply())
	if !ok {
		full, err := m.Metadata()
		if err != nil {
			l.mu.Unlock()
			return
		}
		meta = ackMeta{streamSeq: full.Sequence.Stream, stored: full.Timestamp, pending: full.NumPending}
	}
	subject := m.Subject()
	if len(subject) <= len(l.prefix) {
		l.mu.Unlock()
		return
	}
	l.received++
	if hdr := m.Headers(); changeOf(hdr) == backend.ChangePut {
		info := backend.KeyInfo{
			Name:      subject[len(l.prefix):],
			Kind:      backend.KindString,
			ExpiresAt: expiresAt(hdr, meta.stored, l.maxAge),
			Size:      -1,
			HasMeta:   true,
		}
		if n, err := strconv.ParseInt(hdr.Get(natsgo.MsgSize), 10, 64); err == nil {
			info.Size = n
			if l.stored {
				info.Size = storedSize(subject, hdr, n)
			}
		}
		l.cur.keys = append(l.cur.keys, info)
		if l.seqs {
			l.cur.seqs = append(l.cur.seqs, meta.streamSeq)
		}
	} else if l.markers {
		// A marker has no value: its stored size is subject and headers.
		l.cur.markers = append(l.cur.markers, backend.KeyInfo{Name: subject[len(l.prefix):], Size: storedSize(subject, hdr, 0)})
	}
	// The listing ends with the snapshot the consumer started from: when
	// as many messages arrived as were pending, or none is pending.
	if l.received >= l.initPending || meta.pending == 0 {
		l.queueCur()
		l.end, l.done = true, true
		l.mu.Unlock()
		l.signal(l.ready)
		return
	}
	if len(l.cur.keys) < l.limit {
		l.mu.Unlock()
		return
	}
	l.queueCur()
	queued := len(l.queue)
	l.mu.Unlock()
	l.signal(l.ready)
	for queued >= maxQueued {
		select {
		case <-l.room:
		case <-l.stop:
			return
		}
		l.mu.Lock()
		queued = len(l.queue)
		l.mu.Unlock()
	}
}

// fail ends the listing early with err, unless it is over.
func (l *keyListing) fail(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.done {
		return
	}
	l.err, l.done = err, true
	l.signal(l.ready)
}

// next takes the queued batches, and with partial the batch being filled
// too; over says that the listing ended, with err when it ended early.
// Batches come in listing order.
func (l *keyListing) next(partial bool) (batches []keyBatch, over bool, err error) {
	l.mu.Lock()
	batches, l.queue = l.queue, nil
	if partial && len(l.cur.keys) > 0 {
		batches = append(batches, l.cur)
		l.limit = l.size
		l.cur = l.newBatch()
	}
	over, err = l.end || l.err != nil, l.err
	l.mu.Unlock()
	l.signal(l.room)
	return batches, over, err
}

// collect hands the listed batches to fn, in listing order, from the
// calling goroutine, until the listing ends, ctx ends or fn fails. With
// flush, keys wait at most flushInterval in a partial batch. A batch
// handed over is never touched again (fn owns it).
func (l *keyListing) collect(ctx context.Context, flush bool, fn func(keyBatch) error) error {
	var tick <-chan time.Time
	if flush {
		ticker := time.NewTicker(flushInterval)
		defer ticker.Stop()
		tick = ticker.C
	}
	for {
		partial := false
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-l.ready:
		case <-tick:
			partial = true
		}
		batches, over, err := l.next(partial)
		for _, b := range batches {
			if err := ctx.Err(); err != nil {
				return err // cancelled by an earlier batch: nothing more
			}
			if err := fn(b); err != nil {
				return err
			}
		}
		if over {
			return err
		}
	}
}
