// Package backend is kvdeck's store contract: the types every driver speaks,
// the typed errors the UI understands, and the optional capabilities a store
// may offer. It imports only the standard library, so nothing here knows
// about the terminal or about any particular client library.
package backend

import (
	"context"
	"time"
)

// Store is the contract every driver (local, redis, nats) implements.
//
// All methods take a context; drivers must return promptly once it is
// cancelled. Write methods must return ErrReadOnly when the store was opened
// read-only (see Guard): read-only is enforced here, never only in the UI.
type Store interface {
	// Info describes the store for the header and status bar. It does no I/O.
	Info() Info

	// Buckets lists the store's buckets: Redis logical databases, NATS KV
	// buckets, bbolt buckets (nested buckets as slash-joined paths).
	Buckets(ctx context.Context) ([]Bucket, error)

	// Keys streams the keys of bucket that match q, in batches, by calling
	// emit from the calling goroutine. It returns nil once the store is
	// exhausted, ctx.Err() when cancelled, or the error emit returned.
	// emit owns each batch: a driver never touches a batch again after
	// passing it, so the caller keeps it as it is (a listing of a million
	// keys would otherwise copy every key once more). Drivers never use
	// Redis KEYS and never make a round trip per key while listing.
	Keys(ctx context.Context, bucket string, q Query, emit func([]KeyInfo) error) error

	// Get reads one entry. Values larger than opts.MaxBytes come back as a
	// prefix with Entry.Truncated set. A missing or expired key is ErrNotFound.
	Get(ctx context.Context, bucket, key string, opts GetOptions) (Entry, error)

	// Put writes a string-like value and returns the version the key holds
	// after it (what a later conditional write or an undo compares against).
	// With opts.IfVersion set, a value that changed since it was read is
	// ErrConflict, never a silent overwrite, and writing back exactly the
	// value read writes nothing: the same version comes back and the TTL and
	// revision are untouched. With opts.IfAbsent, an existing key is
	// ErrConflict. The key's TTL is kept unless opts.TTL says otherwise.
	Put(ctx context.Context, bucket, key string, value []byte, opts PutOptions) (string, error)

	// Delete removes a key. With opts.IfVersion set (an Entry.Version, or a
	// Snapshot.Version for a key of any type), a changed value is
	// ErrConflict. A missing key is ErrNotFound.
	Delete(ctx context.Context, bucket, key string, opts DeleteOptions) error

	// Expire sets the key's TTL to ttl from now; 0 removes the TTL (persist).
	// Calling it again with the same ttl refreshes the expiry. It applies to
	// the key as it is now: where a TTL is stored with the value (NATS, the
	// local store) it is bound to the current value in the same atomic write,
	// so another client's newer value is kept, never replaced by an old one.
	// A missing key is ErrNotFound.
	Expire(ctx context.Context, bucket, key string, ttl time.Duration) error

	// Close releases connections and files.
	Close() error
}

// Info describes an open store. Address never contains a secret.
type Info struct {
	Kind        string // "local", "redis", "nats"
	Address     string // URL or path with any password masked
	ReadOnly    bool
	Delimiter   string // default delimiter for the key tree
	PatternHelp string // what Query.Pattern means here, for the search prompt
	// Bucket is the bucket the target itself names (the database of
	// redis://host/3), which the UI opens unless told another; "" for none.
	Bucket string
	// Pattern is the language of Query.Pattern.
	Pattern PatternSyntax
	// TypedKeys: keys have types other than string (Redis), so a listing
	// can be filtered by type (Query.Type).
	TypedKeys bool
	// ExpiryUncoversHistory: when a key's latest revision expires, an older
	// kept revision becomes its value again (NATS), which the TTL dialog
	// warns about in buckets that keep history.
	ExpiryUncoversHistory bool
}

// PatternSyntax is a store's pattern language.
type PatternSyntax uint8

const (
	// PatternGlob: * any run, ? one character, [abc] a class (Redis, local).
	PatternGlob PatternSyntax = iota
	// PatternSubject: NATS subject wildcards, * one token, > the rest.
	PatternSubject
)

// Match reports whether name matches pattern in this language ("" matches
// everything), for keys that arrive outside a listing (watch, create).
func (p PatternSyntax) Match(pattern, name string) bool {
	switch {
	case pattern == "":
		return true
	case p == PatternSubject:
		return MatchSubject(pattern, name)
	}
	return MatchGlob(pattern, name)
}

// Validate refuses a pattern this language cannot mean as typed.
func (p PatternSyntax) Validate(pattern string) error {
	if p == PatternSubject {
		return ValidateSubject(pattern)
	}
	return ValidateGlob(pattern)
}

// Bucket is one namespace of keys.
type Bucket struct {
	Name string
	// Keys is the number of live keys, or -1 when the store cannot say cheaply.
	Keys int64
	// Bytes is the stored size, or -1 when unknown.
	Bytes int64
	// Description is a one-line description when the store keeps one.
	Description string
	// Status lists store-specific facts (history, TTL, storage, replicas...)
	// in display order.
	Status []Field
	// Config is the bucket's editable configuration when the store has one.
	Config *BucketConfig
	// ReadOnly says why the bucket refuses writes ("" = writable), e.g. a
	// NATS mirror, which only its origin can change.
	ReadOnly string
}

// Field is one labelled fact for display.
type Field struct {
	Name  string
	Value string
}

// Query selects keys for a listing.
type Query struct {
	// Pattern is a glob (local, redis) or subject wildcard (nats); "" is all.
	Pattern string
	// Type filters by kind where the store supports it (Redis SCAN TYPE);
	// KindUnknown means every type.
	Type Kind
	// BatchSize is a hint for the size of each emitted batch and of each
	// server round trip (Redis SCAN COUNT). 0 picks the driver's default.
	BatchSize int
}

// KeyInfo is one listed key. Kind, ExpiresAt and Size are filled only where
// the store has them cheaply during a listing; Describer fills them later.
type KeyInfo struct {
	Name string
	Kind Kind
	// ExpiresAt is when the key expires; zero means no TTL or not known
	// (see HasMeta).
	ExpiresAt time.Time
	// Size is the value size in bytes (or elements for collections), -1 if
	// unknown.
	Size int64
	// HasMeta tells whether Kind, ExpiresAt and Size were filled.
	HasMeta bool
}

// GetOptions bounds a read.
type GetOptions struct {
	// MaxBytes bounds the value returned; 0 means DefaultPreviewBytes and a
	// negative value means the whole value.
	MaxBytes int64
}

// DefaultPreviewBytes is how much of a value Get returns unless asked for more.
const DefaultPreviewBytes = 512 << 10

// Limit returns the effective byte bound of o (-1 for unbounded).
func (o GetOptions) Limit() int64 {
	switch {
	case o.MaxBytes == 0:
		return DefaultPreviewBytes
	case o.MaxBytes < 0:
		return -1
	}
	return o.MaxBytes
}

// Entry is one key's value and metadata.
type Entry struct {
	Key  string
	Kind Kind
	// Value is the raw value for string-like kinds (string, json), bounded by
	// GetOptions. For collections it is empty: page with Collections.
	Value []byte
	// Truncated is set when Value is a prefix of a larger value.
	Truncated bool
	// Size is the full value size in bytes (string-like kinds) or the number
	// of elements (collections).
	Size int64
	// Version is an opaque token of the value read (a revision, or a
	// fingerprint of the bytes); pass it back in PutOptions.IfVersion.
	Version string
	// Revision is the store's revision number, 0 where there is none.
	Revision uint64
	// Created is when this revision was written; zero if unknown.
	Created time.Time
	// ExpiresAt is when the key expires; zero means never.
	ExpiresAt time.Time
	// TTL is the key's configured time to live when the store remembers it
	// (local, NATS per-key TTL), so "refresh" can re-apply it; 0 if unknown.
	TTL time.Duration
	// WriteRestartsTTL is set when any write restarts the key's expiry (a
	// NATS bucket-wide TTL where per-key TTLs are off): an edit cannot keep
	// the expiry instant, and the editor says so before saving.
	WriteRestartsTTL bool
	// Operation is the NATS operation of this revision (PUT, DEL, PURGE).
	Operation string
	// Meta lists store-specific facts (encoding, delta, memory usage...).
	Meta []Field
}

// TTLMode says what Put does with a key's expiry.
type TTLMode uint8

const (
	// TTLKeep keeps the key's current TTL (the zero value, so an edit never
	// loses a TTL by accident). A new key gets the bucket's default, if any.
	TTLKeep TTLMode = iota
	// TTLSet sets PutOptions.TTL from now.
	TTLSet
	// TTLNone removes any TTL.
	TTLNone
)

// PutOptions qualify a write.
type PutOptions struct {
	TTLMode TTLMode
	TTL     time.Duration // with TTLSet
	// IfVersion, when set, makes the write fail with ErrConflict unless the
	// key still holds the value read as Entry.Version.
	IfVersion string
	// IfAbsent makes the write fail with ErrConflict when the key exists.
	IfAbsent bool
}

// DeleteOptions qualify a delete.
type DeleteOptions struct {
	IfVersion string
}
