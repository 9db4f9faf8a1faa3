package redis

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"testing"

	goredis "github.com/redis/go-redis/v9"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/kvdeck/kvdeck/backend/redis/redistest"
	"github.com/kvdeck/kvdeck/backend/storetest"
)

// otherClient is the conformance suite's second writer: a plain go-redis
// client on the test server, in the bucket's database, sharing nothing
// with kvdeck's driver. It implements storetest.Other and
// storetest.CollectionOther.
type otherClient struct {
	c *goredis.Client
}

var _ storetest.CollectionOther = (*otherClient)(nil)

// newOther connects to srv's database bucket ("0".."15") and closes the
// client when the test ends.
func newOther(t *testing.T, srv *redistest.Server, bucket string) *otherClient {
	t.Helper()
	db, err := strconv.Atoi(bucket)
	if err != nil {
		t.Fatalf("bucket %q is not a database number", bucket)
	}
	c := goredis.NewClient(&goredis.Options{Addr: srv.Addr, DB: db})
	t.Cleanup(func() { c.Close() })
	return &otherClient{c: c}
}

// do runs a command and fails the test on any error but a missing key.
func (o *otherClient) do(t *testing.T, what string, cmd goredis.Cmder) {
	t.Helper()
	if err := cmd.Err(); err != nil && !errors.Is(err, goredis.Nil) {
		t.Fatalf("other client %s: %v", what, err)
	}
}

func bg() context.Context { return context.Background() }

// Set is a plain SET: it replaces a value of any type and drops its TTL.
func (o *otherClient) Set(t *testing.T, key string, value []byte) {
	o.do(t, "SET "+key, o.c.Set(bg(), key, value, 0))
}

func (o *otherClient) Get(t *testing.T, key string) ([]byte, bool) {
	v, err := o.c.Get(bg(), key).Bytes()
	if errors.Is(err, goredis.Nil) {
		return nil, false
	}
	if err != nil {
		t.Fatalf("other client GET %s: %v", key, err)
	}
	return v, true
}

func (o *otherClient) Delete(t *testing.T, key string) { o.do(t, "DEL "+key, o.c.Del(bg(), key)) }

func (o *otherClient) Type(t *testing.T, key string) backend.Kind {
	typ, err := o.c.Type(bg(), key).Result()
	if err != nil {
		t.Fatalf("other client TYPE %s: %v", key, err)
	}
	if typ == "none" {
		return backend.KindUnknown
	}
	k, ok := backend.ParseKind(typ)
	if !ok {
		t.Fatalf("other client TYPE %s: unknown type %q", key, typ)
	}
	return k
}

func (o *otherClient) HSet(t *testing.T, key, field, value string) {
	o.do(t, "HSET "+key, o.c.HSet(bg(), key, field, value))
}

func (o *otherClient) HDel(t *testing.T, key, field string) {
	o.do(t, "HDEL "+key, o.c.HDel(bg(), key, field))
}

func (o *otherClient) HGetAll(t *testing.T, key string) map[string]string {
	cmd := o.c.HGetAll(bg(), key)
	o.do(t, "HGETALL "+key, cmd)
	return cmd.Val()
}

func (o *otherClient) LPush(t *testing.T, key, value string) {
	o.do(t, "LPUSH "+key, o.c.LPush(bg(), key, value))
}

func (o *otherClient) RPush(t *testing.T, key, value string) {
	o.do(t, "RPUSH "+key, o.c.RPush(bg(), key, value))
}

func (o *otherClient) LSet(t *testing.T, key string, index int64, value string) {
	o.do(t, "LSET "+key, o.c.LSet(bg(), key, index, value))
}

func (o *otherClient) LRange(t *testing.T, key string) []string {
	cmd := o.c.LRange(bg(), key, 0, -1)
	o.do(t, "LRANGE "+key, cmd)
	return cmd.Val()
}

func (o *otherClient) SAdd(t *testing.T, key, member string) {
	o.do(t, "SADD "+key, o.c.SAdd(bg(), key, member))
}

func (o *otherClient) SRem(t *testing.T, key, member string) {
	o.do(t, "SREM "+key, o.c.SRem(bg(), key, member))
}

func (o *otherClient) SMembers(t *testing.T, key string) []string {
	cmd := o.c.SMembers(bg(), key)
	o.do(t, "SMEMBERS "+key, cmd)
	return cmd.Val()
}

func (o *otherClient) ZAdd(t *testing.T, key, member string, score float64) {
	o.do(t, "ZADD "+key, o.c.ZAdd(bg(), key, goredis.Z{Member: member, Score: score}))
}

func (o *otherClient) ZRem(t *testing.T, key, member string) {
	o.do(t, "ZREM "+key, o.c.ZRem(bg(), key, member))
}

func (o *otherClient) ZScores(t *testing.T, key string) map[string]float64 {
	cmd := o.c.ZRangeWithScores(bg(), key, 0, -1)
	o.do(t, "ZRANGE "+key, cmd)
	out := map[string]float64{}
	for _, z := range cmd.Val() {
		out[fmt.Sprint(z.Member)] = z.Score
	}
	return out
}

func (o *otherClient) XAdd(t *testing.T, key string, fields []backend.Field) string {
	var values []any
	for _, f := range fields {
		values = append(values, f.Name, f.Value)
	}
	cmd := o.c.XAdd(bg(), &goredis.XAddArgs{Stream: key, Values: values})
	o.do(t, "XADD "+key, cmd)
	return cmd.Val()
}

func (o *otherClient) XDel(t *testing.T, key, id string) {
	o.do(t, "XDEL "+key, o.c.XDel(bg(), key, id))
}

// XRange reads the raw reply: go-redis's XMessage keeps the fields in a
// map, which loses their order.
func (o *otherClient) XRange(t *testing.T, key string) []backend.Element {
	raw, err := o.c.Do(bg(), "XRANGE", key, "-", "+").Slice()
	if err != nil {
		t.Fatalf("other client XRANGE %s: %v", key, err)
	}
	var out []backend.Element
	for _, r := range raw {
		entry, ok := r.([]any)
		if !ok || len(entry) != 2 {
			t.Fatalf("other client XRANGE %s: unexpected reply %#v", key, r)
		}
		el := backend.Element{Field: fmt.Sprint(entry[0])}
		kv, _ := entry[1].([]any)
		for i := 0; i+1 < len(kv); i += 2 {
			el.Fields = append(el.Fields, backend.Field{Name: fmt.Sprint(kv[i]), Value: fmt.Sprint(kv[i+1])})
		}
		out = append(out, el)
	}
	return out
}
