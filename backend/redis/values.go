package redis

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/kvdeck/kvdeck/backend"
)

// readScript reads a key in one round trip: type, PTTL, encoding, and the
// size (STRLEN, or the element count of a collection). For strings it adds
// a SHA-1 of the whole value computed in the server (the version a later
// write compares against, with no transfer of a 10 MB value) and a bounded
// prefix. RedisJSON documents are read apart (JSON.GET) after it.
var readScript = goredis.NewScript(`
local t = redis.call('TYPE', KEYS[1]).ok
if t == 'none' then return {t} end
local ttl = redis.call('PTTL', KEYS[1])
local enc = redis.call('OBJECT', 'ENCODING', KEYS[1])
local sizeOf = {hash = 'HLEN', list = 'LLEN', set = 'SCARD', zset = 'ZCARD', stream = 'XLEN'}
if t ~= 'string' then
  local n = -1
  if sizeOf[t] then n = redis.call(sizeOf[t], KEYS[1]) end
  return {t, ttl, enc, n}
end
local v = redis.call('GET', KEYS[1])
local lim = tonumber(ARGV[1])
local part = v
if lim >= 0 and string.len(v) > lim then part = string.sub(v, 1, lim) end
return {t, ttl, enc, string.len(v), redis.sha1hex(v), part}
`)

// writeScript sets a string only if the key still holds what was read
// (ARGV[1], a SHA-1; empty for any), or only if absent (ARGV[5] = '1'), never
// over a key of another type, keeping the TTL unless told otherwise. When
// the value read is the value to write (ARGV[6], its SHA-1) and the TTL is
// kept, it writes nothing: an unchanged edit must not touch the key.
var writeScript = goredis.NewScript(`
local t = redis.call('TYPE', KEYS[1]).ok
if ARGV[5] == '1' and t ~= 'none' then return redis.error_reply('KVDECK_CONFLICT already exists') end
if ARGV[1] ~= '' then
  if t ~= 'string' then return redis.error_reply('KVDECK_CONFLICT was deleted or replaced since it was read') end
  if redis.sha1hex(redis.call('GET', KEYS[1])) ~= ARGV[1] then return redis.error_reply('KVDECK_CONFLICT changed since it was read') end
  if ARGV[6] == ARGV[1] and ARGV[3] == 'keep' then return 0 end
end
if t ~= 'none' and t ~= 'string' then return redis.error_reply('WRONGTYPE the key holds a ' .. t .. ', not a string') end
if ARGV[3] == 'keep' then redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL')
elseif ARGV[3] == 'px' then redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[4])
else redis.call('SET', KEYS[1], ARGV[2]) end
return 1
`)

// deleteScript deletes only if the key still holds the version read: a
// string's SHA-1 (Entry.Version), or for any type the version a Snapshot
// reported.
var deleteScript = goredis.NewScript(luaVersion + `
local t = redis.call('TYPE', KEYS[1]).ok
if t == 'none' then return 0 end
if ARGV[1] ~= '' and keyVersion(KEYS[1], tonumber(ARGV[2])) ~= ARGV[1] then
  return redis.error_reply('KVDECK_CONFLICT changed since it was read')
end
return redis.call('DEL', KEYS[1])
`)

func notFound(key string) error { return backendErr(backend.ErrNotFound, "key %q", key) }

// Get reads a key in one round trip: strings bounded by opts, collections
// as their size (page them with Elements), RedisJSON documents bounded too.
func (s *Store) Get(ctx context.Context, bucket, key string, opts backend.GetOptions) (backend.Entry, error) {
	c, err := s.bucketClient(bucket)
	if err != nil {
		return backend.Entry{}, err
	}
	res, err := readScript.Run(ctx, c, []string{key}, opts.Limit()).Slice()
	if err != nil {
		if isScriptDenied(err) {
			return s.getPlain(ctx, c, key, opts)
		}
		return backend.Entry{}, s.cmdErr(err, key)
	}
	typ, _ := res[0].(string)
	if typ == "none" || len(res) < 4 {
		return backend.Entry{}, notFound(key)
	}
	e := backend.Entry{Key: key, Size: -1}
	e.Kind, _ = backend.ParseKind(typ)
	if ttl, _ := res[1].(int64); ttl > 0 {
		e.ExpiresAt = time.Now().Add(time.Duration(ttl) * time.Millisecond)
	}
	if enc, _ := res[2].(string); enc != "" {
		e.Meta = append(e.Meta, backend.Field{Name: "encoding", Value: enc})
	}
	e.Size, _ = res[3].(int64)
	switch e.Kind {
	case backend.KindString:
		e.Version, _ = res[4].(string)
		part, _ := res[5].(string)
		e.Value = []byte(part)
		e.Truncated = int64(len(e.Value)) < e.Size
	case backend.KindJSON:
		v, err := c.Do(ctx, "JSON.GET", key).Text()
		if err != nil {
			return e, s.cmdErr(err, key)
		}
		e.Value, e.Size = []byte(v), int64(len(v))
		if lim := opts.Limit(); lim >= 0 && e.Size > lim {
			e.Value, e.Truncated = e.Value[:lim], true
		}
	case backend.KindUnknown:
		// A type kvdeck does not know (a module's): shown by name.
		e.Meta = append(e.Meta, backend.Field{Name: "type", Value: typ})
	}
	return e, nil
}

// isScriptDenied: ACLs or a managed service may forbid EVAL.
func isScriptDenied(err error) bool {
	m := err.Error()
	return strings.HasPrefix(m, "NOPERM") && strings.Contains(strings.ToLower(m), "eval") || strings.Contains(m, "unknown command")
}

// getPlain reads without Lua (scripting forbidden by an ACL): TYPE, PTTL,
// OBJECT ENCODING, STRLEN and GETRANGE in one pipeline (the string reads
// fail harmlessly on other types), then a collection's size. The version
// is a SHA-1 computed here, so it is known only when the whole value was
// read; a truncated value has none, and a write with IfVersion refuses it.
func (s *Store) getPlain(ctx context.Context, c goredis.UniversalClient, key string, opts backend.GetOptions) (backend.Entry, error) {
	end := int64(-1)
	if lim := opts.Limit(); lim >= 0 {
		end = lim - 1
	}
	var typ *goredis.StatusCmd
	var ttl *goredis.DurationCmd
	var n *goredis.IntCmd
	var enc, part *goredis.StringCmd
	_, err := c.Pipelined(ctx, func(p goredis.Pipeliner) error {
		typ, ttl, enc = p.Type(ctx, key), p.PTTL(ctx, key), p.ObjectEncoding(ctx, key)
		n, part = p.StrLen(ctx, key), p.GetRange(ctx, key, 0, end)
		return nil
	})
	if err := s.pipelineErr(ctx, err, []*goredis.StatusCmd{typ}); err != nil {
		return backend.Entry{}, err
	}
	if typ.Val() == "none" {
		return backend.Entry{}, notFound(key)
	}
	e := backend.Entry{Key: key, Size: -1}
	e.Kind, _ = backend.ParseKind(typ.Val())
	if d := ttl.Val(); d > 0 {
		e.ExpiresAt = time.Now().Add(d)
	}
	if v := enc.Val(); v != "" {
		e.Meta = append(e.Meta, backend.Field{Name: "encoding", Value: v})
	}
	if e.Kind != backend.KindString {
		if size, ok := cmdSize(sizeCmd(ctx, c, e.Kind, key)); ok {
			e.Size = size
		}
		return e, nil
	}
	e.Value, e.Size = []byte(part.Val()), n.Val()
	e.Truncated = int64(len(e.Value)) < e.Size
	if !e.Truncated {
		e.Version = fingerprint(e.Value)
	}
	return e, nil
}

// fingerprint is the version of a string value: the SHA-1 that Lua's
// redis.sha1hex computes in the server.
func fingerprint(v []byte) string {
	sum := sha1.Sum(v)
	return hex.EncodeToString(sum[:])
}

// MemoryUsage is MEMORY USAGE, loaded on demand. A server that forbids the
// command (an ACL, a managed service, a renamed command) answers
// ErrUnsupported and nothing else fails; a missing key is ErrNotFound.
func (s *Store) MemoryUsage(ctx context.Context, bucket, key string) (int64, error) {
	c, err := s.bucketClient(bucket)
	if err != nil {
		return 0, err
	}
	n, err := c.MemoryUsage(ctx, key).Result()
	switch {
	case err == nil:
		return n, nil
	case errors.Is(err, goredis.Nil):
		return 0, notFound(key)
	case isCommandDenied(err):
		return 0, fmt.Errorf("MEMORY USAGE is not allowed here (%s): %w", firstLine(err), backend.ErrUnsupported)
	}
	return 0, s.cmdErr(err, key)
}

// isCommandDenied: the server refuses a command itself, not its arguments
// (ACL NOPERM, a command renamed away or missing from an old server).
func isCommandDenied(err error) bool {
	m := err.Error()
	return strings.HasPrefix(m, "NOPERM") || strings.Contains(m, "unknown command") || strings.Contains(m, "unknown subcommand")
}

// Put writes a string; see backend.Store.
func (s *Store) Put(ctx context.Context, bucket, key string, value []byte, opts backend.PutOptions) (string, error) {
	if err := s.Writable(); err != nil {
		return "", err
	}
	c, err := s.bucketClient(bucket)
	if err != nil {
		return "", err
	}
	mode, px := "keep", int64(0)
	switch opts.TTLMode {
	case backend.TTLSet:
		if opts.TTL < time.Millisecond {
			return "", backend.Invalid("ttl", "must be at least 1ms")
		}
		mode, px = "px", opts.TTL.Milliseconds()
	case backend.TTLNone:
		mode = "none"
	}
	absent := "0"
	if opts.IfAbsent {
		absent = "1"
	}
	// The version of a string is the SHA-1 of its bytes, so the version
	// after the write is known without asking the server.
	version := fingerprint(value)
	err = writeScript.Run(ctx, c, []string{key}, opts.IfVersion, value, mode, px, absent, version).Err()
	if err != nil && isScriptDenied(err) {
		err = s.putPlain(ctx, c, key, value, opts, mode, px)
		if err != nil {
			return "", err
		}
		return version, nil
	}
	if err != nil {
		return "", s.cmdErr(err, key)
	}
	return version, nil
}

// putPlain writes without Lua (scripting forbidden by an ACL) with the same
// guarantees: WATCH the key, check its type and fingerprint, then SET in
// MULTI/EXEC, which the server aborts if the key changed in between.
func (s *Store) putPlain(ctx context.Context, c goredis.UniversalClient, key string, value []byte, opts backend.PutOptions, mode string, px int64) error {
	args := goredis.SetArgs{KeepTTL: mode == "keep"}
	if mode == "px" {
		args.TTL = time.Duration(px) * time.Millisecond
	}
	err := c.Watch(ctx, func(tx *goredis.Tx) error {
		t, err := tx.Type(ctx, key).Result()
		if err != nil {
			return err
		}
		if opts.IfAbsent && t != "none" {
			return conflict(key, "already exists")
		}
		if err := checkVersion(ctx, tx, key, t, opts.IfVersion); err != nil {
			return err
		}
		if t != "none" && t != "string" {
			return wrongType(key, t)
		}
		if opts.IfVersion != "" && fingerprint(value) == opts.IfVersion && mode == "keep" {
			return nil // unchanged: write nothing
		}
		_, err = tx.TxPipelined(ctx, func(p goredis.Pipeliner) error {
			p.SetArgs(ctx, key, value, args)
			return nil
		})
		return err
	}, key)
	return s.txErr(err, key)
}

// deletePlain is Delete with IfVersion without Lua: WATCH, compare, UNLINK
// in MULTI/EXEC.
func (s *Store) deletePlain(ctx context.Context, c goredis.UniversalClient, key, version string) (int64, error) {
	var n *goredis.IntCmd
	err := c.Watch(ctx, func(tx *goredis.Tx) error {
		t, err := tx.Type(ctx, key).Result()
		if err != nil || t == "none" {
			return err
		}
		if err := checkVersion(ctx, tx, key, t, version); err != nil {
			return err
		}
		_, err = tx.TxPipelined(ctx, func(p goredis.Pipeliner) error {
			n = p.Del(ctx, key)
			return nil
		})
		return err
	}, key)
	if err != nil || n == nil {
		return 0, s.txErr(err, key)
	}
	return n.Val(), nil
}

// checkVersion compares a watched string's fingerprint with the version
// the caller read ("" accepts anything).
func checkVersion(ctx context.Context, tx *goredis.Tx, key, typ, version string) error {
	if version == "" {
		return nil
	}
	if typ != "string" {
		return conflict(key, "was deleted or replaced since it was read")
	}
	v, err := tx.Get(ctx, key).Bytes()
	if errors.Is(err, goredis.Nil) {
		return conflict(key, "was deleted since it was read")
	}
	if err != nil {
		return err
	}
	if fingerprint(v) != version {
		return conflict(key, "changed since it was read")
	}
	return nil
}

// txErr maps the end of a WATCH transaction: an aborted EXEC means another
// client wrote the key in between.
func (s *Store) txErr(err error, key string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, goredis.TxFailedErr):
		return conflict(key, "changed while it was being written")
	case errors.Is(err, backend.ErrConflict), errors.Is(err, backend.ErrInvalid):
		return err
	}
	return s.cmdErr(err, key)
}

// Delete unlinks a key (DEL where UNLINK is unknown, or with IfVersion).
func (s *Store) Delete(ctx context.Context, bucket, key string, opts backend.DeleteOptions) error {
	if err := s.Writable(); err != nil {
		return err
	}
	c, err := s.bucketClient(bucket)
	if err != nil {
		return err
	}
	var n int64
	if opts.IfVersion != "" {
		n, err = deleteScript.Run(ctx, c, []string{key}, opts.IfVersion, keepLimit).Int64()
		if err != nil && isScriptDenied(err) {
			n, err = s.deletePlain(ctx, c, key, opts.IfVersion)
		}
	} else {
		// UNLINK frees a large value in the background; servers before
		// 4.0, or an ACL that allows only DEL, get DEL.
		n, err = c.Unlink(ctx, key).Result()
		if err != nil && isCommandDenied(err) {
			n, err = c.Del(ctx, key).Result()
		}
	}
	if err != nil {
		return s.cmdErr(err, key)
	}
	if n == 0 {
		return notFound(key)
	}
	return nil
}

// Expire sets the TTL (PEXPIRE) or removes it (PERSIST).
func (s *Store) Expire(ctx context.Context, bucket, key string, ttl time.Duration) error {
	if err := s.Writable(); err != nil {
		return err
	}
	if ttl < 0 {
		return backend.Invalid("ttl", "must not be negative")
	}
	c, err := s.bucketClient(bucket)
	if err != nil {
		return err
	}
	if ttl == 0 {
		// PERSIST answers 0 both for a missing key and for one without a
		// TTL; EXISTS in the same round trip tells them apart.
		var exists *goredis.IntCmd
		_, err := c.Pipelined(ctx, func(p goredis.Pipeliner) error {
			p.Persist(ctx, key)
			exists = p.Exists(ctx, key)
			return nil
		})
		if err != nil {
			return s.cmdErr(err, key)
		}
		if exists.Val() == 0 {
			return notFound(key)
		}
		return nil
	}
	ok, err := c.PExpire(ctx, key, max(ttl, time.Millisecond)).Result()
	if err != nil {
		return s.cmdErr(err, key)
	}
	if !ok {
		return notFound(key)
	}
	return nil
}

// Rename is RENAMENX: an existing target is a conflict, never overwritten.
func (s *Store) Rename(ctx context.Context, bucket, from, to string) error {
	if err := s.Writable(); err != nil {
		return err
	}
	c, err := s.bucketClient(bucket)
	if err != nil {
		return err
	}
	ok, err := c.RenameNX(ctx, from, to).Result()
	if err != nil {
		if strings.Contains(err.Error(), "no such key") {
			return notFound(from)
		}
		if strings.HasPrefix(err.Error(), "CROSSSLOT") {
			// No DUMP/RESTORE+DEL fallback: it is not atomic, so a failure
			// between the steps would leave two copies or a lost TTL.
			return backendErr(backend.ErrUnsupported, "rename %q to %q: in a Cluster both names must hash to the same slot (share a {hash tag})", from, to)
		}
		return s.cmdErr(err, from)
	}
	if !ok {
		return backendErr(backend.ErrConflict, "key %q already exists; rename never overwrites", to)
	}
	return nil
}

// PutMany writes many strings with pipelines of 1,000 (benchmarks,
// seeding); existing keys are overwritten.
func (s *Store) PutMany(ctx context.Context, bucket string, items []backend.Item) error {
	if err := s.Writable(); err != nil {
		return err
	}
	c, err := s.bucketClient(bucket)
	if err != nil {
		return err
	}
	for len(items) > 0 {
		n := min(len(items), 1000)
		chunk := items[:n]
		items = items[n:]
		_, err := c.Pipelined(ctx, func(p goredis.Pipeliner) error {
			for _, it := range chunk {
				p.Set(ctx, it.Key, it.Value, it.TTL)
			}
			return nil
		})
		if err != nil {
			return s.cmdErr(err, "")
		}
	}
	return nil
}
