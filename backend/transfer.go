package backend

import (
	"context"
	"time"
)

// Export, import and copy between stores move whole keys as Records: a
// store reads them in batches (RecordReader) and writes them in batches,
// each key atomically under a conflict policy (RecordWriter). What a file
// holds and how a collection becomes JSON for a store of byte values is
// the transfer package's; the stores move Records only.

// Record is one key whole, any type, with its expiry.
type Record struct {
	Key  string
	Kind Kind
	// Value is a string's value.
	Value []byte
	// Elements are a collection's elements, in the store's order: a hash's
	// fields (Field, Value), a list's items (Value), a set's members
	// (Value), a sorted set's members with their scores (Value, Score), a
	// stream's entries (Field: the id; Fields).
	Elements []Element
	// ExpiresAt is the absolute expiry (zero: none).
	ExpiresAt time.Time
	// Revision and Created are a NATS key's revision and its time (zero
	// elsewhere), for the file's reader.
	Revision uint64
	Created  time.Time
	// Dump is the store's own serialization (Redis DUMP), read when asked
	// (ReadOptions.Dump) and written back as is when set (RESTORE).
	Dump []byte
}

// ReadOptions say what ReadRecords reads.
type ReadOptions struct {
	// Dump reads each key's DUMP payload (Redis) instead of its value or
	// elements.
	Dump bool
	// MaxElements, when above 0, reads at most about that many elements
	// of a collection (its first pages: a search in values looks inside a
	// collection without reading a million elements of one key).
	MaxElements int
}

// RecordReader reads whole keys for export and copy.
type RecordReader interface {
	// ReadRecords reads keys (one batch) whole, in their order; a key gone
	// meanwhile is left out. A key too large to read in one go within the
	// server-time budget (a collection of millions of elements) is read in
	// pages, never holding the server longer than a listing's command.
	ReadRecords(ctx context.Context, bucket string, keys []string, opts ReadOptions) ([]Record, error)
}

// ConflictPolicy says what a write does with a key that exists.
type ConflictPolicy uint8

const (
	// ConflictSkip leaves an existing key as it is (BulkSkipped).
	ConflictSkip ConflictPolicy = iota
	// ConflictOverwrite replaces it, type and expiry included.
	ConflictOverwrite
	// ConflictFail writes nothing for it and says so (BulkSkipped with an
	// ErrConflict): the import stops there.
	ConflictFail
)

func (p ConflictPolicy) String() string {
	if p > ConflictFail {
		return "unknown"
	}
	return [...]string{"skip", "overwrite", "fail"}[p]
}

// ParseConflictPolicy reads skip, overwrite or fail.
func ParseConflictPolicy(s string) (ConflictPolicy, error) {
	for p := ConflictSkip; p <= ConflictFail; p++ {
		if p.String() == s {
			return p, nil
		}
	}
	return 0, Invalid("on-conflict", "%q: give skip, overwrite or fail", s)
}

// RecordWriter writes whole keys for import and copy.
type RecordWriter interface {
	// WriteRecords writes recs (one batch), each key atomically: whether it
	// exists is checked and the key written in one step, so a key is never
	// half-written and a key created meanwhile meets the policy. Outcomes:
	// BulkChanged (written), BulkSkipped (it exists: ConflictSkip, or
	// ConflictFail with an ErrConflict), BulkGone (its expiry has passed:
	// nothing written), BulkFailed (Err says why: a type the store cannot
	// hold, a refused value). A lost connection ends the batch with an
	// error, returned with the results answered.
	WriteRecords(ctx context.Context, bucket string, recs []Record, policy ConflictPolicy) ([]WriteResult, error)
	// Existing says which of keys exist now, for a dry run.
	Existing(ctx context.Context, bucket string, keys []string) ([]bool, error)
	// ExpiryKept says whether the bucket keeps a per-key expiry: nil, or
	// why not (a NATS bucket without per-key TTLs), for the user to be told
	// before a copy which TTLs cannot be kept. A Record's expiry is then
	// dropped by the caller, never silently by the store: WriteRecords
	// fails a key whose expiry it cannot keep.
	ExpiryKept(ctx context.Context, bucket string) error
}

// KeyNameChecker is a store that cannot hold every key name (a NATS key
// is letters, digits and -_=./ only). CheckKeyName says why name cannot be
// written there, so that a dry run counts such a key as failing, as the
// write would, never as new.
type KeyNameChecker interface {
	CheckKeyName(name string) error
}

// WriteResult is one key's outcome in WriteRecords.
type WriteResult struct {
	Key     string
	Outcome BulkOutcome
	Err     error
}
