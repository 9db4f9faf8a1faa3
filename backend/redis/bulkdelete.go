package redis

import (
	"context"
	"errors"

	goredis "github.com/redis/go-redis/v9"

	"github.com/kvdeck/kvdeck/backend"
)

var _ backend.BulkDeleter = (*Store)(nil)

// bulkDeleteScript deletes each of its keys together with a copy of it,
// in one atomic step (a script runs whole), so that whatever the key holds
// when it goes, another client's write included, is what undo puts back.
// The copy is a string's value (DUMP would LZF-compress it) or another
// type's DUMP payload, with the absolute expiry; a key over the keep limits
// (ARGV[1] elements, ARGV[2] bytes, as snapshotScript) is not copied nor
// deleted ('toolarge'): DUMP runs in the server's main thread. Five fields
// a key: outcome ('deleted', 'gone', 'toolarge'), type, size, expiry in
// ms (0 none), the copy.
var bulkDeleteScript = goredis.NewScript(luaVersion + `
local elements, bytes = tonumber(ARGV[1]), tonumber(ARGV[2])
local sizeOf = {string = 'STRLEN', hash = 'HLEN', list = 'LLEN', set = 'SCARD', zset = 'ZCARD', stream = 'XLEN'}
local out = {}
local function put(a, b, c, d, e) out[#out+1] = a; out[#out+1] = b; out[#out+1] = c; out[#out+1] = d; out[#out+1] = e end
for _, k in ipairs(KEYS) do
  local t = redis.call('TYPE', k).ok
  if t == 'none' then
    put('gone', t, 0, 0, '')
  else
    local n = -1
    if sizeOf[t] then n = redis.call(sizeOf[t], k) end
    if (t == 'string' and n > bytes) or (t ~= 'string' and n > keepFor(t, elements)) then
      put('toolarge', t, n, 0, '')
    else
      local expires = absExpiry(k)
      local copy
      if t == 'string' then copy = redis.call('GET', k) else copy = redis.call('DUMP', k) end
      redis.call('UNLINK', k)
      put('deleted', t, n, expires, copy)
    end
  end
end
return out
`)

// unlinkScript UNLINKs each of its keys and answers 1 (deleted) or 0
// (not there) for each: a hundred keys a call cost the server less than a
// hundred UNLINK commands (one command to parse and answer, not a
// hundred), which is what a delete without copies is measured against.
var unlinkScript = goredis.NewScript(`
local out = {}
for i = 1, #KEYS do out[i] = redis.call('UNLINK', KEYS[i]) end
return out
`)

// DeleteKeys deletes keys; see backend.BulkDeleter. With keep, each key
// goes in bulkDeleteScript with its copy, a hundred keys a call, the calls
// pipelined; a key too large to copy is left in place (BulkSkipped).
// Without keep, the keys are UNLINKed, a hundred a call of unlinkScript,
// which is all a delete without undo needs: UNLINK is atomic per key;
// where scripts are refused, in pipelines of UNLINK commands (DEL where
// UNLINK is refused too: servers before 4.0, an ACL).
func (s *Store) DeleteKeys(ctx context.Context, bucket string, keys []string, keep bool) ([]backend.DeleteResult, error) {
	if err := s.Writable(); err != nil {
		return nil, err
	}
	c, err := s.bucketClient(bucket)
	if err != nil {
		return nil, err
	}
	failed := failedDelete(keys)
	if !keep {
		res, err := runScripts(ctx, s, c, unlinkScript, keys, 1, "delete keys",
			func(from, to int) []any { return nil },
			func(i int, reply []any) (backend.DeleteResult, bool) {
				n, ok := reply[0].(int64)
				r := backend.DeleteResult{Key: keys[i], Outcome: backend.BulkChanged}
				if n == 0 {
					r.Outcome = backend.BulkGone
				}
				return r, ok
			}, failed)
		if refused := (scriptRefused{}); errors.As(err, &refused) && len(res) == 0 {
			// No scripting (an ACL, a managed service): plain UNLINKs.
			return s.unlinkKeys(ctx, c, keys, failed)
		}
		return res, err
	}
	return runScripts(ctx, s, c, bulkDeleteScript, keys, 5, "delete keys with a copy for undo",
		func(from, to int) []any { return []any{keepLimit, keepBytesLimit} },
		func(i int, reply []any) (backend.DeleteResult, bool) {
			r := backend.DeleteResult{Key: keys[i]}
			outcome, _ := reply[0].(string)
			typ, _ := reply[1].(string)
			kind, _ := backend.ParseKind(typ)
			size, _ := reply[2].(int64)
			switch outcome {
			case "gone":
				r.Outcome = backend.BulkGone
			case "toolarge":
				r.Outcome = backend.BulkSkipped
				r.Err = backendErr(backend.ErrUnsupported, "key %q is too large (%s of %d) to keep a copy for undo; left in place", keys[i], typ, size)
			case "deleted":
				copied, _ := reply[4].(string)
				snap := &backend.Snapshot{Key: keys[i], Kind: kind, Size: size, ExpiresAt: msTime(reply[3])}
				if kind == backend.KindString {
					snap.Value = []byte(copied)
				} else {
					snap.Payload = []byte(copied)
				}
				r.Kept = snap
			default:
				return r, false
			}
			return r, true
		}, failed)
}

// unlinkKeys deletes keys without copies, pipelined, where the server
// refuses scripts.
func (s *Store) unlinkKeys(ctx context.Context, c goredis.UniversalClient, keys []string, failed func(int, error) backend.DeleteResult) ([]backend.DeleteResult, error) {
	out := make([]backend.DeleteResult, 0, len(keys))
	useDel := false
	for start := 0; start < len(keys); start += bulkChunk {
		end := min(start+bulkChunk, len(keys))
		cmds := make([]*goredis.IntCmd, 0, end-start)
		pipe := c.Pipeline()
		for _, k := range keys[start:end] {
			if useDel {
				cmds = append(cmds, pipe.Del(ctx, k))
			} else {
				cmds = append(cmds, pipe.Unlink(ctx, k))
			}
		}
		_, _ = pipe.Exec(ctx)
		if !useDel && len(cmds) > 0 && cmds[0].Err() != nil && isCommandDenied(cmds[0].Err()) {
			useDel = true
			start -= bulkChunk // the same chunk again with DEL: nothing was deleted
			continue
		}
		var batchErr error
		for j, cmd := range cmds {
			i := start + j
			n, err := cmd.Result()
			switch {
			case err == nil && n == 0:
				out = append(out, backend.DeleteResult{Key: keys[i], Outcome: backend.BulkGone})
			case err == nil:
				out = append(out, backend.DeleteResult{Key: keys[i], Outcome: backend.BulkChanged})
			default:
				if !isReplyError(err) && batchErr == nil {
					batchErr = s.cmdErr(err, "")
				}
				out = append(out, failed(i, s.cmdErr(err, keys[i])))
			}
		}
		if batchErr != nil {
			for i := end; i < len(keys); i++ {
				out = append(out, failed(i, batchErr))
			}
			return out, batchErr
		}
	}
	return out, nil
}

// RestoreKeys puts copies back as an import with ConflictFail writes
// records (WriteRecords): each only where its key is absent, in one atomic
// step (SET … NX PXAT for a string's value, RESTORE … ABSTTL without
// REPLACE for a DUMP payload), so a key written again since is
// BulkSkipped with an ErrConflict naming what it holds, and a copy whose
// expiry has passed is BulkGone.
func (s *Store) RestoreKeys(ctx context.Context, bucket string, copies []backend.Snapshot) ([]backend.DeleteResult, error) {
	if err := s.Writable(); err != nil {
		return nil, err
	}
	recs := make([]backend.Record, len(copies))
	for i, snap := range copies {
		if len(snap.Payload) == 0 && snap.Kind != backend.KindString {
			return nil, backend.Invalid("snapshot", "key %q: the copy holds no data", snap.Key)
		}
		recs[i] = backend.Record{Key: snap.Key, Kind: snap.Kind, Value: snap.Value, Dump: snap.Payload, ExpiresAt: snap.ExpiresAt}
	}
	res, err := s.WriteRecords(ctx, bucket, recs, backend.ConflictFail)
	out := make([]backend.DeleteResult, len(res))
	for i, r := range res {
		out[i] = backend.DeleteResult{Key: r.Key, Outcome: r.Outcome, Err: r.Err}
	}
	return out, err
}

// failedDelete is the result of a key whose call failed.
func failedDelete(keys []string) func(i int, err error) backend.DeleteResult {
	return func(i int, err error) backend.DeleteResult {
		return backend.DeleteResult{Key: keys[i], Outcome: backend.BulkFailed, Err: err}
	}
}
