package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kvdeck/kvdeck/backend/redis/redistest"
	"github.com/kvdeck/kvdeck/internal/tmuxtest"
)

// Issue 13's "done when", on the built binary with a million keys: the
// user opens the analysis page, sees that session: holds most of the
// memory and that 250,000 of its keys have no TTL, jumps there, sets a
// 7-day TTL on exactly those keys with NX, and undoes it. go-redis checks
// the TTLs after each step.
func TestAnalysisThenNXOnAMillionKeys(t *testing.T) {
	srv := redistest.Start(t, "--enable-debug-command", "yes")
	c := srv.Client()
	defer c.Close()
	ctx := context.Background()
	// 500,000 sessions of 200 bytes, half of them with a 1-day TTL, and
	// 500,000 small cache entries without.
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(c.Do(ctx, "DEBUG", "POPULATE", 500_000, "session", 200).Err())
	must(c.Do(ctx, "DEBUG", "POPULATE", 500_000, "cache", 8).Err())
	must(c.Eval(ctx, `for i = 250000, 499999 do redis.call('PEXPIRE', 'session:' .. i, 86400000) end return 1`, nil).Err())
	// DEBUG POPULATE names keys prefix:N.
	if n := c.DBSize(ctx).Val(); n != 1_000_000 {
		t.Fatalf("%d keys loaded", n)
	}

	tm := tmuxtest.Start(t, 160, 40, env(t), binary, srv.URL(), "--bucket", "0")
	tm.WaitFor("1000000 keys", 90*time.Second)
	tm.Send("A")
	tm.WaitFor("complete in", 120*time.Second)
	sc := tm.Screen()
	row := lineOf(sc, "session:")
	if !strings.Contains(row, "500.0k") || !strings.Contains(row, "250.0k") {
		t.Fatalf("the session: row should count 500.0k keys and 250.0k without a TTL:\n%s", sc)
	}
	if strings.Index(sc, "session:") > strings.Index(sc, "cache:") {
		t.Fatalf("session:, most of the memory, should come first:\n%s", sc)
	}
	// Enter jumps to the namespace: the session folder under the cursor.
	tm.Send("Enter")
	tm.WaitFor("(tree)", 10*time.Second)
	tm.Send("t")
	tm.WaitFor("TTL on 500.0k keys", 10*time.Second)
	tm.Send("n")
	tm.Type("7d")
	tm.Send("Enter")
	tm.WaitFor("250,000 of the 500,000 keys will change", 60*time.Second)
	tm.Send("y")
	tm.WaitFor("TTL 7d NX: 250,000 changed, 0 skipped, 0 gone, 0 failed", 120*time.Second)
	week := 7 * 24 * time.Hour
	for _, k := range []string{"session:0", "session:124999", "session:249999"} {
		if ttl := c.PTTL(ctx, k).Val(); ttl < week-time.Minute || ttl > week {
			t.Fatalf("%s: TTL %v after NX 7d", k, ttl)
		}
	}
	if ttl := c.PTTL(ctx, "session:300000").Val(); ttl > 24*time.Hour {
		t.Fatalf("session:300000 had a TTL and NX must leave it: %v", ttl)
	}
	tm.Send("u")
	tm.WaitFor("undid TTL 7d NX on 250,000 keys", 120*time.Second)
	for _, k := range []string{"session:0", "session:124999", "session:249999"} {
		if ttl := c.PTTL(ctx, k).Val(); ttl != -1 {
			t.Fatalf("%s: TTL %v after undo, want none", k, ttl)
		}
	}
}

// lineOf is the first line of screen containing s.
func lineOf(screen, s string) string {
	for _, l := range strings.Split(screen, "\n") {
		if strings.Contains(l, s) {
			return l
		}
	}
	return ""
}
