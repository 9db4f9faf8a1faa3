package redis

import (
	"context"
	"fmt"
	"strings"

	goredis "github.com/redis/go-redis/v9"
)

// The bulk actions (TTL on many keys, delete of many keys, and their
// undo) run a Lua script over many keys at once: the script makes each
// key's read, check and write one atomic step, and taking a hundred keys a
// call instead of one makes the per-call cost of a script (most of a
// key's, measured: a bulk TTL one key a call took 4.7 times a pipelined
// PEXPIRE loop) a hundredth. A hundred keys cost the server well under a
// millisecond, far from the SLOWLOG.

// scriptKeys is how many keys one script call changes (standalone
// servers; in a Cluster the keys of one call must share a slot, so each
// key has a call of its own there).
const scriptKeys = 100

// bulkChunk is how many keys go in one pipeline: one round trip each, so
// a caller's batch of any size never builds an unbounded buffer.
const bulkChunk = 1000

// scriptRefused is runScripts' error when the server refuses scripts (an
// ACL without EVAL, a managed service): a caller with a way without them
// takes it.
type scriptRefused struct{ error }

func (e scriptRefused) Unwrap() error { return e.error }

// runScripts runs script over keys, scriptKeys keys a call, calls
// pipelined bulkChunk keys a round trip, EVALSHA first and EVAL for the
// calls the server answered NOSCRIPT (a flushed script cache, a new node
// of a Cluster). Each key has fields reply fields, in order; args are the
// ARGV of the call over keys[from:to]. result makes a key's result from
// its fields (false: the fields make no sense, and the key is failed
// with them); failed makes the result of a key whose call failed. what
// names the action for the error of a server that refuses scripts.
//
// A call that fails fails its keys only; a lost connection, a timeout or
// a cancelled context stops the run, and the keys not sent yet are failed
// with that error, which is returned with every result, so that what was
// changed can be undone.
func runScripts[R any](ctx context.Context, s *Store, c goredis.UniversalClient, script *goredis.Script, keys []string, fields int, what string,
	args func(from, to int) []any, result func(i int, reply []any) (R, bool), failed func(i int, err error) R) ([]R, error) {
	return runScriptsSplit(ctx, s, c, script, keys, fields, what, nil, args, result, failed)
}

// runScriptsSplit is runScripts with calls of the caller's size: split
// gives the end of the call that starts at from (at most end, at least
// from+1), for calls whose keys carry much data (an import's records),
// bounded by what they carry rather than by their count; nil is
// scriptKeys keys a call. In a Cluster each key still has its own call.
func runScriptsSplit[R any](ctx context.Context, s *Store, c goredis.UniversalClient, script *goredis.Script, keys []string, fields int, what string,
	split func(from, end int) int, args func(from, to int) []any, result func(i int, reply []any) (R, bool), failed func(i int, err error) R) ([]R, error) {
	out := make([]R, 0, len(keys))
	if _, loaded := s.scriptsLoaded.LoadOrStore(script.Hash(), true); !loaded && len(keys) > 0 {
		// Once per store, so that a first batch does not meet NOSCRIPT
		// for each of its calls (on every master of a Cluster). A refusal
		// (an ACL without SCRIPT) leaves it to the EVAL fallback.
		_ = script.Load(ctx, c).Err()
	}
	per := scriptKeys
	if _, cluster := c.(*goredis.ClusterClient); cluster {
		per = 1
	}
	type call struct {
		from, to int
		cmd      *goredis.Cmd
	}
	for start := 0; start < len(keys); start += bulkChunk {
		end := min(start+bulkChunk, len(keys))
		if s.beforeScriptChunk != nil {
			s.beforeScriptChunk(start)
		}
		var calls []call
		pipe := c.Pipeline()
		for from := start; from < end; {
			to := min(from+per, end)
			if split != nil && per > 1 {
				to = max(min(split(from, end), end), from+1)
			}
			calls = append(calls, call{from, to, script.EvalSha(ctx, pipe, keys[from:to], args(from, to)...)})
			from = to
		}
		_, _ = pipe.Exec(ctx) // each call's error is read below
		var again []int
		for j, cl := range calls {
			if err := cl.cmd.Err(); err != nil && strings.HasPrefix(err.Error(), "NOSCRIPT") {
				again = append(again, j)
			}
		}
		if len(again) > 0 {
			pipe := c.Pipeline()
			for _, j := range again {
				cl := &calls[j]
				cl.cmd = script.Eval(ctx, pipe, keys[cl.from:cl.to], args(cl.from, cl.to)...)
			}
			_, _ = pipe.Exec(ctx)
		}
		var batchErr error
		for _, cl := range calls {
			reply, err := cl.cmd.Slice()
			if err == nil && len(reply) == fields*(cl.to-cl.from) {
				for i := cl.from; i < cl.to; i++ {
					one := reply[(i-cl.from)*fields : (i-cl.from+1)*fields]
					r, ok := result(i, one)
					if !ok {
						r = failed(i, fmt.Errorf("unexpected reply %v", one))
					}
					out = append(out, r)
				}
				continue
			}
			switch {
			case err == nil:
				err = fmt.Errorf("unexpected reply %v", reply)
			case isScriptDenied(err):
				return out, scriptRefused{s.noScripting(err, keys[cl.from], what)}
			case !isReplyError(err) && batchErr == nil:
				batchErr = s.cmdErr(err, "")
			}
			for i := cl.from; i < cl.to; i++ {
				out = append(out, failed(i, s.cmdErr(err, keys[i])))
			}
		}
		if batchErr != nil {
			// The keys of the chunks not sent yet were not touched.
			for i := end; i < len(keys); i++ {
				out = append(out, failed(i, batchErr))
			}
			return out, batchErr
		}
	}
	return out, nil
}
