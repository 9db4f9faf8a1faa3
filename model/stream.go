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

// keyStream couples a running Store.Keys goroutine with the model: the
// goroutine appends to pending and signals; a re-armed Cmd takes everything
// pending in one message, so a fast store produces few, large messages and
// the UI never falls behind one message per batch.
type keyStream struct {
	mu      sync.Mutex
	pending []backend.KeyInfo
	done    bool
	err     error
	notify  chan struct{}
	cancel  context.CancelFunc
}

// startListing begins a listing and returns its stream and the first wait.
func startListing(s backend.Store, req uint64, bucket string, q backend.Query) (*keyStream, tea.Cmd) {
	ctx, cancel := context.WithCancel(context.Background())
	ks := &keyStream{notify: make(chan struct{}, 1), cancel: cancel}
	go ks.run(ctx, s, bucket, q)
	return ks, ks.wait(req)
}

func (ks *keyStream) run(ctx context.Context, s backend.Store, bucket string, q backend.Query) {
	idle := time.AfterFunc(listingIdleTimeout, ks.cancel)
	err := s.Keys(ctx, bucket, q, func(batch []backend.KeyInfo) error {
		idle.Reset(listingIdleTimeout)
		ks.mu.Lock()
		ks.pending = append(ks.pending, batch...)
		ks.mu.Unlock()
		ks.signal()
		return nil
	})
	idle.Stop()
	ks.mu.Lock()
	ks.done, ks.err = true, err
	ks.mu.Unlock()
	ks.signal()
}

func (ks *keyStream) signal() {
	select {
	case ks.notify <- struct{}{}:
	default:
	}
}

// wait is the Cmd that delivers the next chunk. It is not an outside wait:
// the listing goroutine signals within listingIdleTimeout, with keys, its
// end or its cancellation (stop), so the chunk always comes soon.
func (ks *keyStream) wait(req uint64) tea.Cmd {
	return func() tea.Msg {
		<-ks.notify
		ks.mu.Lock()
		keys := ks.pending
		ks.pending = nil
		done, err := ks.done, ks.err
		ks.mu.Unlock()
		return keysChunkMsg{req: req, keys: keys, done: done, err: err, stream: ks}
	}
}

// stop cancels the listing; its goroutine ends and its last message is
// dropped as stale.
func (ks *keyStream) stop() {
	if ks != nil {
		ks.cancel()
	}
}

// watchStream is the same coupling for a Watcher.
type watchStream struct {
	mu      sync.Mutex
	pending []backend.Change
	err     error
	done    bool
	notify  chan struct{}
	cancel  context.CancelFunc
}

func startWatch(w backend.Watcher, req uint64, bucket string) (*watchStream, tea.Cmd) {
	ctx, cancel := context.WithCancel(context.Background())
	ws := &watchStream{notify: make(chan struct{}, 1), cancel: cancel}
	go func() {
		err := w.Watch(ctx, bucket, "", func(c backend.Change) {
			ws.mu.Lock()
			ws.pending = append(ws.pending, c)
			ws.mu.Unlock()
			ws.signal()
		})
		ws.mu.Lock()
		ws.done, ws.err = true, err
		ws.mu.Unlock()
		ws.signal()
	}()
	return ws, ws.wait(req)
}

func (ws *watchStream) signal() {
	select {
	case ws.notify <- struct{}{}:
	default:
	}
}

// wait is the Cmd that delivers the next changes. It blocks until another
// client changes the bucket, which may be never, so it is an outside wait.
func (ws *watchStream) wait(req uint64) tea.Cmd {
	return awaitOutside(func() tea.Msg {
		<-ws.notify
		ws.mu.Lock()
		ch := ws.pending
		ws.pending = nil
		done, err := ws.done, ws.err
		ws.mu.Unlock()
		if done && err == nil {
			err = context.Canceled
		}
		if !done {
			err = nil
		}
		return watchMsg{req: req, changes: ch, err: err, stream: ws}
	})
}

func (ws *watchStream) stop() {
	if ws != nil {
		ws.cancel()
	}
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
