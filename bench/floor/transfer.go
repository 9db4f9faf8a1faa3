package main

import (
	"bufio"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// The floors of export and import: the plainest go-redis loops doing the
// same work as kvdeck export / import on string keys, file included.

// redisExport SCANs every name and, per SCAN batch, pipelines GET and
// PTTL (jsonl) or DUMP and PTTL (rdm-csv), writing a line a key: the
// value as a JSON string with its TTL, or hex key, hex payload and expiry.
func redisExport(ctx context.Context, addr string, db int, format, path string) error {
	c := redisClient(addr, db)
	defer c.Close()
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	n := 0
	var cursor uint64
	for {
		keys, next, err := c.Scan(ctx, cursor, "", scanCount).Result()
		if err != nil {
			return err
		}
		p := c.Pipeline()
		vals := make([]*goredis.StringCmd, len(keys))
		ttls := make([]*goredis.DurationCmd, len(keys))
		for i, k := range keys {
			if format == "rdm-csv" {
				vals[i] = p.Dump(ctx, k)
			} else {
				vals[i] = p.Get(ctx, k)
			}
			ttls[i] = p.PTTL(ctx, k)
		}
		if _, err := p.Exec(ctx); err != nil && err != goredis.Nil {
			return err
		}
		now := time.Now()
		for i, k := range keys {
			v, err := vals[i].Result()
			if err != nil {
				continue
			}
			ttl := ttls[i].Val()
			if format == "rdm-csv" {
				exp := int64(-1)
				if ttl > 0 {
					exp = now.Add(ttl).UnixMilli()
				}
				fmt.Fprintf(w, "%s,%s,%d\n", hex.EncodeToString([]byte(k)), hex.EncodeToString([]byte(v)), exp)
			} else {
				kb, _ := json.Marshal(k)
				vb, _ := json.Marshal(v)
				fmt.Fprintf(w, `{"key":%s,"value":%s,"ttl_ms":%d}`+"\n", kb, vb, ttl.Milliseconds())
			}
			n++
		}
		if cursor = next; cursor == 0 {
			break
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	fmt.Printf("keys %d\n", n)
	return nil
}

// redisImport reads path a line at a time and pipelines, 1000 lines a
// round trip, SET with its TTL (jsonl: the key, value and ttl_ms of
// kvdeck's lines) or RESTORE with ABSTTL (rdm-csv).
func redisImport(ctx context.Context, addr string, db int, format, path string) error {
	c := redisClient(addr, db)
	defer c.Close()
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	n := 0
	p := c.Pipeline()
	flush := func() error {
		if p.Len() == 0 {
			return nil
		}
		_, err := p.Exec(ctx)
		return err
	}
	for sc.Scan() {
		if format == "rdm-csv" {
			cols := strings.Split(sc.Text(), ",")
			k, _ := hex.DecodeString(cols[0])
			d, _ := hex.DecodeString(cols[1])
			exp, _ := strconv.ParseInt(cols[2], 10, 64)
			if exp > 0 {
				p.Do(ctx, "RESTORE", string(k), exp, string(d), "ABSTTL")
			} else {
				p.Do(ctx, "RESTORE", string(k), 0, string(d))
			}
		} else {
			var l struct {
				Key   string `json:"key"`
				Value string `json:"value"`
				TTLms int64  `json:"ttl_ms"`
			}
			if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
				return err
			}
			p.Set(ctx, l.Key, l.Value, time.Duration(max(l.TTLms, 0))*time.Millisecond)
		}
		n++
		if p.Len() == mgetBatch {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	if err := flush(); err != nil {
		return err
	}
	fmt.Printf("keys %d\n", n)
	return nil
}
