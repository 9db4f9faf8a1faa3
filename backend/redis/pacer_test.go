package redis

import (
	"strconv"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/kvdeck/kvdeck/backend/redis/redistest"
)

// scanStats is the SCAN calls the server has counted, the time it spent
// in them (µs), and the SCAN entries in its SLOWLOG.
func scanStats(t *testing.T, c *goredis.Client) (calls, usec, slow int) {
	t.Helper()
	ctx := ctxT(t)
	info, err := c.InfoMap(ctx, "commandstats").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, section := range info {
		if v, ok := section["cmdstat_scan"]; ok {
			for _, kv := range splitComma(v) {
				if n, ok := strings.CutPrefix(kv, "calls="); ok {
					calls, _ = strconv.Atoi(n)
				}
				if n, ok := strings.CutPrefix(kv, "usec="); ok {
					usec, _ = strconv.Atoi(n)
				}
			}
		}
	}
	entries, err := c.SlowLogGet(ctx, -1).Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if len(e.Args) > 0 && strings.EqualFold(e.Args[0], "scan") {
			slow++
		}
	}
	return calls, usec, slow
}

func splitComma(s string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ',' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return out
}

// A listing grows SCAN's COUNT while calls are cheap, so a large keyspace
// takes far fewer round trips than COUNT 1000 would, and keeps its calls
// well under the server's SLOWLOG threshold, also with a TYPE filter,
// which costs the server a lookup per key (and so gets a smaller COUNT).
// The server's SLOWLOG decides. A fixed large COUNT on the same server
// fills it, so the check can fail.
//
// A server preempted on a busy machine (make test runs every package at
// once) takes long over a call whatever its COUNT, so a quarter of the
// calls are tolerated; how far COUNT grows depends on that load too, so
// TestPacerSteersCountToTheBudget checks the arithmetic apart.
func TestListingPacesScanUnderTheSlowlogThreshold(t *testing.T) {
	srv := redistest.Start(t, "--enable-debug-command", "yes")
	c := srv.Client()
	defer c.Close()
	ctx := ctxT(t)
	const n = 400_000
	const thresholdUsec = 10_000
	must(t, c.Do(ctx, "DEBUG", "POPULATE", n, "paced:key:", 20).Err())
	must(t, c.ConfigSet(ctx, "slowlog-log-slower-than", strconv.Itoa(thresholdUsec)).Err())
	s := open(t, srv.URL(), false)

	list := func(q backend.Query) (calls, usec, slow int) {
		must(t, c.SlowLogReset(ctx).Err())
		calls0, usec0, _ := scanStats(t, c)
		if got := listAll(t, s, "0", q); len(got) != n {
			t.Fatalf("%+v: listed %d keys, want %d", q, len(got), n)
		}
		calls, usec, slow = scanStats(t, c)
		return calls - calls0, usec - usec0, slow
	}
	for _, q := range []backend.Query{{}, {Type: backend.KindString}} {
		calls, _, slow := list(q)
		if slow*4 > calls {
			t.Errorf("%+v: %d of %d SCAN calls in the SLOWLOG", q, slow, calls)
		}
	}

	calls, usec, slow := list(backend.Query{Type: backend.KindString, BatchSize: maxScanCount})
	if avg := usec / max(calls, 1); avg <= thresholdUsec || slow*2 < calls {
		t.Errorf("a fixed COUNT of %d took %d µs a call and put %d of %d calls in the SLOWLOG: this check cannot tell a paced listing from an unpaced one", maxScanCount, avg, slow, calls)
	}
}

// The pacer sets COUNT so that a call costs the server its budget, from the
// server's time per COUNT: growing at most eightfold per reading, never
// below minScanCount or above maxScanCount; from round trips it at most
// doubles or halves.
func TestPacerSteersCountToTheBudget(t *testing.T) {
	p := &pacer{count: 1000, budget: 2500 * time.Microsecond}
	for _, c := range []struct {
		perCountUsec float64
		want         int64
	}{
		{0.5, 5000},   // 2500 µs / 0.5 µs
		{0.05, 40000}, // capped at eight times 5000
		{0.001, maxScanCount},
		{25, minScanCount},
		{1, 800}, // 2500, but at most eight times 100
		{1, 2500},
	} {
		p.set(int64(float64(p.budget.Microseconds()) / c.perCountUsec))
		if p.count != c.want {
			t.Errorf("%.3f µs per COUNT: COUNT %d, want %d", c.perCountUsec, p.count, c.want)
		}
	}
	p = &pacer{count: 1000, budget: 2500 * time.Microsecond, base: 50 * time.Millisecond}
	p.fromRoundTrip(50*time.Millisecond + 100*time.Microsecond) // cheap: doubles
	if p.count != 2000 {
		t.Errorf("a cheap call: COUNT %d, want 2000", p.count)
	}
	p.fromRoundTrip(50*time.Millisecond + 20*time.Millisecond) // dear: halves
	if p.count != 1000 {
		t.Errorf("a dear call: COUNT %d, want 1000", p.count)
	}
}
