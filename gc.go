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

// transferGCPercent is the collector's target for kvdeck export and
// import, which hold no key list: their live heap is the few batches in
// flight (a few MB), so at 50 the collector ran all the time, a third of
// the CPU of an export of a million keys. At 200 the same export took
// 4.0-4.2 s where it took 6.7-7.5 s (the floor: 4.8-5.0 s), and an import
// 4.7 s where it took 8.1 s, peaking at 62 MB instead of 43 MB (measured
// by hand, 2026-11-30, on the bench's million keys).
const transferGCPercent = 200

// tuneGC applies percent, unless GOGC says otherwise.
func tuneGC(percent int) {
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(percent)
	}
}
