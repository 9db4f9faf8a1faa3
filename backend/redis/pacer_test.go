package redis

import (
	"strconv"
	"testing"

	goredis "github.com/redis/go-redis/v9"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/kvdeck/kvdeck/backend/redis/redistest"
)

// scanStats is the SCAN calls the server has counted, and the SCAN
// entries in its SLOWLOG.
func scanStats(t *testing.T, c *goredis.Client) (calls, slow int) {
	t.Helper()
	ctx := ctxT(t)
	info, err := c.InfoMap(ctx, "commandstats").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, section := range info {
		if v, ok := section["cmdstat_scan"]; ok {
			// calls=N,usec=…
			var n int
			for _, kv := range splitComma(v) {
				if len(kv) > 6 && kv[:6] == "calls=" {
					n, _ = strconv.Atoi(kv[6:])
				}
			}
			calls = n
		}
	}
	entries, err := c.SlowLogGet(ctx, -1).Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if len(e.Args) > 0 && (e.Args[0] == "scan" || e.Args[0] == "SCAN") {
			slow++
		}
	}
	return calls, slow
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
// takes far fewer round trips than COUNT 1000 would, and keeps every call
// under the server's SLOWLOG threshold, also with a TYPE filter, which
// costs the server a lookup per key (and so gets a smaller COUNT). A fixed large COUNT on the same
// server does land in the SLOWLOG: the check can fail.
func TestListingPacesScanUnderTheSlowlogThreshold(t *testing.T) {
	srv := redistest.Start(t, "--enable-debug-command", "yes")
	c := srv.Client()
	defer c.Close()
	ctx := ctxT(t)
	const n = 400_000
	must(t, c.Do(ctx, "DEBUG", "POPULATE", n, "paced:key:", 20).Err())
	must(t, c.ConfigSet(ctx, "slowlog-log-slower-than", "10000").Err())
	s := open(t, srv.URL(), false)

	for _, q := range []backend.Query{{}, {Type: backend.KindString}} {
		must(t, c.SlowLogReset(ctx).Err())
		before, _ := scanStats(t, c)
		if got := listAll(t, s, "0", q); len(got) != n {
			t.Fatalf("%+v: listed %d keys, want %d", q, len(got), n)
		}
		after, slow := scanStats(t, c)
		calls := after - before
		if q.Type == backend.KindUnknown && calls >= n/1000 {
			t.Errorf("%+v: %d SCAN calls for %d keys: COUNT did not grow past 1000", q, calls, n)
		}
		// A server preempted on a busy machine logs a slow call whatever
		// its COUNT, so a few are tolerated: at most 2% of the calls.
		if slow*50 > calls {
			t.Errorf("%+v: %d of %d SCAN calls in the SLOWLOG", q, slow, calls)
		}
	}

	must(t, c.SlowLogReset(ctx).Err())
	before, _ := scanStats(t, c)
	listAll(t, s, "0", backend.Query{Type: backend.KindString, BatchSize: maxScanCount})
	if after, slow := scanStats(t, c); slow*2 < after-before {
		t.Errorf("a fixed COUNT of %d put %d of %d calls in the SLOWLOG: this check cannot tell a paced listing from an unpaced one", maxScanCount, slow, after-before)
	}
}
