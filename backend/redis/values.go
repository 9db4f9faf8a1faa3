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

// readScript reads a key in one round trip: type and PTTL, and for strings
// the length, a SHA-1 of the whole value computed in the server (the
// version a later write compares against, with no transfer of a 10 MB
// value) and a bounded prefix.
var readScript = goredis.NewScript(`
local t = redis.call('TYPE', KEYS[1]).ok
local ttl = redis.call('PTTL', KEYS[1])
if t ~= 'string' then return {t, ttl} end
local v = redis.call('GET', KEYS[1])
local lim = tonumber(ARGV[1])
local part = v
if lim >= 0 and string.len(v) > lim then part = string.sub(v, 1, lim) end
return {t, ttl, string.len(v), redis.sha1hex(v), part}
`)

// writeScript sets a string only if the key still holds what was read
// (ARGV[1], a SHA-1; ” for any), or only if absent (ARGV[5] = '1'), never
// over a key of another type, keeping the TTL unless told otherwise.
var writeScript = goredis.NewScript(`
local t = redis.call('TYPE', KEYS[1]).ok
if ARGV[5] == '1' and t ~= 'none' then return redis.error_reply('KVDECK_CONFLICT already exists') end
if ARGV[1] ~= '' then
  if t ~= 'string' then return redis.error_reply('KVDECK_CONFLICT was deleted or replaced since it was read') end
  if redis.sha1hex(redis.call('GET', KEYS[1])) ~= ARGV[1] then return redis.error_reply('KVDECK_CONFLICT changed since it was read') end
end
if t ~= 'none' and t ~= 'string' then return redis.error_reply('WRONGTYPE the key holds a ' .. t .. ', not a string') end
if ARGV[3] == 'keep' then return redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL') end
if ARGV[3] == 'px' then return redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[4]) end
return redis.call('SET', KEYS[1], ARGV[2])
`)

// deleteScript deletes only if the value is still the one read.
var deleteScript = goredis.NewScript(`
local t = redis.call('TYPE', KEYS[1]).ok
if t == 'none' then return 0 end
if ARGV[1] ~= '' then
  if t ~= 'string' or redis.sha1hex(redis.call('GET', KEYS[1])) ~= ARGV[1] then
    return redis.error_reply('KVDECK_CONFLICT changed since it was read')
  end
end
return redis.call('DEL', KEYS[1])
`)

func notFound(key string) error { return backendErr(backend.ErrNotFound, "key %q", key) }

// Get reads a key: strings bounded by opts, collections as their size (page
// them with Elements), RedisJSON documents whole.
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
	if typ == "none" {
		return backend.Entry{}, notFound(key)
	}
	e := backend.Entry{Key: key, Size: -1}
	e.Kind, _ = backend.ParseKind(typ)
	if ttl, _ := res[1].(int64); ttl > 0 {
		e.ExpiresAt = time.Now().Add(time.Duration(ttl) * time.Millisecond)
	}
	switch {
	case e.Kind == backend.KindString:
		e.Size, _ = res[2].(int64)
		e.Version, _ = res[3].(string)
		part, _ := res[4].(string)
		e.Value = []byte(part)
		e.Truncated = int64(len(e.Value)) < e.Size
	case e.Kind == backend.KindJSON:
		v, err := c.Do(ctx, "JSON.GET", key).Text()
		if err != nil {
			return e, s.cmdErr(err, key)
		}
		e.Value, e.Size = []byte(v), int64(len(v))
	default:
		if cmd := sizeCmd(ctx, c, e.Kind, key); cmd != nil {
			e.Size = cmd.Val()
		}
	}
	if enc, err := c.ObjectEncoding(ctx, key).Result(); err == nil {
		e.Meta = append(e.Meta, backend.Field{Name: "encoding", Value: enc})
	}
	return e, nil
}

// isScriptDenied: ACLs or a managed service may forbid EVAL.
func isScriptDenied(err error) bool {
	m := err.Error()
	return strings.HasPrefix(m, "NOPERM") && strings.Contains(strings.ToLower(m), "eval") || strings.Contains(m, "unknown command")
}

// getPlain reads without Lua: TYPE, PTTL, STRLEN and GETRANGE pipelined;
// the version is a SHA-1 computed here when the whole value was read.
func (s *Store) getPlain(ctx context.Context, c goredis.UniversalClient, key string, opts backend.GetOptions) (backend.Entry, error) {
	var typ *goredis.StatusCmd
	var ttl *goredis.DurationCmd
	_, err := c.Pipelined(ctx, func(p goredis.Pipeliner) error {
		typ, ttl = p.Type(ctx, key), p.PTTL(ctx, key)
		return nil
	})
	if err != nil {
		return backend.Entry{}, s.cmdErr(err, key)
	}
	if typ.Val() == "none" {
		return backend.Entry{}, notFound(key)
	}
	e := backend.Entry{Key: key, Size: -1}
	e.Kind, _ = backend.ParseKind(typ.Val())
	if d := ttl.Val(); d > 0 {
		e.ExpiresAt = time.Now().Add(d)
	}
	if e.Kind != backend.KindString {
		if cmd := sizeCmd(ctx, c, e.Kind, key); cmd != nil {
			e.Size = cmd.Val()
		}
		return e, nil
	}
	n, err := c.StrLen(ctx, key).Result()
	if err != nil {
		return e, s.cmdErr(err, key)
	}
	end := int64(-1)
	if lim := opts.Limit(); lim >= 0 && n > lim {
		end = lim - 1
	}
	v, err := c.GetRange(ctx, key, 0, end).Result()
	if err != nil {
		return e, s.cmdErr(err, key)
	}
	e.Value, e.Size = []byte(v), n
	e.Truncated = int64(len(v)) < n
	if !e.Truncated {
		sum := sha1.Sum(e.Value)
		e.Version = hex.EncodeToString(sum[:])
	}
	return e, nil
}

// MemoryUsage is MEMORY USAGE, loaded on demand; a server that forbids it
// answers ErrUnsupported and nothing else fails.
func (s *Store) MemoryUsage(ctx context.Context, bucket, key string) (int64, error) {
	c, err := s.bucketClient(bucket)
	if err != nil {
		return 0, err
	}
	n, err := c.MemoryUsage(ctx, key).Result()
	if err != nil {
		if errors.Is(err, goredis.Nil) {
			return 0, notFound(key)
		}
		return 0, fmt.Errorf("MEMORY USAGE: %v: %w", err, backend.ErrUnsupported)
	}
	return n, nil
}

// Put writes a string; see backend.Store.
func (s *Store) Put(ctx context.Context, bucket, key string, value []byte, opts backend.PutOptions) error {
	if err := s.Writable(); err != nil {
		return err
	}
	c, err := s.bucketClient(bucket)
	if err != nil {
		return err
	}
	mode, px := "keep", int64(0)
	switch opts.TTLMode {
	case backend.TTLSet:
		if opts.TTL < time.Millisecond {
			return backend.Invalid("ttl", "must be at least 1ms")
		}
		mode, px = "px", opts.TTL.Milliseconds()
	case backend.TTLNone:
		mode = "none"
	}
	absent := "0"
	if opts.IfAbsent {
		absent = "1"
	}
	err = writeScript.Run(ctx, c, []string{key}, opts.IfVersion, value, mode, px, absent).Err()
	if err != nil && isScriptDenied(err) && opts.IfVersion == "" {
		return s.putPlain(ctx, c, key, value, opts, mode, px)
	}
	return s.cmdErr(err, key)
}

// putPlain writes without Lua (scripting forbidden): SET with NX/KEEPTTL.
// The type check before it is not atomic with the SET; without scripting
// there is no way to make it so.
func (s *Store) putPlain(ctx context.Context, c goredis.UniversalClient, key string, value []byte, opts backend.PutOptions, mode string, px int64) error {
	if t, err := c.Type(ctx, key).Result(); err == nil && t != "none" && t != "string" {
		return backend.Invalid("type", "key %q holds a %s, not a string", key, t)
	}
	args := goredis.SetArgs{KeepTTL: mode == "keep"}
	if mode == "px" {
		args.TTL = time.Duration(px) * time.Millisecond
	}
	if opts.IfAbsent {
		args.Mode = "NX"
	}
	err := c.SetArgs(ctx, key, value, args).Err()
	if errors.Is(err, goredis.Nil) {
		return backendErr(backend.ErrConflict, "key %q already exists", key)
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
		n, err = deleteScript.Run(ctx, c, []string{key}, opts.IfVersion).Int64()
	} else {
		n, err = c.Unlink(ctx, key).Result()
		if err != nil && strings.Contains(err.Error(), "unknown command") {
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
		if _, err := c.Persist(ctx, key).Result(); err != nil {
			return s.cmdErr(err, key)
		}
		n, err := c.Exists(ctx, key).Result()
		if err != nil {
			return s.cmdErr(err, key)
		}
		if n == 0 {
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
			return backendErr(backend.ErrUnsupported, "rename %q to %q: in a Cluster both names must hash to the same slot (use a {hash tag})", from, to)
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
