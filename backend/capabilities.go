package backend

import (
	"context"
	"time"
)

// Optional capabilities. The UI checks for them with a type assertion and
// says clearly when a store cannot do something.

// Describer fills kind, TTL and size for keys that a listing returned by
// name only (Redis), in one pipelined round trip per call.
type Describer interface {
	Describe(ctx context.Context, bucket string, keys []string) ([]KeyInfo, error)
}

// MemoryReporter reports how much memory a key takes in the store (Redis
// MEMORY USAGE), on demand: it costs the server a walk of the key. A store
// or user that may not run it answers ErrUnsupported.
type MemoryReporter interface {
	MemoryUsage(ctx context.Context, bucket, key string) (int64, error)
}

// BucketAdmin creates, edits and deletes buckets.
type BucketAdmin interface {
	CreateBucket(ctx context.Context, cfg BucketConfig) error
	// UpdateBucket changes the bucket from seen (the config read when the
	// user opened the form) to cfg. Only the fields that differ between seen
	// and cfg are applied, onto the bucket's current config, so settings
	// the form does not show are kept. A bucket whose config changed since
	// seen is ErrConflict naming the fields that differ.
	UpdateBucket(ctx context.Context, seen, cfg BucketConfig) error
	DeleteBucket(ctx context.Context, name string) error
}

// BucketConfig is a bucket's configuration, after the platform KV spec
// (shared/seeds/001). A driver ignores what it cannot store and validates
// what it can, returning an InputError that names the field.
type BucketConfig struct {
	Name         string
	Description  string
	TTL          time.Duration // default time to live of values; 0 = forever
	History      int           // revisions kept per key, 1..64
	MaxBytes     int64         // 0 or -1 = unlimited
	MaxValueSize int32         // 0 or -1 = unlimited
	Storage      string        // "file" or "memory" (NATS)
	Replicas     int           // 1..5 (NATS)
	Compression  bool          // (NATS)
	Metadata     map[string]string
	// KeyTTL enables per-key TTLs (NATS LimitMarkerTTL).
	KeyTTL bool
	// MarkerTTL is how long a delete/expiry marker is kept (NATS).
	MarkerTTL time.Duration
}

// Historian lists the kept revisions of a key, newest first. Reverting is a
// Put of an old revision's value with IfVersion set to the current version.
type Historian interface {
	History(ctx context.Context, bucket, key string) ([]Entry, error)
}

// Purger drops a key and its history (NATS purge), unlike Delete, which
// leaves a delete marker and keeps history.
type Purger interface {
	Purge(ctx context.Context, bucket, key string) error
}

// Renamer renames a key without ever overwriting: an existing target is
// ErrConflict.
type Renamer interface {
	Rename(ctx context.Context, bucket, from, to string) error
}

// ChangeOp is what happened to a key in a watched bucket.
type ChangeOp uint8

const (
	ChangePut ChangeOp = iota
	ChangeDelete
	ChangePurge
	ChangeExpire
)

func (op ChangeOp) String() string {
	return [...]string{"put", "delete", "purge", "expire"}[op]
}

// Change is one event from a watch.
type Change struct {
	Key      string
	Op       ChangeOp
	Revision uint64
	Time     time.Time
}

// Watcher streams changes in a bucket. Watch calls emit from its own
// goroutine for each change made after it started, and returns when ctx is
// cancelled (nil) or the watch fails. Drivers resume after a reconnect.
type Watcher interface {
	Watch(ctx context.Context, bucket, pattern string, emit func(Change)) error
}

// Connectivity reports the connection state of a networked store without
// I/O (Connected), so the header can say "disconnected", and tries the
// connection once (Reconnect: a round trip on Redis, whose client only
// redials when a command needs it; on NATS, whose client reconnects by
// itself, whether it has).
type Connectivity interface {
	Connected() bool
	Reconnect(ctx context.Context) error
}

// BulkLoader writes many string values in few transactions (demo seeding,
// benchmarks).
type BulkLoader interface {
	PutMany(ctx context.Context, bucket string, items []Item) error
}

// BulkReader reads the beginnings of many string values in one go, for
// the search in values (Redis: a pipeline of GETRANGE, where Get's version
// would cost a script per key). values[i] is empty for a key that is gone
// or not a string.
type BulkReader interface {
	ReadMany(ctx context.Context, bucket string, keys []string, maxBytes int64) (values [][]byte, err error)
}

// Item is one value for BulkLoader.
type Item struct {
	Key   string
	Value []byte
	TTL   time.Duration // 0 = none
}

// Element is one element of a collection: a hash field, a list item, a set
// member, a sorted-set member with its score, or a stream entry.
type Element struct {
	Field  string  // hash field; stream entry id
	Value  []byte  // hash value; list item; set/zset member
	Score  float64 // zset
	Index  int64   // list index
	Fields []Field // stream entry fields
}

// ElementPage is one page of a collection.
type ElementPage struct {
	Elements []Element
	// Cursor continues the paging; "" with Done set means the end.
	Cursor string
	Done   bool
}

// Collections pages and edits Redis hashes, lists, sets, sorted sets and
// streams without loading a whole collection. Every edit is conditional on
// the element as the user saw it, checked and written atomically in the
// store; a changed element is ErrConflict and nothing is written. An edit
// never re-creates a collection someone deleted: a missing key is
// ErrNotFound.
type Collections interface {
	// Elements returns up to count elements from cursor ("" = start).
	Elements(ctx context.Context, bucket, key string, cursor string, count int) (ElementPage, error)
	// SetElement replaces old with el. old is the element as shown: a hash
	// field with its value, the list item at old.Index with its value, a set
	// member, a sorted-set member with its score. el may rename the field or
	// member (hash, set, zset); the new name must not exist already. old ==
	// nil adds el: a hash field or a set or sorted-set member that must be
	// absent, or a stream entry (Field "*" or empty = auto id). An el equal
	// to old writes nothing. Stream entries cannot be replaced.
	SetElement(ctx context.Context, bucket, key string, kind Kind, old *Element, el Element) (ElementWrite, error)
	// PushElement appends (or with front, prepends) a list item to an
	// existing list.
	PushElement(ctx context.Context, bucket, key string, value []byte, front bool) (ElementWrite, error)
	// RemoveElement removes exactly el as shown: a hash field holding
	// el.Value, the list item at el.Index holding el.Value, a set member, a
	// sorted-set member with el.Score, a stream entry by id.
	RemoveElement(ctx context.Context, bucket, key string, kind Kind, el Element) (ElementWrite, error)
	// CreateKey creates a new key of kind with one first element and an
	// optional TTL and returns its version; an existing key is ErrConflict.
	CreateKey(ctx context.Context, bucket, key string, kind Kind, first Element, ttl time.Duration) (string, error)
}

// ElementWrite is what an element write did, so that undo can reverse
// exactly that.
type ElementWrite struct {
	// Before is the whole key as it was, taken atomically with the write,
	// for writes that have no exact element inverse: a list or stream whose
	// items moved or went, and a collection that lost its last element (the
	// key and its TTL went with it). Nil otherwise, or when the key was too
	// large to keep (Unkept says so).
	Before *Snapshot
	// Version is the key's version right after the write, set with Before:
	// undo restores Before only if the key still holds exactly this.
	Version string
	// Unkept is set when the write had no exact inverse and the key was too
	// large to keep a copy of: the write cannot be undone.
	Unkept bool
	// ID is the id the store gave an added stream entry.
	ID string
}

// Snapshot is a whole key as it was, any type, with its absolute expiry:
// what undo puts back. It is opaque to the UI except for the fields it
// shows (kind, size, expiry).
type Snapshot struct {
	Key  string
	Kind Kind
	// Version is the key's version when the snapshot was taken: pass it to
	// Delete (IfVersion) so the delete removes exactly what was kept.
	Version string
	// ExpiresAt is the absolute expiry instant (zero = none); Restore puts
	// back this instant, not a duration.
	ExpiresAt time.Time
	// TTL is the configured time to live where the store keeps one.
	TTL time.Duration
	// Size is bytes (strings) or elements (collections), for messages.
	Size int64
	// Value is the value of a string-like key, for display and for stores
	// that restore from it (Redis fills it up to 1 MB and restores from
	// Payload).
	Value []byte
	// Payload is the store's own serialization where it has one (Redis DUMP).
	Payload []byte
}

// RestoreOptions make a restore conditional. The zero value replaces
// whatever the key holds; the UI uses it only after showing the user
// exactly what will be overwritten.
type RestoreOptions struct {
	// IfAbsent: the key must not exist (undo of a delete).
	IfAbsent bool
	// IfVersion: the key must still hold this version (undo of an
	// overwrite: the version the overwrite returned).
	IfVersion string
}

// Restorer keeps and puts back whole keys for undo.
type Restorer interface {
	// Snapshot reads a key whole, any type, with its absolute expiry. A key
	// too large to keep is ErrUnsupported (the UI then says the action
	// cannot be undone); a missing key is ErrNotFound.
	Snapshot(ctx context.Context, bucket, key string) (Snapshot, error)
	// Restore puts snap back atomically under opts and returns the key's new
	// version. A failed condition is ErrConflict. An expiry instant that has
	// already passed restores nothing and says so (ErrNotFound wrapped with
	// the reason).
	Restore(ctx context.Context, bucket string, snap Snapshot, opts RestoreOptions) (string, error)
}
