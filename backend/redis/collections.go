package redis

import (
	"context"
	"fmt"
	"strconv"
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
		cur, _ := strconv.ParseUint(cursor, 10, 64)
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
		start, _ := strconv.ParseInt(cursor, 10, 64)
		items, err := c.LRange(ctx, key, start, start+int64(count)-1).Result()
		if err != nil {
			return page, s.cmdErr(err, key)
		}
		for i, v := range items {
			page.Elements = append(page.Elements, backend.Element{Value: []byte(v), Index: start + int64(i)})
		}
		page.Cursor, page.Done = strconv.FormatInt(start+int64(len(items)), 10), len(items) < count
	case backend.KindStream:
		start := "-"
		if cursor != "" {
			start = "(" + cursor
		}
		msgs, err := c.XRangeN(ctx, key, start, "+", int64(count)).Result()
		if err != nil {
			return page, s.cmdErr(err, key)
		}
		for _, m := range msgs {
			el := backend.Element{Field: m.ID}
			for f, v := range m.Values {
				el.Fields = append(el.Fields, backend.Field{Name: f, Value: fmt.Sprint(v)})
			}
			sortFields(el.Fields)
			page.Elements = append(page.Elements, el)
			page.Cursor = m.ID
		}
		page.Done = len(msgs) < count
	case backend.KindUnknown:
		if typ == "none" {
			return page, notFound(key)
		}
		fallthrough
	default:
		return page, backendErr(backend.ErrUnsupported, "key %q is a %s, not a collection", key, typ)
	}
	return page, nil
}

func sortFields(f []backend.Field) {
	for i := 1; i < len(f); i++ {
		for j := i; j > 0 && f[j].Name < f[j-1].Name; j-- {
			f[j], f[j-1] = f[j-1], f[j]
		}
	}
}

// SetElement sets a hash field, a list item, adds a set member, adds or
// rescores a sorted-set member, or adds a stream entry.
func (s *Store) SetElement(ctx context.Context, bucket, key string, kind backend.Kind, el backend.Element) error {
	if err := s.Writable(); err != nil {
		return err
	}
	c, err := s.bucketClient(bucket)
	if err != nil {
		return err
	}
	switch kind {
	case backend.KindHash:
		err = c.HSet(ctx, key, el.Field, el.Value).Err()
	case backend.KindList:
		err = c.LSet(ctx, key, el.Index, el.Value).Err()
	case backend.KindSet:
		err = c.SAdd(ctx, key, el.Value).Err()
	case backend.KindZSet:
		err = c.ZAdd(ctx, key, goredis.Z{Score: el.Score, Member: el.Value}).Err()
	case backend.KindStream:
		err = c.XAdd(ctx, &goredis.XAddArgs{Stream: key, ID: streamID(el.Field), Values: fieldArgs(el.Fields)}).Err()
	default:
		return backendErr(backend.ErrUnsupported, "SetElement on a %s", kind)
	}
	return s.cmdErr(err, key)
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

// PushElement appends (RPUSH) or prepends (LPUSH) a list item.
func (s *Store) PushElement(ctx context.Context, bucket, key string, value []byte, front bool) error {
	if err := s.Writable(); err != nil {
		return err
	}
	c, err := s.bucketClient(bucket)
	if err != nil {
		return err
	}
	if front {
		return s.cmdErr(c.LPush(ctx, key, value).Err(), key)
	}
	return s.cmdErr(c.RPush(ctx, key, value).Err(), key)
}

// RemoveElement removes a hash field, a list item (first occurrence of the
// value), a set or sorted-set member, or a stream entry.
func (s *Store) RemoveElement(ctx context.Context, bucket, key string, kind backend.Kind, el backend.Element) error {
	if err := s.Writable(); err != nil {
		return err
	}
	c, err := s.bucketClient(bucket)
	if err != nil {
		return err
	}
	var n int64
	switch kind {
	case backend.KindHash:
		n, err = c.HDel(ctx, key, el.Field).Result()
	case backend.KindList:
		n, err = c.LRem(ctx, key, 1, el.Value).Result()
	case backend.KindSet:
		n, err = c.SRem(ctx, key, el.Value).Result()
	case backend.KindZSet:
		n, err = c.ZRem(ctx, key, el.Value).Result()
	case backend.KindStream:
		n, err = c.XDel(ctx, key, el.Field).Result()
	default:
		return backendErr(backend.ErrUnsupported, "RemoveElement on a %s", kind)
	}
	if err != nil {
		return s.cmdErr(err, key)
	}
	if n == 0 {
		return backendErr(backend.ErrNotFound, "element of %q", key)
	}
	return nil
}

// createScript creates a key of any type atomically, refusing one that
// exists, with an optional TTL in ms.
var createScript = goredis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.error_reply('KVDECK_CONFLICT already exists') end
local k = ARGV[1]
if k == 'string' then redis.call('SET', KEYS[1], ARGV[3])
elseif k == 'hash' then redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
elseif k == 'list' then redis.call('RPUSH', KEYS[1], ARGV[3])
elseif k == 'set' then redis.call('SADD', KEYS[1], ARGV[3])
elseif k == 'zset' then redis.call('ZADD', KEYS[1], ARGV[4], ARGV[3])
elseif k == 'stream' then
  local args = {KEYS[1], '*'}
  for i = 6, #ARGV do table.insert(args, ARGV[i]) end
  redis.call('XADD', unpack(args))
else return redis.error_reply('unknown type ' .. k) end
if tonumber(ARGV[5]) > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[5]) end
return 1
`)

// CreateKey creates a key of kind with its first element.
func (s *Store) CreateKey(ctx context.Context, bucket, key string, kind backend.Kind, first backend.Element, ttl time.Duration) error {
	if err := s.Writable(); err != nil {
		return err
	}
	c, err := s.bucketClient(bucket)
	if err != nil {
		return err
	}
	if kind == backend.KindStream && len(first.Fields) == 0 {
		return backend.Invalid("fields", "a stream entry needs at least one field")
	}
	args := []any{kind.String(), first.Field, first.Value, first.Score, ttl.Milliseconds()}
	args = append(args, fieldArgs(first.Fields)...)
	return s.cmdErr(createScript.Run(ctx, c, []string{key}, args...).Err(), key)
}
