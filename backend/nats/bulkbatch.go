package nats

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"

	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// A bulk action (TTL, delete, their undo) runs its batch key by key, each
// key its own read and conditional write, several keys in flight at once;
// a failure of the connection, the server or the bucket ends the batch.

// bulkParallel bounds the keys of a bulk action in flight at once (each a
// direct get, then a publish).
const bulkParallel = 32

// eachKey runs one for keys 0..n-1, bulkParallel at a time, in order of
// index. The first batch error (see batchError) stops it: keys not started
// yet get stopped(i, err), and the error is returned with the results, so
// that the keys already changed can still be undone.
func eachKey[R any](n int, one func(i int) (R, error), stopped func(i int, err error) R) ([]R, error) {
	out := make([]R, n)
	done := make([]bool, n)
	var (
		next     atomic.Int64
		stop     atomic.Bool
		mu       sync.Mutex
		batchErr error
		wg       sync.WaitGroup
	)
	for range min(n, bulkParallel) {
		wg.Go(func() {
			for !stop.Load() {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				r, err := one(i)
				out[i], done[i] = r, true
				if err != nil {
					mu.Lock()
					if batchErr == nil {
						batchErr = err
					}
					mu.Unlock()
					stop.Store(true)
				}
			}
		})
	}
	wg.Wait()
	for i := range out {
		if !done[i] {
			out[i] = stopped(i, batchErr)
		}
	}
	return out, batchErr
}

// batchError tells a failure of the connection, the server or the bucket,
// which ends a batch, from one key's.
func batchError(err error) bool {
	for _, target := range []error{
		context.Canceled, context.DeadlineExceeded,
		natsgo.ErrTimeout, natsgo.ErrNoResponders, jetstream.ErrNoStreamResponse,
		natsgo.ErrConnectionClosed, natsgo.ErrConnectionReconnecting, natsgo.ErrDisconnected,
		natsgo.ErrConnectionDraining, natsgo.ErrReconnectBufExceeded,
		jetstream.ErrStreamNotFound, jetstream.ErrBucketNotFound,
	} {
		if errors.Is(err, target) {
			return true
		}
	}
	return false
}
