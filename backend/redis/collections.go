package redis

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/kvdeck/kvdeck/backend"
)

// Elements pages a collection: HSCAN, SSCAN, ZSCAN (with scores), LRANGE by
// index, XRANGE by id. Nothing loads a whole collection.
func (s *Store) Elements(ctx context.Context, bucket, key, cursor string, count int) (backend.ElementPage, error) {
	c, err := s.bucketClient(bucket)
	if err != nil {
		return backend.ElementPage{}, err
	}
	if count <= 0 {
		count = 200
	}
	typ, err := c.Type(ctx, key).Result()
	if err != nil {
		return backend.ElementPage{}, s.cmdErr(err, key)
	}
	kind, _ := backend.ParseKind(typ)
	var page backend.ElementPage
	switch kind {
	case backend.KindHash, backend.KindSet, backend.KindZSet:
		// HSCAN/SSCAN/ZSCAN cursors: like SCAN, an element may come twice
		// if the collection is rehashed between pages.
		cur, err := parseCursor(cursor)
		if err != nil {
			return page, err
		}
		var items []string
		var next uint64
		switch kind {
		case backend.KindHash:
			items, next, err = c.HScan(ctx, key, cur, "", int64(count)).Result()
		case backend.KindSet:
			items, next, err = c.SScan(ctx, key, cur, "", int64(count)).Result()
		default:
			items, next, err = c.ZScan(ctx, key, cur, "", int64(count)).Result()
		}
		if err != nil {
			return page, s.cmdErr(err, key)
		}
		for i := 0; i < len(items); i++ {
			switch kind {
			case backend.KindHash:
				page.Elements = append(page.Elements, backend.Element{Field: items[i], Value: []byte(items[i+1])})
				i++
			case backend.KindZSet:
				score, _ := strconv.ParseFloat(items[i+1], 64)
				page.Elements = append(page.Elements, backend.Element{Value: []byte(items[i]), Score: score})
				i++
			default:
				page.Elements = append(page.Elements, backend.Element{Value: []byte(items[i])})
			}
		}
		page.Cursor, page.Done = strconv.FormatUint(next, 10), next == 0
	case backend.KindList:
		start, err := parseCursor(cursor)
		if err != nil {
			return page, err
		}
		items, err := c.LRange(ctx, key, int64(start), int64(start)+int64(count)-1).Result()
		if err != nil {
			return page, s.cmdErr(err, key)
		}
		for i, v := range items {
			page.Elements = append(page.Elements, backend.Element{Value: []byte(v), Index: int64(start) + int64(i)})
		}
		page.Cursor, page.Done = strconv.FormatUint(start+uint64(len(items)), 10), len(items) < count
	case backend.KindStream:
		start := "-"
		if cursor != "" {
			start = "(" + cursor // exclusive: the page after the last id
		}
		page.Elements, err = xrange(ctx, c, key, start, count)
		if err != nil {
			return page, s.cmdErr(err, key)
		}
		if n := len(page.Elements); n > 0 {
			page.Cursor = page.Elements[n-1].Field
		} else {
			page.Cursor = cursor
		}
		page.Done = len(page.Elements) < count
	case backend.KindUnknown:
		if typ == "none" {
			return page, notFound(key)
		}
		fallthrough
	default:
		return page, backendErr(backend.ErrUnsupported, "key %q is a %s, not a collection", key, typ)
	}
	if page.Done {
		page.Cursor = ""
	}
	return page, nil
}

// parseCursor reads a SCAN cursor or a list index ("" is the start).
func parseCursor(cursor string) (uint64, error) {
	if cursor == "" {
		return 0, nil
	}
	n, err := strconv.ParseUint(cursor, 10, 64)
	if err != nil {
		return 0, backend.Invalid("cursor", "%q is not a cursor from a previous page", cursor)
	}
	return n, nil
}

// xrange reads stream entries with their fields in the order they were
// written (go-redis's XMessage keeps them in a map, which loses it).
func xrange(ctx context.Context, c goredis.UniversalClient, key, start string, count int) ([]backend.Element, error) {
	raw, err := c.Do(ctx, "XRANGE", key, start, "+", "COUNT", count).Slice()
	if err != nil {
		return nil, err
	}
	return xrangeEntries(key, raw)
}

// xrangeEntries reads an XRANGE reply.
func xrangeEntries(key string, raw []any) ([]backend.Element, error) {
	els := make([]backend.Element, 0, len(raw))
	for _, r := range raw {
		entry, ok := r.([]any)
		if !ok || len(entry) != 2 {
			return nil, fmt.Errorf("XRANGE %q: unexpected reply %T", key, r)
		}
		el := backend.Element{Field: fmt.Sprint(entry[0])}
		kv, _ := entry[1].([]any)
		for i := 0; i+1 < len(kv); i += 2 {
			el.Fields = append(el.Fields, backend.Field{Name: fmt.Sprint(kv[i]), Value: fmt.Sprint(kv[i+1])})
		}
		els = append(els, el)
	}
	return els, nil
}

func streamID(id string) string {
	if id == "" {
		return "*"
	}
	return id
}

func fieldArgs(fs []backend.Field) []any {
	var out []any
	for _, f := range fs {
		out = append(out, f.Name, f.Value)
	}
	return out
}

// createScript creates a key of any type atomically, refusing one that
// exists, with an optional TTL in ms.
var createScript = goredis.NewScript(luaVersion + `
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.error_reply('KVDECK_CONFLICT already exists') end
local k = ARGV[1]
if k == 'string' then redis.call('SET', KEYS[1], ARGV[3])
elseif k == 'hash' then redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
elseif k == 'list' then redis.call('RPUSH', KEYS[1], ARGV[3])
elseif k == 'set' then redis.call('SADD', KEYS[1], ARGV[3])
elseif k == 'zset' then redis.call('ZADD', KEYS[1], ARGV[4], ARGV[3])
elseif k == 'json' then redis.call('JSON.SET', KEYS[1], '$', ARGV[3])
elseif k == 'stream' then
  local args = {KEYS[1], ARGV[2]}
  for i = 7, #ARGV do table.insert(args, ARGV[i]) end
  redis.call('XADD', unpack(args))
else return redis.error_reply('unknown type ' .. k) end
if tonumber(ARGV[5]) > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[5]) end
return keyVersion(KEYS[1], tonumber(ARGV[6]))
`)

// CreateKey creates a key of kind with its first element and returns its
// version, so that undo deletes it only while it is still what was created.
func (s *Store) CreateKey(ctx context.Context, bucket, key string, kind backend.Kind, first backend.Element, ttl time.Duration) (string, error) {
	if err := s.Writable(); err != nil {
		return "", err
	}
	c, err := s.bucketClient(bucket)
	if err != nil {
		return "", err
	}
	if kind == backend.KindStream && len(first.Fields) == 0 {
		return "", backend.Invalid("fields", "a stream entry needs at least one field")
	}
	if kind == backend.KindUnknown || kind.String() == "" {
		return "", backend.Invalid("type", "pick a type for the new key")
	}
	field := first.Field
	if kind == backend.KindStream {
		field = streamID(first.Field)
	}
	args := []any{kind.String(), field, first.Value, formatScore(first.Score), ttl.Milliseconds(), keepLimit}
	args = append(args, fieldArgs(first.Fields)...)
	version, err := createScript.Run(ctx, c, []string{key}, args...).Text()
	if err != nil && kind == backend.KindJSON && strings.Contains(strings.ToLower(err.Error()), "unknown") {
		return "", backendErr(backend.ErrUnsupported, "RedisJSON is not loaded on this server; create %q as a string holding JSON", key)
	}
	if err != nil && isScriptDenied(err) {
		return "", s.noScripting(err, key, "create a key")
	}
	return version, s.cmdErr(err, key)
}
