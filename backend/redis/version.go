package redis

import (
	"fmt"
	"github.com/kvdeck/kvdeck/backend"

	"strconv"
	"strings"
)

// keepLimit is the largest list or stream (in elements) kvdeck copies with
// DUMP, for undo or to tell versions apart: DUMP runs in the server's main
// thread. A hash, set or sorted set may have a fifth of it (10,000): its
// DUMP walks a hash table. Measured on the project's 2-core machine with
// Redis 7.0.15 and short elements: 50,000 list items 1.2-5 ms, 10,000 hash
// fields 2.8-7.8 ms, 50,000 hash fields 17-39 ms; the limits keep a copy
// under the default SLOWLOG threshold of 10 ms.
const keepLimit = 50_000

// keepBytesLimit is the largest string kvdeck copies for undo (its value
// and the SHA-1 the server computes of it: about 2.7 ms a megabyte here).
const keepBytesLimit = 2 << 20

// luaVersion defines, for the scripts that start with it, keepFor(type,
// limit), the copy limit of a type (see keepLimit); keyVersion(key, limit),
// the version of a key of any type; nowMs(), the server's clock;
// and absExpiry(key), the key's absolute expiry in ms (0 for none), exact
// with PEXPIRETIME (Redis 7), else from PTTL and the clock. A string's
// version is the SHA-1 of its value (what Get reports, computed in the
// server). Another type's is
// "dump:" and the SHA-1 of its DUMP payload, which is the same for the same
// content as long as the collection is not being rehashed (a hash or set
// in the middle of an incremental rehash may serialize in another order,
// which can only make a check fail, never pass wrongly). A collection over
// limit elements has no version: "big:" and its size, which never equals
// a version a caller holds, so a conditional write on it is a conflict.
const luaVersion = `
local function keepFor(t, limit)
  if t == 'hash' or t == 'set' or t == 'zset' then return math.floor(limit / 5) end
  return limit
end
local function keyVersion(k, limit)
  local t = redis.call('TYPE', k).ok
  if t == 'none' then return '' end
  if t == 'string' then return redis.sha1hex(redis.call('GET', k)) end
  local sizeOf = {hash = 'HLEN', list = 'LLEN', set = 'SCARD', zset = 'ZCARD', stream = 'XLEN'}
  if sizeOf[t] then
    local n = redis.call(sizeOf[t], k)
    if n > keepFor(t, limit) then return 'big:' .. n end
  end
  return 'dump:' .. redis.sha1hex(redis.call('DUMP', k))
end
local function nowMs()
  local tm = redis.call('TIME')
  return tonumber(tm[1]) * 1000 + math.floor(tonumber(tm[2]) / 1000)
end
local function absExpiry(k)
  local at = redis.pcall('PEXPIRETIME', k)
  if type(at) == 'number' then
    if at > 0 then return at end
    return 0
  end
  local pttl = redis.call('PTTL', k) -- before Redis 7: one clock reading off
  if pttl > 0 then return nowMs() + pttl end
  return 0
end
`

// formatScore writes a sorted-set score so that the server parses back
// exactly the same float64 (shortest round-trip form; inf as Redis spells
// it).
func formatScore(f float64) string {
	s := strconv.FormatFloat(f, 'g', -1, 64)
	return strings.TrimPrefix(strings.Replace(s, "Inf", "inf", 1), "+")
}

// noScripting explains a refused script: kvdeck's writes other than a
// plain string SET need Lua to be atomic, and it will not do them without.
func (s *Store) noScripting(err error, key, what string) error {
	if isPermissionDenied(err.Error()) {
		return fmt.Errorf("%w (kvdeck needs Lua scripting, EVAL, to %s safely)", s.cmdErr(err, key), what)
	}
	return backendErr(backend.ErrUnsupported, "kvdeck needs Lua scripting (EVAL) to %s safely, and this server does not allow it", what)
}
