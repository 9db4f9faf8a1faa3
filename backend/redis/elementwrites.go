package redis

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/kvdeck/kvdeck/backend"
)

// elementScript is every element write, in one script so that the check of
// what the user saw, the write, and the copy undo needs happen atomically.
//
// KEYS[1] the key. ARGV: 1 op (add, set, remove, push), 2 kind, 3..6 the
// old element (field, value, score, index), 7..9 the new one (field, value,
// score), 10 '1' to push at the front, 11 the keep limit, 12 a tombstone
// no list holds (list removal), 13.. stream fields.
//
// The reply is {status, kept, payload, expires-at ms, version, id, size
// before}: status
// 'ok' or 'unchanged'; kept '1' with the DUMP payload of the key before the
// write and its absolute expiry when the write has no exact element
// inverse, 'unkept' when that key was too large to copy, '0' otherwise; the
// key's version after the write when kept; the id of an added stream entry.
//
// Renames add the new member before removing the old one, so a collection
// with one element never goes through empty (which would delete the key
// and its TTL).
var elementScript = goredis.NewScript(luaVersion + `
local key = KEYS[1]
local op, kind = ARGV[1], ARGV[2]
local oldF, oldV, oldS, oldI = ARGV[3], ARGV[4], ARGV[5], tonumber(ARGV[6])
local newF, newV, newS = ARGV[7], ARGV[8], ARGV[9]
local limit = tonumber(ARGV[11])
local function conflict(why) return redis.error_reply('KVDECK_CONFLICT ' .. why) end
local function score(x)
  if x == 'inf' or x == '+inf' then return math.huge end
  if x == '-inf' then return -math.huge end
  return tonumber(x)
end
local t = redis.call('TYPE', key).ok
if t == 'none' then return redis.error_reply('KVDECK_NOTFOUND') end
if t ~= kind then return conflict('is now a ' .. t .. ', not a ' .. kind) end
local sizeOf = {hash = 'HLEN', list = 'LLEN', set = 'SCARD', zset = 'ZCARD', stream = 'XLEN'}
local n = redis.call(sizeOf[kind], key)

-- The checks: the element must still be what the user saw.
if op == 'set' or op == 'remove' then
  if kind == 'hash' then
    local cur = redis.call('HGET', key, oldF)
    if not cur then return conflict('no longer has field ' .. string.format('%q', oldF)) end
    if cur ~= oldV then return conflict('field ' .. string.format('%q', oldF) .. ' changed since it was read') end
  elseif kind == 'list' then
    local cur = redis.call('LINDEX', key, oldI)
    if cur ~= oldV then return conflict('item ' .. oldI .. ' is no longer the one shown (the list changed since it was read)') end
  elseif kind == 'set' then
    if redis.call('SISMEMBER', key, oldV) == 0 then return conflict('no longer has that member') end
  elseif kind == 'zset' then
    local cur = redis.call('ZSCORE', key, oldV)
    if not cur then return conflict('no longer has that member') end
    if score(cur) ~= score(oldS) then return conflict('member score is now ' .. cur .. ', not ' .. oldS) end
  elseif kind == 'stream' then
    if #redis.call('XRANGE', key, oldF, oldF) == 0 then return conflict('no longer has entry ' .. oldF) end
  end
end
if op == 'set' then
  local same = newV == oldV
  if kind == 'hash' then same = same and newF == oldF end
  if kind == 'zset' then same = same and score(newS) == score(oldS) end
  if same then return {'unchanged', '0', '', 0, '', '', n} end
end
local renamed = (kind == 'hash' and newF ~= oldF) or ((kind == 'set' or kind == 'zset') and newV ~= oldV)
if op == 'add' or (op == 'set' and renamed) then
  if kind == 'hash' and redis.call('HEXISTS', key, newF) == 1 then return conflict('already has field ' .. string.format('%q', newF)) end
  if kind == 'set' and redis.call('SISMEMBER', key, newV) == 1 then return conflict('already has that member') end
  if kind == 'zset' and redis.call('ZSCORE', key, newV) then return conflict('already has that member') end
end

-- A copy of the whole key for undo, where an element inverse would not be
-- exact: list and stream structure changes, and the last element going.
local kept, payload, expires = '0', '', 0
local structural = (kind == 'list' and op ~= 'set') or (kind == 'stream' and op == 'remove') or (op == 'remove' and n == 1)
if structural then
  if n > keepFor(kind, limit) then
    kept = 'unkept'
  else
    kept, payload = '1', redis.call('DUMP', key)
    expires = absExpiry(key)
  end
end

local id = ''
if kind == 'hash' then
  if op == 'remove' then redis.call('HDEL', key, oldF)
  else
    redis.call('HSET', key, newF, newV)
    if op == 'set' and renamed then redis.call('HDEL', key, oldF) end
  end
elseif kind == 'list' then
  if op == 'set' then redis.call('LSET', key, oldI, newV)
  elseif op == 'push' then
    if ARGV[10] == '1' then redis.call('LPUSH', key, newV) else redis.call('RPUSH', key, newV) end
  elseif op == 'remove' then
    redis.call('LSET', key, oldI, ARGV[12])
    redis.call('LREM', key, 1, ARGV[12])
  else return redis.error_reply('KVDECK_INVALID add a list item with push') end
elseif kind == 'set' then
  if op == 'remove' then redis.call('SREM', key, oldV)
  else
    redis.call('SADD', key, newV)
    if op == 'set' and renamed then redis.call('SREM', key, oldV) end
  end
elseif kind == 'zset' then
  if op == 'remove' then redis.call('ZREM', key, oldV)
  else
    redis.call('ZADD', key, newS, newV)
    if op == 'set' and renamed then redis.call('ZREM', key, oldV) end
  end
elseif kind == 'stream' then
  if op == 'remove' then redis.call('XDEL', key, oldF)
  elseif op == 'add' then
    local args = {key, newF}
    for i = 13, #ARGV do table.insert(args, ARGV[i]) end
    id = redis.call('XADD', unpack(args))
  else return redis.error_reply('KVDECK_INVALID stream entries cannot be changed; add a new one') end
end
local version = ''
if kept == '1' then version = keyVersion(key, limit) end
return {'ok', kept, payload, expires, version, id, n}
`)

// elementOp is one call of elementScript.
type elementOp struct {
	op    string
	kind  backend.Kind
	old   backend.Element
	el    backend.Element
	front bool
}

func (s *Store) runElementScript(ctx context.Context, bucket, key string, o elementOp) (backend.ElementWrite, error) {
	var w backend.ElementWrite
	if err := s.Writable(); err != nil {
		return w, err
	}
	c, err := s.bucketClient(bucket)
	if err != nil {
		return w, err
	}
	front := "0"
	if o.front {
		front = "1"
	}
	var nonce [16]byte
	rand.Read(nonce[:])
	tombstone := "\x00kvdeck-tombstone-" + hex.EncodeToString(nonce[:])
	args := []any{o.op, o.kind.String(),
		o.old.Field, o.old.Value, formatScore(o.old.Score), o.old.Index,
		o.el.Field, o.el.Value, formatScore(o.el.Score),
		front, keepLimit, tombstone}
	args = append(args, fieldArgs(o.el.Fields)...)
	res, err := elementScript.Run(ctx, c, []string{key}, args...).Slice()
	if err != nil {
		if isScriptDenied(err) {
			return w, s.noScripting(err, key, "change an element")
		}
		if _, why, ok := strings.Cut(firstLine(err), "KVDECK_INVALID "); ok {
			return w, backend.Invalid("element", "%s", why)
		}
		if strings.Contains(err.Error(), "ID specified in XADD") {
			return w, backend.Invalid("id", "%q must be greater than the stream's last id; use * for a new one", o.el.Field)
		}
		return w, s.cmdErr(err, key)
	}
	if len(res) != 7 {
		return w, fmt.Errorf("element write on %q: unexpected reply %v", key, res)
	}
	kept, _ := res[1].(string)
	switch kept {
	case "unkept":
		w.Unkept = true
	case "1":
		payload, _ := res[2].(string)
		expires, _ := res[3].(int64)
		size, _ := res[6].(int64)
		w.Before = &backend.Snapshot{Key: key, Kind: o.kind, Payload: []byte(payload), Size: size}
		if expires > 0 {
			w.Before.ExpiresAt = time.UnixMilli(expires)
		}
		w.Version, _ = res[4].(string)
	}
	w.ID, _ = res[5].(string)
	return w, nil
}

// SetElement replaces or adds one element; see backend.Collections.
func (s *Store) SetElement(ctx context.Context, bucket, key string, kind backend.Kind, old *backend.Element, el backend.Element) (backend.ElementWrite, error) {
	o := elementOp{op: "add", kind: kind, el: el}
	if old != nil {
		o.op, o.old = "set", *old
	}
	switch {
	case kind == backend.KindStream && old != nil:
		return backend.ElementWrite{}, backend.Invalid("element", "stream entries cannot be changed; add a new one")
	case kind == backend.KindStream && len(el.Fields) == 0:
		return backend.ElementWrite{}, backend.Invalid("fields", "a stream entry needs at least one field")
	case kind == backend.KindStream:
		o.el.Field = streamID(el.Field)
	case kind == backend.KindList && old == nil:
		return backend.ElementWrite{}, backend.Invalid("element", "add a list item with push (at the head or the tail)")
	case !isCollection(kind):
		return backend.ElementWrite{}, backendErr(backend.ErrUnsupported, "SetElement on a %s", kind)
	}
	return s.runElementScript(ctx, bucket, key, o)
}

// PushElement prepends or appends a list item to an existing list.
func (s *Store) PushElement(ctx context.Context, bucket, key string, value []byte, front bool) (backend.ElementWrite, error) {
	return s.runElementScript(ctx, bucket, key, elementOp{op: "push", kind: backend.KindList, el: backend.Element{Value: value}, front: front})
}

// RemoveElement removes exactly the element shown; see backend.Collections.
func (s *Store) RemoveElement(ctx context.Context, bucket, key string, kind backend.Kind, el backend.Element) (backend.ElementWrite, error) {
	if !isCollection(kind) {
		return backend.ElementWrite{}, backendErr(backend.ErrUnsupported, "RemoveElement on a %s", kind)
	}
	return s.runElementScript(ctx, bucket, key, elementOp{op: "remove", kind: kind, old: el})
}

func isCollection(k backend.Kind) bool {
	switch k {
	case backend.KindHash, backend.KindList, backend.KindSet, backend.KindZSet, backend.KindStream:
		return true
	}
	return false
}
