package nats

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/nats-io/nats.go/jetstream"
)

// watchRetryWait is the pause before a watch whose consumer stopped is
// created again.
const watchRetryWait = time.Second

// Watch streams the changes to keys matching pattern made after it
// started: puts, deletes, purges, and expiries (the marker the server
// leaves when a per-key or bucket TTL removes a key's last revision).
// Expiries that leave no marker (an older revision becomes the key's value
// again, or the bucket leaves no markers) are reported too, by following
// the expiry instants of the keys' latest revisions (see expiryTracker):
// a put of the older revision now current, or an expiry.
//
// It reads the bucket through an ordered consumer, headers only. The
// consumer starts right after the stream's last message and always resumes
// after the last change it delivered, so after a reconnect, or when it has
// to be created again, the changes made in between arrive too. It returns
// nil when ctx is cancelled, and an error when the bucket goes away.
func (s *Store) Watch(ctx context.Context, bucket, pattern string, emit func(backend.Change)) error {
	filter, err := keyFilter(pattern)
	if err != nil {
		return err
	}
	h, err := s.bucket(ctx, bucket)
	if err != nil {
		return err
	}
	info, err := h.stream.Info(ctx)
	if err != nil {
		return s.bucketError(bucket, err)
	}
	var next atomic.Uint64
	next.Store(info.State.LastSeq + 1)

	// emit is called from the consumer and from the expiry tracker: one at
	// a time, and never after Watch returned.
	var emitMu sync.Mutex
	ended := false
	serial := func(c backend.Change) {
		emitMu.Lock()
		defer emitMu.Unlock()
		if !ended {
			emit(c)
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer func() {
		cancel()
		emitMu.Lock()
		ended = true
		emitMu.Unlock()
	}()
	var tracker *expiryTracker
	if cfg := info.Config; needsExpiryTracking(cfg.MaxAge, cfg.AllowMsgTTL, cfg.SubjectDeleteMarkerTTL, cfg.MaxMsgsPerSubject) {
		tracker = newExpiryTracker(s, h, cfg.MaxAge, serial)
		go tracker.run(ctx)
		go tracker.seed(ctx, filter)
	}

	for {
		err := s.watchFrom(ctx, h, h.prefix+filter, &next, serial, tracker)
		if ctx.Err() != nil {
			return nil
		}
		if errors.Is(err, backend.ErrNotFound) {
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(watchRetryWait):
		}
	}
}

// watchFrom runs one ordered consumer from sequence next until ctx ends,
// the consumer stops, or the stream is gone.
func (s *Store) watchFrom(ctx context.Context, h *bucketHandle, subject string, next *atomic.Uint64, emit func(backend.Change), tracker *expiryTracker) error {
	cons, err := s.js.OrderedConsumer(ctx, streamName(h.name), jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{subject},
		DeliverPolicy:  jetstream.DeliverByStartSequencePolicy,
		OptStartSeq:    next.Load(),
		HeadersOnly:    true,
	})
	if err != nil {
		return s.writeError(h, "", err)
	}
	gone := make(chan error, 1)
	cc, err := cons.Consume(func(m jetstream.Msg) {
		meta, err := m.Metadata()
		if err != nil {
			return
		}
		next.Store(meta.Sequence.Stream + 1)
		key := strings.TrimPrefix(m.Subject(), h.prefix)
		if tracker != nil {
			tracker.observe(key, meta.Sequence.Stream, m.Headers(), meta.Timestamp)
		}
		emit(backend.Change{
			Key:      key,
			Op:       changeOf(m.Headers()),
			Revision: meta.Sequence.Stream,
			Time:     meta.Timestamp,
		})
	}, jetstream.ConsumeErrHandler(func(_ jetstream.ConsumeContext, err error) {
		// The ordered consumer recreates itself after errors, for ever if
		// its stream is gone: find out whether it is (the error says only
		// that the consumer was deleted).
		go func() {
			checkCtx, cancel := context.WithTimeout(ctx, watchRetryWait*5)
			defer cancel()
			if _, err := s.js.Stream(checkCtx, streamName(h.name)); errors.Is(err, jetstream.ErrStreamNotFound) {
				select {
				case gone <- s.bucketError(h.name, err):
				default:
				}
			}
		}()
	}))
	if err != nil {
		return s.writeError(h, "", err)
	}
	defer cc.Stop()
	select {
	case <-ctx.Done():
		return nil
	case err := <-gone:
		return err
	case <-cc.Closed():
		return errors.New("watch consumer stopped")
	}
}
