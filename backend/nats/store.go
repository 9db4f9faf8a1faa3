// Package nats is kvdeck's driver for NATS JetStream key-value buckets:
// buckets with their options, keys streamed with subject wildcards,
// revisions, history, per-key TTLs and live watches, over a connection
// that reconnects for ever.
package nats

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kvdeck/kvdeck/backend"
	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Store is an open NATS connection speaking kvdeck's store contract.
type Store struct {
	backend.Guard

	opts    Options
	address string

	nc        *natsgo.Conn
	js        jetstream.JetStream
	legacy    natsgo.JetStreamContext
	connected atomic.Bool

	mu      sync.Mutex
	buckets map[string]*bucketHandle

	listings listingGate

	// afterExpiryRead, set by tests only, runs in a bulk TTL action
	// between the read of a key and its write: a second writer's slot.
	afterExpiryRead func(key string)
	// afterDeleteRead, set by tests only, runs in a bulk delete or its
	// undo between the read of a key and its write.
	afterDeleteRead func(key string)
	// afterWriteRead, set by tests only, runs in WriteRecords between the
	// read of a key and its conditional publish.
	afterWriteRead func(key string)
}

// The capabilities the NATS driver offers.
var (
	_ backend.Store        = (*Store)(nil)
	_ backend.BucketAdmin  = (*Store)(nil)
	_ backend.Historian    = (*Store)(nil)
	_ backend.Purger       = (*Store)(nil)
	_ backend.Watcher      = (*Store)(nil)
	_ backend.Connectivity = (*Store)(nil)
	_ backend.BulkLoader   = (*Store)(nil)
	_ backend.Restorer     = (*Store)(nil)
)

// Info describes the connection; the address never shows a secret.
func (s *Store) Info() backend.Info {
	return backend.Info{
		Kind:        "nats",
		Address:     s.address,
		ReadOnly:    s.ReadOnly,
		Delimiter:   ".",
		PatternHelp: "subject wildcards: * one token, > the rest (orders.*.state, orders.>)",
		Pattern:     backend.PatternSubject,
		// An expired revision leaves the older kept ones, which the server
		// then returns as the value.
		ExpiryUncoversHistory: true,
	}
}

// Connected reports whether the client is connected right now; while it
// is not, it keeps reconnecting.
func (s *Store) Connected() bool { return s.connected.Load() }

// Reconnect says whether the client, which reconnects by itself every
// reconnectWait, is connected. It does not force a reconnect: one asked
// for just as the client got through dropped that fresh connection.
func (s *Store) Reconnect(ctx context.Context) error {
	if s.nc.IsConnected() {
		s.connected.Store(true)
		return nil
	}
	if s.nc.IsClosed() {
		return describe(natsgo.ErrConnectionClosed)
	}
	return fmt.Errorf("%s: not connected yet (the client retries every %s): %w", s.Info().Address, reconnectWait, natsgo.ErrDisconnected)
}

// Close closes the connection.
func (s *Store) Close() error {
	s.nc.Close()
	return nil
}

// configTTL is how long a bucket's cached configuration is trusted: the
// TTL settings it holds change rarely, and Get must not pay a second round
// trip for them.
const configTTL = 10 * time.Second

// bucketHandle caches what kvdeck needs to work in one bucket.
type bucketHandle struct {
	name   string
	kv     jetstream.KeyValue
	stream jetstream.Stream
	// prefix is the subject prefix of the bucket's keys as stored in its
	// stream: "$KV.<bucket>.", or the origin's for a mirror, whose stream
	// keeps the subjects of the messages it copies.
	prefix string
	// readOnly says why the bucket refuses writes ("" = writable): a
	// mirror, which only its origin changes.
	readOnly string

	mu      sync.Mutex
	cfg     jetstream.StreamConfig
	fetched time.Time
}

// bucket returns the handle of an existing bucket, ErrNotFound otherwise.
func (s *Store) bucket(ctx context.Context, name string) (*bucketHandle, error) {
	if err := backend.ValidateBucketName(name); err != nil {
		return nil, err
	}
	s.mu.Lock()
	h := s.buckets[name]
	s.mu.Unlock()
	if h != nil {
		return h, nil
	}

	kv, err := s.js.KeyValue(ctx, name)
	if err != nil {
		return nil, s.bucketError(name, err)
	}
	stream, err := s.js.Stream(ctx, streamName(name))
	if err != nil {
		return nil, s.bucketError(name, err)
	}
	cfg := stream.CachedInfo().Config
	h = &bucketHandle{
		name:     name,
		kv:       kv,
		stream:   stream,
		prefix:   keyPrefix(cfg),
		readOnly: mirrorReason(cfg),
		cfg:      cfg,
		fetched:  time.Now(),
	}
	s.mu.Lock()
	if cached := s.buckets[name]; cached != nil {
		h = cached
	} else {
		s.buckets[name] = h
	}
	s.mu.Unlock()
	return h, nil
}

// forget drops a cached bucket, after it was deleted or edited.
func (s *Store) forget(name string) {
	s.mu.Lock()
	delete(s.buckets, name)
	s.mu.Unlock()
}

// bucketError maps a failed bucket lookup: a missing bucket is ErrNotFound
// and is dropped from the cache.
func (s *Store) bucketError(name string, err error) error {
	if errors.Is(err, jetstream.ErrBucketNotFound) || errors.Is(err, jetstream.ErrStreamNotFound) {
		s.forget(name)
		return &storeError{msg: fmt.Sprintf("bucket %q not found", name), kind: backend.ErrNotFound, cause: err}
	}
	if errors.Is(err, jetstream.ErrBadBucket) {
		return &storeError{msg: fmt.Sprintf("stream %s is not a KV bucket", streamName(name)), kind: backend.ErrUnsupported, cause: err}
	}
	return describe(err)
}

// bucketAndConfig opens a bucket and reads its (cached) configuration, which
// every write and listing needs for its TTL rules.
func (s *Store) bucketAndConfig(ctx context.Context, name string) (*bucketHandle, jetstream.StreamConfig, error) {
	h, err := s.bucket(ctx, name)
	if err != nil {
		return nil, jetstream.StreamConfig{}, err
	}
	cfg, err := s.config(ctx, h)
	return h, cfg, err
}

// config returns the bucket's stream configuration, refreshed when the
// cached copy is old.
func (s *Store) config(ctx context.Context, h *bucketHandle) (jetstream.StreamConfig, error) {
	return s.configWithin(ctx, h, configTTL)
}

// freshConfig reads the bucket's stream configuration from the server.
// Calls that set a TTL use it: the TTL rules they check (the bucket's TTL,
// its marker TTL) must be the server's now, not as cached.
func (s *Store) freshConfig(ctx context.Context, h *bucketHandle) (jetstream.StreamConfig, error) {
	return s.configWithin(ctx, h, 0)
}

func (s *Store) configWithin(ctx context.Context, h *bucketHandle, maxAge time.Duration) (jetstream.StreamConfig, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if maxAge > 0 && time.Since(h.fetched) < maxAge {
		return h.cfg, nil
	}
	info, err := h.stream.Info(ctx)
	if err != nil {
		return jetstream.StreamConfig{}, s.bucketError(h.name, err)
	}
	h.cfg, h.fetched = info.Config, time.Now()
	return h.cfg, nil
}

// writable opens a bucket for a write: ErrReadOnly for a mirror, with the
// reason.
func (s *Store) writable(ctx context.Context, name string) (*bucketHandle, error) {
	h, err := s.bucket(ctx, name)
	if err != nil {
		return nil, err
	}
	if h.readOnly != "" {
		return nil, readOnlyBucket(name, h.readOnly)
	}
	return h, nil
}

func readOnlyBucket(name, reason string) error {
	return &storeError{msg: fmt.Sprintf("bucket %s is read-only: %s", name, reason), kind: backend.ErrReadOnly}
}

func streamName(bucket string) string { return "KV_" + bucket }

// keyPrefix is the subject prefix of the keys stored in a KV stream. A
// mirror keeps the subjects of its origin ("$KV.<origin>."), unless a
// subject transform of the mirror maps them elsewhere.
func keyPrefix(cfg jetstream.StreamConfig) string {
	m := cfg.Mirror
	if m == nil {
		return "$KV." + strings.TrimPrefix(cfg.Name, "KV_") + "."
	}
	origin := "$KV." + strings.TrimPrefix(m.Name, "KV_") + "."
	for _, tr := range m.SubjectTransforms {
		if tr.Source == origin+">" && strings.HasSuffix(tr.Destination, ".>") {
			return strings.TrimSuffix(tr.Destination, ">")
		}
	}
	return origin
}

// mirrorReason is why a mirror bucket refuses writes, "" for a bucket that
// is not a mirror. kvdeck never writes through a mirror to its origin (as
// nats.go's KeyValue does): the revisions the user saw are the mirror's,
// not the origin's, so no write could be conditional on them.
func mirrorReason(cfg jetstream.StreamConfig) string {
	m := cfg.Mirror
	if m == nil {
		return ""
	}
	origin := strings.TrimPrefix(m.Name, "KV_")
	if ext := m.External; ext != nil && ext.APIPrefix != "" {
		return fmt.Sprintf("mirror of %s (via %s): edit the origin bucket", origin, ext.APIPrefix)
	}
	return fmt.Sprintf("mirror of %s: edit the origin bucket", origin)
}
