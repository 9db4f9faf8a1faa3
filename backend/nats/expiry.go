package nats

import (
	"container/heap"
	"context"
	"strings"
	"sync"
	"time"

	"github.com/kvdeck/kvdeck/backend"
	natsgo "github.com/nats-io/nats.go"
)

// When a key's latest revision expires, the server leaves a marker only if
// no older revision of the key remains and the bucket has a marker TTL.
// Otherwise the revision just goes: an older revision is the key's value
// again, or the key is gone, and the stream has no message that says so.
// A watch therefore keeps the expiry instant of each key's latest revision
// it knows of and, once it has passed, reads what the key holds and reports
// it: a put of the older revision now current, or an expiry.

// Bounds of the expiry tracking of one watch.
const (
	// maxTracked bounds how many keys a watch follows; keys past it are
	// not followed (their expiry still shows when a marker is left).
	maxTracked = 100_000
	// expiryRecheck is how often a key whose expiry instant passed is read
	// again while the server has not removed the revision yet (it removes
	// expired messages on its own clock).
	expiryRecheck = 250 * time.Millisecond
	// expiryGiveUp bounds that wait.
	expiryGiveUp = 30 * time.Second
	// expiryReadTimeout bounds one read of a key.
	expiryReadTimeout = 5 * time.Second
)

// needsExpiryTracking tells whether revisions in this bucket can expire
// without a marker: anything with a TTL, except a bucket that leaves
// markers and keeps one revision per key (there no older revision can
// remain, so an expiry always leaves a marker).
func needsExpiryTracking(maxAge time.Duration, allowTTL bool, marker time.Duration, history int64) bool {
	if maxAge <= 0 && !allowTTL {
		return false
	}
	return !(marker > 0 && history == 1)
}

// tracked is a key's latest revision known to the watch with its expiry
// instant, queued by when to read the key next. Instants are Unix
// nanoseconds: a watch may follow maxTracked keys, and two time.Time
// would make each entry 32 bytes larger.
type tracked struct {
	key   string
	seq   uint64
	at    int64 // the revision's expiry instant
	check int64 // when to read the key
	index int   // in the queue
}

// expiryTracker follows the expiry of the latest revision of each key: at
// most one entry per key, so its size is bounded by maxTracked whatever
// the rate of writes.
type expiryTracker struct {
	s      *Store
	h      *bucketHandle
	maxAge time.Duration
	emit   func(backend.Change)

	mu    sync.Mutex
	keys  map[string]*tracked
	queue expiryQueue
	wake  chan struct{}
}

func newExpiryTracker(s *Store, h *bucketHandle, maxAge time.Duration, emit func(backend.Change)) *expiryTracker {
	return &expiryTracker{s: s, h: h, maxAge: maxAge, emit: emit, keys: map[string]*tracked{}, wake: make(chan struct{}, 1)}
}

// observe records a message the watch saw for key (or listed at start).
func (t *expiryTracker) observe(key string, seq uint64, hdr natsgo.Header, created time.Time) {
	var at time.Time
	if changeOf(hdr) == backend.ChangePut {
		at = expiresAt(hdr, created, t.maxAge)
	}
	t.observeAt(key, seq, at)
}

// observeAt records that key's revision seq expires at at (zero: never),
// unless a newer revision is known.
func (t *expiryTracker) observeAt(key string, seq uint64, at time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if cur, ok := t.keys[key]; ok && cur.seq >= seq {
		return
	}
	t.set(key, seq, at)
}

// seed follows the keys matching filter that expire, from a listing of
// their latest revisions taken after the watch started (the watch reports
// every change since its start, so nothing falls between the two). The
// listing waits while Keys lists the bucket (see listingGate), before it
// starts and between batches; meanwhile the watch still reports what it
// sees, and a key whose expiry passed while it waited is read as soon as
// it is followed.
func (t *expiryTracker) seed(ctx context.Context, filter string) {
	if t.s.listings.wait(ctx, t.h.name) != nil {
		return
	}
	l, stop, err := t.s.listLast(ctx, t.h, filter, t.maxAge, DefaultBatchSize, true)
	if err != nil {
		return // the watch still reports what it sees from now on
	}
	defer stop()
	l.collect(ctx, false, func(b keyBatch) error {
		for i, k := range b.keys {
			if !k.ExpiresAt.IsZero() {
				t.observeAt(k.Name, b.seqs[i], k.ExpiresAt)
			}
		}
		return t.s.listings.wait(ctx, t.h.name)
	})
}

// set follows key at revision seq expiring at at (zero: not at all); mu
// is held.
func (t *expiryTracker) set(key string, seq uint64, at time.Time) {
	cur, ok := t.keys[key]
	switch {
	case at.IsZero():
		if ok {
			heap.Remove(&t.queue, cur.index)
			delete(t.keys, key)
		}
		return
	case ok:
		cur.seq, cur.at, cur.check = seq, at.UnixNano(), at.UnixNano()
		heap.Fix(&t.queue, cur.index)
	case len(t.keys) >= maxTracked:
		return
	default:
		// The key's own copy: a name cut from a message's subject would
		// keep the whole subject.
		key = strings.Clone(key)
		cur = &tracked{key: key, seq: seq, at: at.UnixNano(), check: at.UnixNano()}
		t.keys[key] = cur
		heap.Push(&t.queue, cur)
	}
	select {
	case t.wake <- struct{}{}:
	default:
	}
}

// run checks keys as their expiry instants pass, until ctx ends.
func (t *expiryTracker) run(ctx context.Context) {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		t.mu.Lock()
		wait := time.Hour
		if len(t.queue) > 0 {
			wait = time.Until(time.Unix(0, t.queue[0].check))
		}
		t.mu.Unlock()
		timer.Reset(max(wait, 0))
		select {
		case <-ctx.Done():
			return
		case <-t.wake:
			continue
		case <-timer.C:
		}
		for ctx.Err() == nil {
			t.mu.Lock()
			if len(t.queue) == 0 || t.queue[0].check > time.Now().UnixNano() {
				t.mu.Unlock()
				break
			}
			due := *t.queue[0]
			// Not before the next recheck unless something changes.
			t.queue[0].check = time.Now().Add(expiryRecheck).UnixNano()
			heap.Fix(&t.queue, 0)
			t.mu.Unlock()
			t.check(ctx, due)
		}
	}
}

// check reads a key whose tracked revision's expiry has passed and reports
// what it holds now; while the revision is still there (the server removes
// expired messages on its own clock) the key stays queued for a recheck,
// for at most expiryGiveUp.
func (t *expiryTracker) check(ctx context.Context, due tracked) {
	readCtx, cancel := context.WithTimeout(ctx, expiryReadTimeout)
	msg, err := t.s.lastMessage(readCtx, t.h, due.key)
	cancel()
	t.mu.Lock()
	cur, ok := t.keys[due.key]
	if !ok || cur.seq != due.seq {
		t.mu.Unlock()
		return // a newer message came meanwhile; the watch reports it
	}
	at := time.Unix(0, due.at)
	if err != nil || (msg != nil && msg.Sequence == due.seq) {
		if time.Since(at) >= expiryGiveUp {
			t.set(due.key, due.seq, time.Time{})
		}
		t.mu.Unlock()
		return
	}
	var change *backend.Change
	switch {
	case msg != nil && msg.Sequence > due.seq:
		// A newer message: the consumer delivers it.
		t.set(due.key, 0, time.Time{})
	case msg != nil && changeOf(msg.Header) == backend.ChangePut:
		change = &backend.Change{Key: due.key, Op: backend.ChangePut, Revision: msg.Sequence, Time: at}
		// The older revision may expire in its turn.
		t.set(due.key, msg.Sequence, expiresAt(msg.Header, msg.Time, t.maxAge))
	default:
		change = &backend.Change{Key: due.key, Op: backend.ChangeExpire, Revision: due.seq, Time: at}
		t.set(due.key, 0, time.Time{})
	}
	t.mu.Unlock()
	if change != nil {
		t.emit(*change)
	}
}

type expiryQueue []*tracked

func (q expiryQueue) Len() int           { return len(q) }
func (q expiryQueue) Less(i, j int) bool { return q[i].check < q[j].check }
func (q expiryQueue) Swap(i, j int) {
	q[i], q[j] = q[j], q[i]
	q[i].index, q[j].index = i, j
}
func (q *expiryQueue) Push(x any) {
	it := x.(*tracked)
	it.index = len(*q)
	*q = append(*q, it)
}
func (q *expiryQueue) Pop() any {
	old := *q
	it := old[len(old)-1]
	*q = old[:len(old)-1]
	return it
}
