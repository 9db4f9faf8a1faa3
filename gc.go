package main

import (
	"os"
	"runtime/debug"
)

// keyListGCPercent is the collector's target while kvdeck runs, unless the
// user set GOGC. The key list is most of the live heap (about 55 MB for a
// million keys, 500 MB for ten million) and lives as long as the listing;
// Go's default (100) lets the heap grow to twice the live heap before
// collecting, so a million NATS keys peaked at 142-148 MB and ten million
// Redis keys at 732-797 MB. At 50 the same listings peaked at 112-119 MB
// and 672-683 MB, in the same time within the runs' noise (make bench,
// 2026-11-30: NATS 1M 1.09x of the floor against 1.12x, Redis 10M
// 0.97-1.01x against 0.92-1.25x): the key list is pointer-free pages the
// collector does not scan, so collecting more often costs little.
const keyListGCPercent = 50

// tuneGC applies keyListGCPercent, unless GOGC says otherwise.
func tuneGC() {
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(keyListGCPercent)
	}
}
