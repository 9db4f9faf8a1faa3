package backend

import (
	"context"
	"time"
)

// Analyzer streams the facts the keyspace analysis page adds up: each
// key's size, TTL, type and (for a collection) length, over every key of a
// bucket (or a sample the user asked for), within the server-time budget
// of a listing. Redis: SCAN then pipelined MEMORY USAGE, PTTL, TYPE and
// the collection's length; NATS: the latest message per subject, headers
// only (never the values); local: one bounded read transaction at a time.
type Analyzer interface {
	// Analyze emits facts in batches until every key of q is done, ctx ends
	// or emit returns an error (which Analyze then returns). Keys gone
	// between listing and reading are left out. A store that keeps delete
	// markers (NATS) emits them too, marked Deleted.
	Analyze(ctx context.Context, bucket string, q AnalyzeQuery, emit func([]KeyFacts) error) error
	// BucketFacts are the store's own totals beside the page's: Redis
	// INFO memory and the keyspace line; NATS the stream's messages, bytes,
	// history depth kept and delete markers; local the file's size.
	BucketFacts(ctx context.Context, bucket string) ([]Fact, error)
}

// AnalyzeQuery says which keys to analyse: the listing's Pattern (the
// store's pattern language; "" for all), or exactly Keys (marked keys, a
// folder's keys) when Keys is not nil. Sample, when above 0, stops after
// that many keys: a stated sample, never a silent one.
type AnalyzeQuery struct {
	Pattern string
	Keys    []string
	Sample  int
}

// KeyFacts is one key as the analysis sees it.
type KeyFacts struct {
	Key  string
	Kind Kind
	// Size is bytes: Redis MEMORY USAGE (value, key and overhead), NATS the
	// stored message's size (subject, headers and value), local the value's
	// length. -1 when the store would not say (MEMORY USAGE not allowed).
	Size int64
	// ExpiresAt is when the key expires; zero means it has no TTL.
	ExpiresAt time.Time
	// Length is a collection's element count (0 for a string).
	Length int64
	// Deleted marks a delete or purge marker (NATS): the latest revision
	// of a deleted key, which the bucket keeps and counts, and not a key.
	// Size is the marker's stored size.
	Deleted bool
}

// Fact is one line of a store's own totals: a label and its value, as the
// store says it ("used_memory_human", "1.02G").
type Fact struct {
	Label, Value string
}
