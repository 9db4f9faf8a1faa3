package main

import (
	"context"
	"fmt"
	"time"
)

// Issue 13's rows: the analysis page over the 1M keys, and a 7-day TTL on
// the 250,000 user: keys, each beside its floor from the same run.

// analysisTimeout bounds a wait for the analysis to complete.
const analysisTimeout = 30 * time.Minute

// analysis lists the 1M keys, presses A and times A → "complete in" on
// the analysis page. The floor SCANs every name with a pipeline of MEMORY
// USAGE and PTTL per SCAN batch.
func (b *bench) analysis() ([]result, error) {
	f, err := b.redis1M()
	if err != nil {
		return nil, err
	}
	floor := func() (time.Duration, error) {
		fd, out, err := b.runFloor(context.Background(), "redis-memusage", "-addr", f.srv.Addr)
		if err != nil {
			return 0, err
		}
		var n int
		var bytes int64
		if _, err := fmt.Sscanf(out, "keys %d bytes %d", &n, &bytes); err != nil || n != f.data.keys {
			return 0, fmt.Errorf("floor redis-memusage printed %q, want %d keys", out, f.data.keys)
		}
		return fd, nil
	}
	return b.stepRow(fmt.Sprintf("Redis, %s keys: analysis page (A → complete)", count(f.data.keys)),
		"analysis", "SCAN + MEMORY USAGE + PTTL", "A → complete", floor, sessionSpec{
			argv: []string{f.url(), "--bucket", "0"}, want: f.data.keys, prefixes: f.prefixes,
			after: func(t *Term, s *session) error {
				done := t.Watch(func(sc Screen) bool { return sc.Contains("complete in") })
				at := t.Press("A")
				seen, err := t.Wait(done, analysisTimeout, "analysis complete")
				if err != nil {
					return err
				}
				s.steps = append(s.steps, seen.Sub(at))
				closed := t.Watch(func(sc Screen) bool { return !sc.Contains("complete in") })
				t.Press("esc")
				_, err = t.Wait(closed, keyTimeout, "analysis page closed")
				return err
			},
		})
}

// bulkTTL lists the user: keys (250,000 of the 1M), turns the tree on,
// and on the user folder sets a 7-day TTL on every key (t, a, 7d, enter,
// y): the clock runs from y to the final tally. The floor PEXPIREs the
// same keys, 1000 to a pipeline (the time of the PEXPIREs alone: kvdeck
// has the names from its listing too).
func (b *bench) bulkTTL() ([]result, error) {
	f, err := b.redis1M()
	if err != nil {
		return nil, err
	}
	users := f.data.keys / 4
	floor := func() (time.Duration, error) {
		_, out, err := b.runFloor(context.Background(), "redis-pexpire", "-addr", f.srv.Addr, "-match", "user:*")
		if err != nil {
			return 0, err
		}
		var n int
		var ns int64
		if _, err := fmt.Sscanf(out, "keys %d pexpire %d", &n, &ns); err != nil || n != users {
			return 0, fmt.Errorf("floor redis-pexpire printed %q, want %d keys", out, users)
		}
		return time.Duration(ns), nil
	}
	return b.stepRow(fmt.Sprintf("Redis: 7-day TTL on %s keys (the user: folder; y → tally)", count(users)),
		"bulk TTL", "pipelined PEXPIRE", "y → tally", floor, sessionSpec{
			argv: []string{f.url(), "--bucket", "0", "--match", "user:*"}, want: users, prefixes: []string{"user"},
			after: func(t *Term, s *session) error {
				steps := []struct{ key, want, what string }{
					{"T", "(tree)", "tree view"},
					{"t", "What should change?", "bulk TTL choice"},
					{"a", "ttl>", "TTL input"},
					{"7d", "ttl> 7d", "TTL typed"},
					{"enter", "Change the TTL of", "dry run's confirmation"},
				}
				for _, st := range steps {
					w := t.Watch(func(sc Screen) bool { return sc.Contains(st.want) })
					t.Press(st.key)
					if _, err := t.Wait(w, analysisTimeout, st.what); err != nil {
						return err
					}
				}
				tally := fmt.Sprintf("%s changed,", comma(users))
				done := t.Watch(func(sc Screen) bool { return sc.Contains(tally) })
				at := t.Press("y")
				seen, err := t.Wait(done, analysisTimeout, "bulk TTL tally")
				if err != nil {
					return err
				}
				s.steps = append(s.steps, seen.Sub(at))
				return nil
			},
		})
}

// comma writes n with thousands separators, as kvdeck's tallies do.
func comma(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
