package model

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/kvdeck/kvdeck/backend"
)

// A bulk action under way: a TTL on many keys (bulkttl.go) or a delete of
// many keys (bulkdelete.go). Both stream the store's batches through a
// feed, count what became of each key, show progress and rate, stop on
// esc, and end with a tally and an undo record.

// bulkBatch is how many keys one store call changes; bulkInFlight how
// many calls a run has under way at once.
const (
	bulkBatch    = 1000
	bulkInFlight = 4
)

// bulkRun is a bulk action under way; esc cancels it.
type bulkRun struct {
	stream  any // the feed, to drop a finished or replaced run's messages
	stop    func()
	total   int
	started time.Time
	tally   bulkTally
	// expiries undo a bulk TTL; copies a bulk delete (keptBytes is their
	// size, against bulkDeleteUndoBytes).
	expiries  []backend.ExpiryUndo
	copies    []backend.Snapshot
	keptBytes int64
	// stopped says why the run stopped before its end, when it stopped
	// itself (the undo budget).
	stopped string
}

// bulkTally counts the keys' outcomes.
type bulkTally struct {
	changed, skipped, gone, failed int
	firstErr, firstSkip            error
	// changedKeys are the keys changed, for the listing to follow.
	changedKeys []string
}

func (t *bulkTally) count(key string, o backend.BulkOutcome, err error) {
	switch o {
	case backend.BulkChanged:
		t.changed++
		t.changedKeys = append(t.changedKeys, key)
	case backend.BulkSkipped:
		t.skipped++
		if t.firstSkip == nil {
			t.firstSkip = err
		}
	case backend.BulkGone:
		t.gone++
	default:
		t.failed++
		if t.firstErr == nil {
			t.firstErr = err
		}
	}
}

func (t *bulkTally) done() int { return t.changed + t.skipped + t.gone + t.failed }

// bulkProgressMsg brings a run's results: fold adds them to the run (in
// Update: it only counts and appends), next waits for more.
type bulkProgressMsg struct {
	stream any
	fold   func(*bulkRun)
	next   tea.Cmd
	done   bool
	err    error
	finish func(a *App, b *bulkRun, err error) tea.Cmd
	label  string
}

// startBulk runs work over names, bulkBatch keys a call, bulkInFlight
// calls at once, each with the store timeout, and stops at the first
// batch error (a lost connection) or on esc; fold adds a batch's results
// to the run, finish makes the tally when it ends.
func startBulk[R any](a *App, names []string, label string, work func(ctx context.Context, batch []string) ([]R, error),
	fold func(b *bulkRun, rs []R), finish func(a *App, b *bulkRun, err error) tea.Cmd) tea.Cmd {
	st, ctx := newFeed[[]R]()
	timeout := a.opts.Timeout
	produce := func() {
		// bulkInFlight batches at a time: the server runs one script at a
		// time anyway, but the round trips and the client's encoding
		// overlap with its work instead of waiting for it.
		var wg sync.WaitGroup
		var mu sync.Mutex
		var firstErr error
		next := make(chan int)
		for range bulkInFlight {
			wg.Go(func() {
				for i := range next {
					// Not ctx: esc stops the feeding, and lets the
					// batches under way finish, so that what they
					// change is counted and can be undone (a cancelled
					// call's keys may be changed by the server all the
					// same, their answer lost).
					bctx, cancel := context.WithTimeout(context.Background(), timeout)
					res, err := work(bctx, names[i:min(i+bulkBatch, len(names))])
					cancel()
					if len(res) > 0 {
						st.push(res)
					}
					if err != nil {
						mu.Lock()
						firstErr = cmp.Or(firstErr, err)
						mu.Unlock()
					}
				}
			})
		}
	feed:
		for i := 0; i < len(names); i += bulkBatch {
			mu.Lock()
			failed := firstErr != nil
			mu.Unlock()
			if failed {
				break
			}
			select {
			case next <- i:
			case <-ctx.Done():
				break feed
			}
		}
		close(next)
		wg.Wait()
		if firstErr == nil {
			firstErr = ctx.Err()
		}
		st.finish(firstErr)
	}
	a.bulk = &bulkRun{stream: st, stop: st.stop, total: len(names), started: a.opts.Now()}
	return started(produce, bulkWait(st, label, fold, finish))
}

func bulkWait[R any](st *feed[[]R], label string, fold func(b *bulkRun, rs []R), finish func(a *App, b *bulkRun, err error) tea.Cmd) tea.Cmd {
	return st.next(func(batches [][]R, done bool, err error) tea.Msg {
		return bulkProgressMsg{stream: st, done: done, err: err, label: label, finish: finish,
			fold: func(b *bulkRun) {
				for _, rs := range batches {
					fold(b, rs)
				}
			},
			next: bulkWait(st, label, fold, finish)}
	})
}

func (a *App) bulkProgressed(msg bulkProgressMsg) tea.Cmd {
	if a.bulk == nil || a.bulk.stream != msg.stream {
		return nil
	}
	b := a.bulk
	msg.fold(b)
	if !msg.done {
		n := b.tally.done()
		rate := float64(n) / max(a.opts.Now().Sub(b.started).Seconds(), 0.001)
		a.inform(fmt.Sprintf("%s: %s of %s keys · %s keys/s · esc cancels", msg.label, humanCount(int64(n)), humanCount(int64(b.total)), humanCount(int64(rate))))
		return msg.next
	}
	a.bulk = nil
	return msg.finish(a, b, msg.err)
}

// stoppedBy ends a tally with why the run stopped: esc is no error.
func stoppedBy(text string, err error) (string, error) {
	switch {
	case err == nil:
		return text, nil
	case errors.Is(err, context.Canceled):
		return text + "; cancelled", nil
	}
	return text, fmt.Errorf("%s (stopped: %w)", text, err)
}

// cancelBulk stops a bulk run; what it did stays done (and undoable).
func (a *App) cancelBulk() {
	if a.bulk != nil {
		a.bulk.stop()
	}
}
