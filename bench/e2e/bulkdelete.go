package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// Issue 13's delete rows: the user: keys of the 1M data set, copied into
// database 1 of the same server before each floor and each kvdeck run
// (the delete takes them away), deleted from the tree's user folder (T, d,
// y): the clock runs from y to the final tally. The floor UNLINKs the same
// keys, 1000 to a pipeline. 250,000 keys are beyond the undo limit
// (100,000), so kvdeck deletes them without copies, as the confirmation
// says; 100,000 keys are deleted with a copy each for undo.

// deleteDB is the database the delete rows fill and empty.
const deleteDB = 1

// fillDeleteDB writes the first n user: keys of the data set into
// deleteDB, after emptying it.
func fillDeleteDB(ctx context.Context, addr string, n int) error {
	c := goredis.NewClient(&goredis.Options{Addr: addr, DB: deleteDB})
	defer c.Close()
	if err := c.FlushDB(ctx).Err(); err != nil {
		return err
	}
	p := c.Pipeline()
	for i := range n {
		k, v, ttl, _ := entry(4*i, ":") // every fourth entry is a user: key
		p.Set(ctx, k, v, ttl)
		if p.Len() == 10_000 {
			if _, err := p.Exec(ctx); err != nil {
				return err
			}
		}
	}
	_, err := p.Exec(ctx)
	return err
}

func (b *bench) bulkDelete250k() ([]result, error) { return b.bulkDelete(250_000) }
func (b *bench) bulkDelete100k() ([]result, error) { return b.bulkDelete(100_000) }

func (b *bench) bulkDelete(n int) ([]result, error) {
	f, err := b.redis1M()
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	floor := func() (time.Duration, error) {
		if err := fillDeleteDB(ctx, f.srv.Addr, n); err != nil {
			return 0, err
		}
		_, out, err := b.runFloor(ctx, "redis-unlink", "-addr", f.srv.Addr, "-db", fmt.Sprint(deleteDB), "-match", "user:*")
		if err != nil {
			return 0, err
		}
		var got int
		var ns int64
		if _, err := fmt.Sscanf(out, "keys %d unlink %d", &got, &ns); err != nil || got != n {
			return 0, fmt.Errorf("floor redis-unlink printed %q, want %d keys", out, n)
		}
		// Again for kvdeck's run, which follows.
		return time.Duration(ns), fillDeleteDB(ctx, f.srv.Addr, n)
	}
	undo := "with a copy each for undo"
	if n > 100_000 {
		undo = "beyond the undo limit: no copies"
	}
	tally := fmt.Sprintf("deleted %s of %s keys", comma(n), comma(n))
	return b.stepRow(fmt.Sprintf("Redis: delete %s keys (%s; y → tally)", count(n), undo),
		"bulk delete", "pipelined UNLINK", "y → tally", floor, sessionSpec{
			argv: []string{strings.TrimSuffix(f.url(), "/0") + fmt.Sprintf("/%d", deleteDB), "--bucket", fmt.Sprint(deleteDB), "--match", "user:*"},
			want: n, prefixes: []string{"user"},
			after: func(t *Term, s *session) error {
				steps := []struct{ key, want, what string }{
					{"T", "(tree)", "tree view"},
					{"d", fmt.Sprintf("Delete %s keys?", comma(n)), "dry run's confirmation"},
				}
				for _, st := range steps {
					w := t.Watch(func(sc Screen) bool { return sc.Contains(st.want) })
					t.Press(st.key)
					if _, err := t.Wait(w, analysisTimeout, st.what); err != nil {
						return err
					}
				}
				done := t.Watch(func(sc Screen) bool { return sc.Contains(tally) })
				at := t.Press("y")
				seen, err := t.Wait(done, analysisTimeout, "bulk delete tally")
				if err != nil {
					return err
				}
				s.steps = append(s.steps, seen.Sub(at))
				return nil
			},
		})
}
