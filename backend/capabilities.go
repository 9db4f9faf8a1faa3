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

// BucketAdmin creates, edits and deletes buckets.
type BucketAdmin interface {
	CreateBucket(ctx context.Context, cfg BucketConfig) error
	UpdateBucket(ctx context.Context, cfg BucketConfig) error
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
// I/O, so the status bar can show "disconnected" while the client retries.
type Connectivity interface {
	Connected() bool
}

// BulkLoader writes many string values in few transactions (demo seeding,
// benchmarks).
type BulkLoader interface {
	PutMany(ctx context.Context, bucket string, items []Item) error
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
// streams without loading a whole collection.
type Collections interface {
	// Elements returns up to count elements from cursor ("" = start).
	Elements(ctx context.Context, bucket, key string, cursor string, count int) (ElementPage, error)
	// SetElement sets a hash field, a list item at Index, adds a set member,
	// adds or rescores a sorted-set member, or adds a stream entry (Field
	// "*" or empty = auto id).
	SetElement(ctx context.Context, bucket, key string, kind Kind, el Element) error
	// PushElement appends (or with front, prepends) a list item.
	PushElement(ctx context.Context, bucket, key string, value []byte, front bool) error
	// RemoveElement removes a hash field, a list item (by value, first
	// occurrence at or after Index), a set or sorted-set member, or a stream
	// entry by id.
	RemoveElement(ctx context.Context, bucket, key string, kind Kind, el Element) error
	// CreateKey creates a new key of kind with one first element and an
	// optional TTL; an existing key is ErrConflict.
	CreateKey(ctx context.Context, bucket, key string, kind Kind, first Element, ttl time.Duration) error
}
