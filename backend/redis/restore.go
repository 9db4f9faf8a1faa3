package redis

import (
	"context"
	"fmt"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/kvdeck/kvdeck/backend"
)

// snapshotScript copies a key of any type for undo, with its absolute
// expiry, its version and size: a string as its value (DUMP would LZF-
// compress it, about 11 ms a megabyte here), any other type as its DUMP
// payload. A key over the keep limits is not copied ('toolarge'): the copy
// would hold the server's main thread too long.
var snapshotScript = goredis.NewScript(luaVersion + `
local k = KEYS[1]
local t = redis.call('TYPE', k).ok
if t == 'none' then return {t} end
local sizeOf = {string = 'STRLEN', hash = 'HLEN', list = 'LLEN', set = 'SCARD', zset = 'ZCARD', stream = 'XLEN'}
local n = -1
if sizeOf[t] then n = redis.call(sizeOf[t], k) end
if (t == 'string' and n > tonumber(ARGV[2])) or (t ~= 'string' and n > keepFor(t, tonumber(ARGV[1]))) then
  return {t, 'toolarge', n}
end
local expires = absExpiry(k)
if t == 'string' then
  local v = redis.call('GET', k)
  return {t, 'ok', n, '', expires, redis.sha1hex(v), v}
end
return {t, 'ok', n, redis.call('DUMP', k), expires, keyVersion(k, tonumber(ARGV[1])), ''}
`)

// restoreScript puts a copy back under a condition (ARGV[1]: 'absent',
// 'version' with ARGV[2], or 'any'), with its absolute expiry (ARGV[4],
// ms; 0 none), and returns the new version. ARGV[3] is a DUMP payload put
// back with RESTORE ... ABSTTL, or with ARGV[6] = 'value' a string's value
// put back with SET and PEXPIREAT. An expiry that has passed restores
// nothing.
var restoreScript = goredis.NewScript(luaVersion + `
local k = KEYS[1]
local t = redis.call('TYPE', k).ok
local limit = tonumber(ARGV[5])
if ARGV[1] == 'absent' and t ~= 'none' then
  return redis.error_reply('KVDECK_CONFLICT exists again (a ' .. t .. ' written since)')
end
if ARGV[1] == 'version' then
  if t == 'none' then return redis.error_reply('KVDECK_CONFLICT was deleted since') end
  if keyVersion(k, limit) ~= ARGV[2] then return redis.error_reply('KVDECK_CONFLICT changed since') end
end
local expires = tonumber(ARGV[4])
if expires > 0 and expires <= nowMs() then return redis.error_reply('KVDECK_EXPIRED') end
if ARGV[6] == 'value' then
  redis.call('SET', k, ARGV[3])
  if expires > 0 then redis.call('PEXPIREAT', k, ARGV[4]) end
  return redis.sha1hex(ARGV[3])
end
if expires > 0 then
  redis.call('RESTORE', k, ARGV[4], ARGV[3], 'REPLACE', 'ABSTTL')
else
  redis.call('RESTORE', k, 0, ARGV[3], 'REPLACE')
end
return keyVersion(k, limit)
`)

// Snapshot copies a key of any type with DUMP; see backend.Restorer.
func (s *Store) Snapshot(ctx context.Context, bucket, key string) (backend.Snapshot, error) {
	snap := backend.Snapshot{Key: key}
	c, err := s.bucketClient(bucket)
	if err != nil {
		return snap, err
	}
	res, err := snapshotScript.Run(ctx, c, []string{key}, keepLimit, keepBytesLimit).Slice()
	if err != nil {
		if isScriptDenied(err) {
			return snap, s.noScripting(err, key, "keep a copy for undo")
		}
		return snap, s.cmdErr(err, key)
	}
	typ, _ := res[0].(string)
	if typ == "none" {
		return snap, notFound(key)
	}
	snap.Kind, _ = backend.ParseKind(typ)
	snap.Size, _ = res[2].(int64)
	if status, _ := res[1].(string); status == "toolarge" {
		return snap, backendErr(backend.ErrUnsupported, "key %q is too large (%d) to keep a copy for undo", key, snap.Size)
	}
	if len(res) != 7 {
		return snap, fmt.Errorf("snapshot of %q: unexpected reply %v", key, res)
	}
	payload, _ := res[3].(string)
	snap.Payload = []byte(payload)
	if ms, _ := res[4].(int64); ms > 0 {
		snap.ExpiresAt = time.UnixMilli(ms)
	}
	snap.Version, _ = res[5].(string)
	if v, _ := res[6].(string); v != "" {
		snap.Value = []byte(v)
	}
	return snap, nil
}

// Restore puts a snapshot back with RESTORE ... ABSTTL; see
// backend.Restorer.
func (s *Store) Restore(ctx context.Context, bucket string, snap backend.Snapshot, opts backend.RestoreOptions) (string, error) {
	if err := s.Writable(); err != nil {
		return "", err
	}
	c, err := s.bucketClient(bucket)
	if err != nil {
		return "", err
	}
	// A string comes back from its value, anything else from its DUMP.
	data, form := snap.Payload, "dump"
	if len(data) == 0 && snap.Kind == backend.KindString {
		data, form = snap.Value, "value"
	} else if len(data) == 0 {
		return "", backend.Invalid("snapshot", "key %q: the copy holds no data", snap.Key)
	}
	mode := "any"
	switch {
	case opts.IfAbsent:
		mode = "absent"
	case opts.IfVersion != "":
		mode = "version"
	}
	var expires int64
	if !snap.ExpiresAt.IsZero() {
		expires = snap.ExpiresAt.UnixMilli()
	}
	v, err := restoreScript.Run(ctx, c, []string{snap.Key}, mode, opts.IfVersion, data, expires, keepLimit, form).Text()
	if err != nil {
		if isScriptDenied(err) {
			return "", s.noScripting(err, snap.Key, "put a key back")
		}
		return "", s.cmdErr(err, snap.Key)
	}
	return v, nil
}
