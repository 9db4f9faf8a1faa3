package redis

import (
	"context"
	"errors"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/kvdeck/kvdeck/backend"
)

var _ backend.BulkExpirer = (*Store)(nil)

// expiryOrGone is a key's absolute expiry in ms, 0 for none, -1 for a key
// that is not there: one command where EXISTS and PEXPIRETIME were two
// (a third of a key's work in the bulk scripts). Before Redis 7, PTTL
// and the script's clock, as absExpiry.
const expiryOrGone = `
local function expiryOrGone(k)
  local at = redis.pcall('PEXPIRETIME', k)
  if type(at) ~= 'number' then
    at = redis.call('PTTL', k)
    if at > 0 then at = nowMs() + at end
  end
  if at == -2 then return -1 end
  if at > 0 then return at end
  return 0
end
`

// bulkExpireScript changes the TTL of each of its keys under a
// condition, atomically (a script runs whole): the key's expiry read
// (PEXPIRETIME, or PTTL and TIME before Redis 7), the condition and the
// write. ARGV: 1 mode (set,
// refresh, persist), 2 condition (always, nx, gt, lt), 3 the new absolute
// expiry in ms (the same instant for the whole batch, from the server's
// TIME). The reply is {outcome, prev ms, set ms}: 'gone' for a missing
// key; 'skipped' when the condition does not hold, a refresh of a key
// without a TTL, a persist of one without; 'changed' otherwise. A key
// without a TTL counts as never expiring: GT never holds for it, LT
// always (Redis 7's EXPIRE GT/LT).
//
// The script takes up to scriptKeys keys (KEYS) and answers the three
// fields for each, in order: one call a hundred keys instead of one a key,
// as the per-call cost of a script is most of a key's (measured: 250,000
// keys took 4.7 times a pipelined PEXPIRE loop one key a call). A hundred
// keys cost the server well under a millisecond.
//
// It serves servers without PEXPIRETIME (before Redis 7, or an ACL
// without it); bulkExpireScript7 does the same work where it is answered.
var bulkExpireScript = goredis.NewScript(luaVersion + expiryOrGone + `
local mode, cond, at = ARGV[1], ARGV[2], tonumber(ARGV[3])
local out = {}
for _, k in ipairs(KEYS) do
  local r
  local prev = expiryOrGone(k)
  if prev < 0 then
    r = {'gone', 0, 0}
  else
    if mode == 'persist' then
      if prev == 0 then r = {'skipped', 0, 0}
      else redis.call('PERSIST', k); r = {'changed', prev, 0} end
    else
      local ok = not (mode == 'refresh' and prev == 0)
      if cond == 'nx' then ok = ok and prev == 0
      elseif cond == 'gt' then ok = ok and prev ~= 0 and at > prev
      elseif cond == 'lt' then ok = ok and (prev == 0 or at < prev) end
      if ok then redis.call('PEXPIREAT', k, ARGV[3]); r = {'changed', prev, at}
      else r = {'skipped', prev, prev} end
    end
  end
  out[#out+1] = r[1]; out[#out+1] = r[2]; out[#out+1] = r[3]
end
return out
`)

// bulkExpireScript7 is bulkExpireScript for a server that answers
// PEXPIRETIME, with the same ARGV and outcomes, answered in one integer a
// key: -2 gone; the previous expiry (ms, 0 for none) of a key changed;
// -3 minus it for a key skipped. The server's work is about the same (its
// two commands a key, PEXPIRETIME and the write, are most of it; pcall and
// the PTTL fallback go); the reply is a third of the fields, integers the
// client reads without a string compare, which is what matters when
// kvdeck shares the machine's cores with the server. Measured on 2 shared
// cores, Redis 7.0.15, 250,000 keys 1000 a call of ExpireKeys, four calls
// in flight as the UI runs them: the client's CPU time 85 ms for the
// script calls alone where bulkExpireScript took 160, 130 ms through
// ExpireKeys where it took 190; the server's within the noise (about 2 µs
// a key, where PEXPIRE costs it 1.5).
//
// Measured and not taken: one MULTI/EXEC a hundred keys, PEXPIRETIME then
// PEXPIREAT NX/GT/LT (or PERSIST) for each key (Redis runs a transaction
// whole, so it is as atomic): the server spent about a quarter less CPU,
// the client more than twice as much (twice the commands, and a QUEUED
// reply each), and the whole bulk TTL in kvdeck took longer: 3.1-4.2
// times the PEXPIRE loop (median 3.3) where bulkExpireScript took 1.4-2.5
// (median 1.6), same machine and hour. A thousand keys a script call
// instead of a hundred saved nothing measurable, and its calls of 2-5 ms
// reached the SLOWLOG's 10 ms on a busy machine.
var bulkExpireScript7 = goredis.NewScript(`
local mode, cond, ats = ARGV[1], ARGV[2], ARGV[3]
local at = tonumber(ats)
local out = {}
for i = 1, #KEYS do
  local k = KEYS[i]
  local prev = redis.call('PEXPIRETIME', k)
  if prev == -2 then
    out[i] = -2
  else
    if prev == -1 then prev = 0 end
    local ok
    if mode == 'persist' then
      ok = prev ~= 0
    else
      ok = mode ~= 'refresh' or prev ~= 0
      if cond == 'nx' then ok = ok and prev == 0
      elseif cond == 'gt' then ok = ok and prev ~= 0 and at > prev
      elseif cond == 'lt' then ok = ok and (prev == 0 or at < prev) end
    end
    if ok then
      if mode == 'persist' then redis.call('PERSIST', k) else redis.call('PEXPIREAT', k, ats) end
      out[i] = prev
    else
      out[i] = -3 - prev
    end
  end
end
return out
`)

// restoreExpiryScript puts a key's previous expiry back (ARGV[1], ms; 0
// none) if its expiry is still the one the bulk action set (ARGV[2], ms;
// 0 none). PEXPIRETIME compares exactly; before Redis 7 the expiry is
// PTTL from the script's clock reading, which may be a millisecond off, so
// it is compared within 2 ms. The reply is {outcome, expiry ms before}.
//
// A previous expiry that has passed by now is applied all the same: the
// key would have expired already had the bulk action not changed it, so
// PEXPIREAT deletes it at once, which is what undo means here.
//
// Like bulkExpireScript it takes up to scriptKeys keys; ARGV holds each
// key's previous and set expiry in turn, and the reply two fields a key.
var restoreExpiryScript = goredis.NewScript(luaVersion + `
local out = {}
for i, k in ipairs(KEYS) do
  local prev, set = tonumber(ARGV[2*i-1]), tonumber(ARGV[2*i])
  local r
  local cur, exact = 0, true
  local at = redis.pcall('PEXPIRETIME', k)
  if type(at) ~= 'number' then
    exact = false
    at = redis.call('PTTL', k)
    if at > 0 then at = nowMs() + at end
  end
  if at == -2 then
    r = {'gone', 0}
  else
    if at > 0 then cur = at end
    local same = cur == set
    if not exact and cur ~= 0 and set ~= 0 then same = math.abs(cur - set) <= 2 end
    if not same then
      r = {'skipped', cur}
    else
      if prev == 0 then redis.call('PERSIST', k) else redis.call('PEXPIREAT', k, ARGV[2*i-1]) end
      r = {'changed', cur}
    end
  end
  out[#out+1] = r[1]; out[#out+1] = r[2]
end
return out
`)

// ExpireKeys changes the TTL of keys with a script that, for each key,
// reads its expiry, checks op's condition and writes (PEXPIREAT or
// PERSIST), atomically per call, a hundred keys a call, the calls of a
// batch pipelined (EVALSHA, EVAL where the server does not have the
// script yet; in a Cluster go-redis splits the pipeline by node). The
// script is bulkExpireScript7 where the server answers PEXPIRETIME,
// bulkExpireScript otherwise. Every key of a batch gets the same expiry
// instant: the server's TIME plus op.TTL. A call costs the server a
// fraction of a millisecond, so none reaches the SLOWLOG.
//
// A key whose script failed is BulkFailed with the reason; a lost
// connection ends the batch with an error, returned with the results of
// the keys that were answered (the others BulkFailed), so that what
// changed can still be undone.
func (s *Store) ExpireKeys(ctx context.Context, bucket string, keys []string, op backend.ExpireOp) ([]backend.ExpireResult, error) {
	if err := s.Writable(); err != nil {
		return nil, err
	}
	if err := op.Validate(); err != nil {
		return nil, err
	}
	c, err := s.bucketClient(bucket)
	if err != nil {
		return nil, err
	}
	mode := [...]string{"set", "refresh", "persist"}[op.Mode]
	cond := [...]string{"always", "nx", "gt", "lt"}[op.Cond]
	var at int64
	if op.Mode != backend.ExpirePersist {
		now, err := c.Time(ctx).Result()
		if err != nil {
			return nil, s.cmdErr(err, "")
		}
		// Rounded up to the millisecond Redis counts in, so that a TTL
		// is never shortened.
		at = now.UnixMilli() + int64((op.TTL+time.Millisecond-1)/time.Millisecond)
	}
	args := func(from, to int) []any { return []any{mode, cond, at} }
	if len(keys) > 0 && s.answersPexpiretime(ctx, c, keys[0]) {
		set := msTime(at)
		return runScripts(ctx, s, c, bulkExpireScript7, keys, 1, "change TTLs", args, func(i int, reply []any) (backend.ExpireResult, bool) {
			v, ok := reply[0].(int64)
			switch {
			case !ok || v == -1:
				return backend.ExpireResult{}, false
			case v == -2:
				return backend.ExpireResult{Key: keys[i], Outcome: backend.BulkGone}, true
			case v >= 0:
				return backend.ExpireResult{Key: keys[i], Outcome: backend.BulkChanged, Prev: msTime(v), Set: set}, true
			}
			prev := msTime(-3 - v)
			return backend.ExpireResult{Key: keys[i], Outcome: backend.BulkSkipped, Prev: prev, Set: prev}, true
		}, failedExpiry(keys))
	}
	return runScripts(ctx, s, c, bulkExpireScript, keys, 3, "change TTLs", args,
		func(i int, reply []any) (backend.ExpireResult, bool) {
			r := backend.ExpireResult{Key: keys[i], Outcome: outcomeOf(reply)}
			r.Prev, r.Set = msTime(reply[1]), msTime(reply[2])
			return r, r.Outcome != backend.BulkFailed
		}, failedExpiry(keys))
}

// answersPexpiretime says whether the server answers PEXPIRETIME, asked
// once a store (with key, which it only reads): not before Redis 7, nor
// for an ACL user without it. A Cluster's nodes are taken to run one
// version. A failure other than the server's refusal (a lost connection)
// is not remembered: the caller meets it again and reports it.
func (s *Store) answersPexpiretime(ctx context.Context, c goredis.UniversalClient, key string) bool {
	if v := s.pexpiretime.Load(); v != 0 {
		return v > 0
	}
	err := c.PExpireTime(ctx, key).Err()
	switch {
	case err == nil:
		s.pexpiretime.Store(1)
		return true
	case isReplyError(err):
		s.pexpiretime.Store(-1)
	}
	return false
}

// RestoreExpiry puts each key's previous expiry back where its expiry is
// still the one ExpireKeys set, in one pipeline of scripts as ExpireKeys.
// A key whose expiry changed since (another client's PEXPIRE, PERSIST or
// a SET without KEEPTTL over a key with a TTL) is BulkSkipped and
// keeps it. The expiry is what is compared: a key persisted by the bulk
// action and then rewritten without a TTL by another client looks
// unchanged, and gets its previous TTL back. Prev and Set of a result are
// the expiry before and after the undo.
func (s *Store) RestoreExpiry(ctx context.Context, bucket string, items []backend.ExpiryUndo) ([]backend.ExpireResult, error) {
	if err := s.Writable(); err != nil {
		return nil, err
	}
	c, err := s.bucketClient(bucket)
	if err != nil {
		return nil, err
	}
	keys := make([]string, len(items))
	for i, it := range items {
		keys[i] = it.Key
	}
	return runScripts(ctx, s, c, restoreExpiryScript, keys, 2, "change TTLs", func(from, to int) []any {
		args := make([]any, 0, 2*(to-from))
		for _, it := range items[from:to] {
			args = append(args, unixMs(it.Prev), unixMs(it.Set))
		}
		return args
	}, func(i int, reply []any) (backend.ExpireResult, bool) {
		r := backend.ExpireResult{Key: keys[i], Outcome: outcomeOf(reply)}
		r.Prev = msTime(reply[1])
		r.Set = r.Prev
		if r.Outcome == backend.BulkChanged {
			r.Set = items[i].Prev
		}
		return r, r.Outcome != backend.BulkFailed
	}, failedExpiry(keys))
}

// failedExpiry is the result of a key whose script call failed.
func failedExpiry(keys []string) func(i int, err error) backend.ExpireResult {
	return func(i int, err error) backend.ExpireResult {
		return backend.ExpireResult{Key: keys[i], Outcome: backend.BulkFailed, Err: err}
	}
}

// isReplyError: the server answered with an error (the key's own
// failure); anything else (a lost connection, a timeout, a cancelled
// context) is the batch's.
func isReplyError(err error) bool {
	var re goredis.Error
	return errors.As(err, &re) && !isNetErr(err)
}

func outcomeOf(reply []any) backend.BulkOutcome {
	s, _ := reply[0].(string)
	switch s {
	case "changed":
		return backend.BulkChanged
	case "skipped":
		return backend.BulkSkipped
	case "gone":
		return backend.BulkGone
	}
	return backend.BulkFailed
}

func msTime(v any) time.Time {
	if ms, _ := v.(int64); ms > 0 {
		return time.UnixMilli(ms)
	}
	return time.Time{}
}

func unixMs(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}
