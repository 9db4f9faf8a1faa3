package model

import (
	"context"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/kvdeck/kvdeck/backend"
)

// listingIdleTimeout ends a listing whose store has sent nothing for this
// long: a whole listing of a million keys may take many seconds, so the
// timeout is on silence, not on the total.
const listingIdleTimeout = 30 * time.Second

// feed couples a producer goroutine (a listing, a watch, a value search)
// with the model: the producer pushes items and signals; a re-armed Cmd
// takes everything pending as one message, so a fast producer makes few,
// large messages and the UI never falls behind one message per batch. The
// producer starts from a Cmd (started), never in Update.
type feed[T any] struct {
	mu      sync.Mutex
	pending []T
	done    bool
	err     error
	notify  chan struct{}
	// finished is closed by the first finish: a message waiting out the
	// gap goes at once, so the end of a listing is never held back.
	finished chan struct{}
	cancel   context.CancelFunc
	// last is when the last message was taken (next spaces them).
	last time.Time
}

// feedGap is the least time between two messages of one feed while it is
// not done: each message costs an Update and a View (the whole screen
// rendered and compared), and a fast listing would otherwise make hundreds
// a second. At 33 ms the count still moves smoothly and keys wait at most
// two frames; a million-key listing took 0.67-0.78 s of kvdeck's CPU
// against 0.77-0.87 s at 16 ms (four runs each, 2026-11-30), CPU it shares
// with the server on a small machine. The last message is not held back
// (finished).
const feedGap = 33 * time.Millisecond

// newFeed makes a feed and the context its producer runs under; stop
// cancels it.
func newFeed[T any]() (*feed[T], context.Context) {
	ctx, cancel := context.WithCancel(context.Background())
	return &feed[T]{notify: make(chan struct{}, 1), finished: make(chan struct{}), cancel: cancel}, ctx
}

// push adds items for the next message.
func (f *feed[T]) push(items ...T) {
	f.mu.Lock()
	f.pending = append(f.pending, items...)
	f.mu.Unlock()
	f.signal()
}

// finish ends the feed with the producer's error (nil: complete).
func (f *feed[T]) finish(err error) {
	f.mu.Lock()
	if !f.done {
		close(f.finished)
	}
	f.done, f.err = true, err
	f.mu.Unlock()
	f.signal()
}

func (f *feed[T]) signal() {
	select {
	case f.notify <- struct{}{}:
	default:
	}
}

// next is the Cmd that waits for the producer's signal and makes one
// message of everything pending.
func (f *feed[T]) next(msg func(items []T, done bool, err error) tea.Msg) tea.Cmd {
	return func() tea.Msg {
		<-f.notify
		f.mu.Lock()
		wait := feedGap - time.Since(f.last)
		done := f.done
		f.mu.Unlock()
		if wait > 0 && !done {
			gap := time.NewTimer(wait)
			select {
			case <-gap.C:
			case <-f.finished:
				gap.Stop()
			}
		}
		f.mu.Lock()
		items, done, err := f.pending, f.done, f.err
		f.pending = nil
		f.last = time.Now()
		f.mu.Unlock()
		return msg(items, done, err)
	}
}

// stop cancels the producer; its goroutine ends and its last message is
// dropped as stale.
func (f *feed[T]) stop() {
	if f != nil {
		f.cancel()
	}
}

// started is a Cmd that starts produce in its own goroutine and then runs
// first (the first wait): goroutines start from Cmds, not in Update.
func started(produce func(), first tea.Cmd) tea.Cmd {
	return func() tea.Msg {
		go produce()
		return first()
	}
}

// keyStream is a listing's feed. Its items are the store's batches, kept
// as emitted (the store gives them up), so a key is never copied on its way
// to the key list.
type keyStream = feed[[]backend.KeyInfo]

// startListing begins a listing and returns its stream and the Cmd that
// starts it and waits for its first keys.
func startListing(s backend.Store, req uint64, bucket string, q backend.Query) (*keyStream, tea.Cmd) {
	ks, ctx := newFeed[[]backend.KeyInfo]()
	produce := func() {
		idle := time.AfterFunc(listingIdleTimeout, ks.cancel)
		err := s.Keys(ctx, bucket, q, func(batch []backend.KeyInfo) error {
			idle.Reset(listingIdleTimeout)
			ks.push(batch)
			return nil
		})
		idle.Stop()
		ks.finish(err)
	}
	return ks, started(produce, keysWait(ks, req))
}

// keysWait delivers the listing's next chunk. It is not an outside wait:
// the listing signals within listingIdleTimeout, with keys, its end or its
// cancellation (stop), so the chunk always comes soon.
func keysWait(ks *keyStream, req uint64) tea.Cmd {
	return ks.next(func(keys [][]backend.KeyInfo, done bool, err error) tea.Msg {
		return keysChunkMsg{req: req, batches: keys, done: done, err: err, stream: ks}
	})
}

// watchStream is a watch's feed.
type watchStream = feed[backend.Change]

func startWatch(w backend.Watcher, req uint64, bucket string) (*watchStream, tea.Cmd) {
	ws, ctx := newFeed[backend.Change]()
	produce := func() {
		ws.finish(w.Watch(ctx, bucket, "", func(c backend.Change) { ws.push(c) }))
	}
	return ws, started(produce, watchWait(ws, req))
}

// watchWait delivers the next changes. It blocks until another client
// changes the bucket, which may be never, so it is an outside wait.
func watchWait(ws *watchStream, req uint64) tea.Cmd {
	return awaitOutside(ws.next(func(ch []backend.Change, done bool, err error) tea.Msg {
		if done && err == nil {
			err = context.Canceled
		}
		if !done {
			err = nil
		}
		return watchMsg{req: req, changes: ch, err: err, stream: ws}
	}))
}

// outsideWait stands for a Cmd that blocks until something outside kvdeck
// happens: another client changes the watched bucket, or a second passes.
// Such a wait may never end, so it is not returned as a Cmd directly:
// awaitOutside returns a Cmd that answers at once with this message, and
// Update answers the message with the wait. The detour costs one message
// and lets a driver tell these waits from store calls and listing chunks,
// which answer soon: modeltest.Sim settles without waiting for them
// (through the OutsideWait method) yet delivers what they produce. A
// blocking wait returned without it makes the Sim's Settle fail, naming it.
type outsideWait struct {
	wait  tea.Cmd
	clock bool
}

// OutsideWait says whether the event waited for is the clock's next tick
// (modeltest.OutsideWait).
func (w outsideWait) OutsideWait() (clock bool) { return w.clock }

// awaitOutside marks wait as a wait on another client's change.
func awaitOutside(wait tea.Cmd) tea.Cmd {
	return func() tea.Msg { return outsideWait{wait: wait} }
}

// awaitClock marks wait as a wait on the clock.
func awaitClock(wait tea.Cmd) tea.Cmd {
	return func() tea.Msg { return outsideWait{wait: wait, clock: true} }
}
