package redis

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// The bounds the SCAN COUNT adapts within.
const (
	minScanCount = 100
	maxScanCount = 100_000
)

// defaultSlowlogThreshold is Redis's own default for
// slowlog-log-slower-than, assumed when CONFIG GET is not allowed (ACLs,
// managed services that rename CONFIG).
const defaultSlowlogThreshold = 10 * time.Millisecond

// calibrateEvery is how many SCAN calls pass between two readings of the
// server's own SCAN statistics.
const calibrateEvery = 8

// pacer picks each SCAN's COUNT so that one call costs the server about a
// quarter of the SLOWLOG threshold: it grows COUNT while calls are cheap
// (fewer round trips, which is what a slow link needs) and shrinks it when
// calls get dear (a TYPE or MATCH filter, a busy server), so that kvdeck
// never shows up in the server's SLOWLOG. A quarter, because one call's
// server time varies two- or threefold with the buckets it visits and the
// server's other work.
//
// The server's time is read from the server itself: every few calls the
// pacer reads INFO commandstats (cmdstat_scan's usec) and divides by the
// COUNTs it asked for since. A round trip alone cannot tell: over a WAN its
// jitter is larger than the whole budget. Where INFO is not allowed, the
// round trip less the network's stands in for the server's time.
// One pacer serves every cursor range of a server (scanServer), so it is
// safe for concurrent use.
type pacer struct {
	node   goredis.UniversalClient
	budget time.Duration // server time one call may take
	base   time.Duration // the network's round trip

	mu        sync.Mutex
	count     int64
	stats     bool  // INFO commandstats is readable
	usec      int64 // cmdstat_scan usec at the last reading
	asked     int64 // COUNTs asked for since then
	sinceRead int
	reading   bool
}

// newPacer reads the server's SLOWLOG threshold and SCAN statistics in one
// pipeline, whose round trip (a PING's and two small reads') stands for
// the network's. start is the first COUNT.
func newPacer(ctx context.Context, node goredis.UniversalClient, start int64) *pacer {
	p := &pacer{node: node, count: min(max(start, minScanCount), maxScanCount)}
	t := time.Now()
	pipe := node.Pipeline()
	ping := pipe.Ping(ctx)
	threshold := pipe.ConfigGet(ctx, "slowlog-log-slower-than")
	stats := pipe.Info(ctx, "commandstats")
	_, _ = pipe.Exec(ctx) // each command's error is read below
	if ping.Err() == nil {
		p.base = time.Since(t)
	}
	p.budget = slowlogBudget(threshold)
	p.usec, p.stats = scanUsec(stats)
	return p
}

// slowlogBudget is a quarter of the server's slowlog-log-slower-than,
// bounded to what a listing can live with: a threshold of 0 (log
// everything), a negative one (off) or one that cannot be read gives
// Redis's default.
func slowlogBudget(cmd *goredis.MapStringStringCmd) time.Duration {
	threshold := defaultSlowlogThreshold
	if kv, err := cmd.Result(); err == nil {
		if us, err := strconv.ParseInt(kv["slowlog-log-slower-than"], 10, 64); err == nil && us > 0 {
			threshold = min(time.Duration(us)*time.Microsecond, defaultSlowlogThreshold)
		}
	}
	return threshold / 4
}

// scanUsec is the server's total time in SCAN so far, from INFO
// commandstats; ok is false where INFO is not allowed.
func scanUsec(cmd *goredis.StringCmd) (usec int64, ok bool) {
	info, err := cmd.Result()
	if err != nil {
		return 0, false
	}
	for line := range strings.Lines(info) {
		rest, found := strings.CutPrefix(line, "cmdstat_scan:")
		if !found {
			continue
		}
		for field := range strings.SplitSeq(strings.TrimSpace(rest), ",") {
			if v, found := strings.CutPrefix(field, "usec="); found {
				n, err := strconv.ParseInt(v, 10, 64)
				return n, err == nil
			}
		}
	}
	return 0, true // no SCAN yet: the section lists only commands run
}

// next is the COUNT for the next call.
func (p *pacer) next() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.count
}

// done records a call that asked for n and took rtt, and adjusts COUNT.
func (p *pacer) done(ctx context.Context, n int64, rtt time.Duration) {
	p.mu.Lock()
	if !p.stats {
		p.fromRoundTrip(rtt)
		p.mu.Unlock()
		return
	}
	p.asked += n
	p.sinceRead++
	if p.sinceRead < calibrateEvery || p.reading {
		p.mu.Unlock()
		return
	}
	p.reading = true
	p.mu.Unlock()

	usec, ok := scanUsec(p.node.Info(ctx, "commandstats"))

	p.mu.Lock()
	defer p.mu.Unlock()
	p.reading = false
	if !ok {
		p.stats = false
		return
	}
	spent, asked := usec-p.usec, p.asked
	p.usec, p.asked, p.sinceRead = usec, 0, 0
	if spent <= 0 || asked <= 0 {
		return
	}
	// Another client's SCANs count here too: the COUNT only comes out
	// smaller for it, never larger.
	perCount := float64(spent) / float64(asked) // µs of server time per COUNT
	p.set(int64(float64(p.budget.Microseconds()) / perCount))
}

// fromRoundTrip estimates the server's time as the round trip less the
// network's, where the server's statistics cannot be read: at most
// doubling or halving per call, so one noisy measurement cannot swing it
// far.
func (p *pacer) fromRoundTrip(rtt time.Duration) {
	server := max(rtt-p.base, 50*time.Microsecond)
	next := int64(float64(p.count) * float64(p.budget) / float64(server))
	p.set(min(max(next, p.count/2), p.count*2))
}

func (p *pacer) set(n int64) {
	// At most eightfold up per reading: the cost per COUNT measured at a
	// small COUNT may not hold at a much larger one.
	p.count = min(max(n, minScanCount), p.count*8, maxScanCount)
}
