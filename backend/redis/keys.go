package redis

import (
	"context"
	"hash/maphash"

	goredis "github.com/redis/go-redis/v9"

	"github.com/kvdeck/kvdeck/backend"
)

// scanPage is one SCAN reply on its way to the caller's goroutine.
type scanPage struct {
	keys []string
	err  error
}

// Keys streams SCAN pages (MATCH for the pattern, TYPE for the kind) until
// the cursor returns to 0 on every master, emitting each page as it
// arrives. Names only: type and TTL come from Describe for the rows a user
// looks at, so listing costs no round trip per key. Each master's COUNT
// adapts to keep every call well under its SLOWLOG threshold (pacer).
func (s *Store) Keys(ctx context.Context, bucket string, q backend.Query, emit func([]backend.KeyInfo) error) error {
	c, err := s.bucketClient(bucket)
	if err != nil {
		return err
	}
	count := int64(q.BatchSize)
	if count <= 0 {
		count = int64(s.opts.ScanCount)
	}
	// A batch size the caller asks for is kept; the default COUNT is where
	// the pacer starts.
	adapt := q.BatchSize <= 0
	typ := ""
	if q.Type != backend.KindUnknown {
		typ = q.Type.String()
		if q.Type == backend.KindJSON {
			typ = "ReJSON-RL"
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// A small buffer lets the next SCAN travel while the caller handles a
	// page, without reading far ahead of a consumer that has stopped.
	pages := make(chan scanPage, 4)
	send := func(p scanPage) bool {
		select {
		case pages <- p:
			return true
		case <-ctx.Done():
			return false
		}
	}
	spec := scanSpec{pattern: q.Pattern, typ: typ, count: count, paced: adapt, workers: s.scanWorkers}
	scanNode := func(ctx context.Context, node goredis.UniversalClient) error {
		return scanServer(ctx, node, spec, send)
	}
	go func() {
		defer close(pages)
		if cc, ok := c.(*goredis.ClusterClient); ok {
			// Every master at once; ForEachMaster runs fn per master
			// concurrently. Pages of different masters interleave.
			err := cc.ForEachMaster(ctx, func(ctx context.Context, m *goredis.Client) error { return scanNode(ctx, m) })
			if err != nil {
				send(scanPage{err: err}) // a topology error before any scan
			}
			return
		}
		scanNode(ctx, c)
	}()

	// SCAN may return a key twice (when the table is rehashed during the
	// scan, or in a Cluster when a slot moves), so keys are de-duplicated.
	// A set of 64-bit hashes costs about 14 bytes per key, where a set of
	// the names themselves would hold a second copy of the keyspace. Two
	// different names colliding would drop one of them from the listing;
	// with n keys the odds are about n²/2⁶⁵: 3 in 100 million at a million
	// keys, 3 in a million at ten million.
	seed := maphash.MakeSeed()
	expected := 0
	if q.Pattern == "" && typ == "" {
		// The whole keyspace: size the set once (DBSIZE is O(1)).
		if n, err := c.DBSize(ctx).Result(); err == nil {
			expected = int(n)
		}
	}
	seen := newHashSet(expected)
	defer seen.release()
	for {
		var p scanPage
		var ok bool
		select {
		case p, ok = <-pages:
		case <-ctx.Done():
			// Return at once, even while a SCAN is in flight; the scanner
			// sees the cancelled context and ends on its own.
			return ctx.Err()
		}
		if !ok {
			return ctx.Err()
		}
		// select picks at random among ready cases: a page that was ready
		// when the listing was cancelled must not reach emit (the
		// conformance suite caught emit called after cancel, about one
		// run in ten).
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if p.err != nil {
			return s.cmdErr(p.err, "")
		}
		// A new batch per page: emit keeps it.
		batch := make([]backend.KeyInfo, 0, len(p.keys))
		for _, k := range p.keys {
			if seen.add(maphash.String(seed, k)) {
				batch = append(batch, backend.KeyInfo{Name: k, Size: -1})
			}
		}
		if len(batch) > 0 {
			if err := emit(batch); err != nil {
				return err
			}
		}
	}
}
