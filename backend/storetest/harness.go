// Package storetest is the conformance suite every kvdeck driver runs
// against a real store: Run(t, harness) from the driver's own test.
package storetest

import (
	"testing"
	"time"

	"github.com/kvdeck/kvdeck/backend"
)

// Harness tells the suite how to get a fresh store and what the store's
// rules are.
type Harness struct {
	// New prepares a fresh, empty environment and returns an opener for it
	// and the name of an existing, empty bucket to work in. Each call of
	// open returns a new handle on the same data; the suite closes a handle
	// before it opens the next one (bbolt allows one writer per file).
	// Buckets must allow per-key TTLs (NATS: LimitMarkerTTL) and keep at
	// least 5 revisions of history where the store has history.
	New func(t *testing.T) (open func(readOnly bool) backend.Store, bucket string)

	// PrefixPattern returns the pattern that matches every key starting
	// with prefix (which ends in "."): prefix+"*" for globs, prefix+">" for
	// NATS subjects.
	PrefixPattern func(prefix string) string

	// RestrictedKeys is set when the store refuses keys with spaces, unicode
	// or control bytes (NATS); the suite then expects ErrInvalid for them
	// instead of a round trip.
	RestrictedKeys bool

	// TTLGranularity is the smallest TTL the store honours (NATS: 1s).
	TTLGranularity time.Duration

	// Other returns a second writer on the bucket New returned last, for
	// the second-writer and randomized groups. The local store's Other opens
	// the bbolt file itself for each call, as another program would.
	Other func(t *testing.T, bucket string) Other
}

// Other is a second writer: the store's own client library (go-redis,
// nats.go, bbolt), never kvdeck's driver, working on the same bucket. The
// suite uses it to change a key between kvdeck's read and kvdeck's write,
// and to check afterwards what the store really holds.
type Other interface {
	// Set writes value, replacing whatever the key holds (keeping nothing
	// of its TTL unless the store ties a TTL to the key rather than the
	// value).
	Set(t *testing.T, key string, value []byte)
	// Get reads the key's value; ok is false when it is missing or expired.
	Get(t *testing.T, key string) (value []byte, ok bool)
	// Delete removes the key.
	Delete(t *testing.T, key string)
}
