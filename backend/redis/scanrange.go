package redis

import (
	"context"
	"math/bits"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// maxScanWorkers bounds the SCANs one listing runs at once on one server.
const maxScanWorkers = 8

// scanWorkers is how many cursor ranges of one server a listing scans at
// once. SCAN cannot be pipelined (each call needs the cursor the last one
// returned), so over a slow link a listing is a chain of round trips: at
// 50 ms each and a COUNT the SLOWLOG budget allows, a million keys would
// take 15 s. When the round trip is much longer than a call's server time,
// splitting the cursor space into ranges scanned side by side overlaps
// those round trips; the server still runs one short command at a time. On
// a fast link one range keeps the server as idle between calls as before.
func scanWorkers(base, budget time.Duration) int {
	if budget <= 0 || base <= budget {
		return 1
	}
	w := 1
	for w < maxScanWorkers && time.Duration(w)*budget < base {
		w *= 2
	}
	return w
}

// A SCAN cursor names a hash-table bucket with its bits reversed: Redis
// increments the reversed cursor, so reversed cursors only grow during a
// scan, across table resizes too (that is what lets SCAN return every key
// present throughout). Splitting the 64-bit reversed space into equal
// ranges therefore splits a scan into independent parts: range k starts at
// the cursor whose reverse is k·2⁶⁴/w and ends when the reversed cursor
// reaches the next range (or the cursor returns to 0, for the last). A
// range starting inside a bucket (a table smaller than w buckets) visits
// that bucket whole: keys may come twice, never not at all, and the
// listing removes repeats anyway.

// rangeStart is the first cursor of range k of w (w a power of two).
func rangeStart(k, w int) uint64 {
	if k == 0 {
		return 0
	}
	return bits.Reverse64(uint64(k) << (64 - bits.TrailingZeros(uint(w))))
}

// pastRange reports whether cursor (returned by SCAN) is beyond range k of
// w: the scan of that range is done.
func pastRange(cursor uint64, k, w int) bool {
	if cursor == 0 {
		return true
	}
	if k == w-1 {
		return false // the last range ends only at cursor 0
	}
	end := uint64(k+1) << (64 - bits.TrailingZeros(uint(w)))
	return bits.Reverse64(cursor) >= end
}

// scanSpec is what every range of a listing's scan shares.
type scanSpec struct {
	pattern, typ string
	count        int64 // the fixed COUNT, when not paced
	paced        bool
	workers      int // 0: from the pacer's measurements
}

// scanServer scans one server's keyspace, in ranges side by side when the
// link is slow, handing each page to send; it returns when every range is
// done, or on the first error (reported through send too).
func scanServer(ctx context.Context, node goredis.UniversalClient, spec scanSpec, send func(scanPage) bool) error {
	var pace *pacer
	w := 1
	if spec.paced {
		pace = newPacer(ctx, node, spec.count)
		w = scanWorkers(pace.base, pace.budget)
	}
	if spec.workers > 0 {
		w = spec.workers
	}
	if w == 1 {
		return scanRange(ctx, node, spec, pace, 0, 1, send)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make(chan error, w)
	for k := range w {
		go func() { errs <- scanRange(ctx, node, spec, pace, k, w, send) }()
	}
	var first error
	for range w {
		if err := <-errs; err != nil && first == nil {
			first = err
			cancel()
		}
	}
	return first
}

// scanRange scans range k of w with SCAN (or SCAN … TYPE).
func scanRange(ctx context.Context, node goredis.UniversalClient, spec scanSpec, pace *pacer, k, w int, send func(scanPage) bool) error {
	cursor := rangeStart(k, w)
	for {
		n := spec.count
		if pace != nil {
			n = pace.next()
		}
		var keys []string
		var err error
		start := time.Now()
		if spec.typ != "" {
			keys, cursor, err = node.ScanType(ctx, cursor, spec.pattern, n, spec.typ).Result()
		} else {
			keys, cursor, err = node.Scan(ctx, cursor, spec.pattern, n).Result()
		}
		if err != nil {
			// Report at once: in a Cluster the other masters would
			// otherwise scan to their end before the error showed.
			send(scanPage{err: err})
			return err
		}
		if pace != nil {
			pace.done(ctx, n, time.Since(start))
		}
		if len(keys) > 0 && !send(scanPage{keys: keys}) {
			return ctx.Err()
		}
		if pastRange(cursor, k, w) {
			return nil
		}
	}
}
