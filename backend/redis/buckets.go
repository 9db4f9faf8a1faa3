package redis

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"

	goredis "github.com/redis/go-redis/v9"

	"github.com/kvdeck/kvdeck/backend"
)

// Buckets lists the logical databases with their key counts (INFO
// keyspace), or the one "cluster" bucket with the sum over every master.
func (s *Store) Buckets(ctx context.Context) ([]backend.Bucket, error) {
	c, err := s.client(s.opts.DB)
	if err != nil {
		return nil, err
	}
	if s.cluster {
		cc := c.(*goredis.ClusterClient)
		var total atomic.Int64
		var masters atomic.Int64
		err := cc.ForEachMaster(ctx, func(ctx context.Context, m *goredis.Client) error {
			n, err := m.DBSize(ctx).Result()
			total.Add(n)
			masters.Add(1)
			return err
		})
		if err != nil {
			return nil, describe(err, s.address)
		}
		return []backend.Bucket{{Name: clusterBucket, Keys: total.Load(), Bytes: -1,
			Description: fmt.Sprintf("Redis Cluster, %d masters", masters.Load()),
			Status:      []backend.Field{{Name: "masters", Value: fmt.Sprint(masters.Load())}}}}, nil
	}
	info, err := c.Info(ctx, "keyspace").Result()
	if err != nil {
		return nil, describe(err, s.address)
	}
	counts := parseKeyspace(info)
	n := 16
	if res, err := c.ConfigGet(ctx, "databases").Result(); err == nil {
		if v, err := strconv.Atoi(res["databases"]); err == nil && v > 0 {
			n = v
		}
	} else {
		// CONFIG is often forbidden (ACL, managed Redis): show the
		// databases INFO knows of plus the selected one.
		n = 0
		counts[s.opts.DB] = counts[s.opts.DB]
	}
	dbs := map[int]bool{}
	for i := range n {
		dbs[i] = true
	}
	for db := range counts {
		dbs[db] = true
	}
	var out []backend.Bucket
	for db := range dbs {
		ks := counts[db]
		out = append(out, backend.Bucket{Name: strconv.Itoa(db), Keys: ks.keys, Bytes: -1,
			Status: []backend.Field{{Name: "keys with TTL", Value: fmt.Sprint(ks.expires)}}})
	}
	sort.Slice(out, func(i, j int) bool {
		a, _ := strconv.Atoi(out[i].Name)
		b, _ := strconv.Atoi(out[j].Name)
		return a < b
	})
	return out, nil
}

type dbCount struct{ keys, expires int64 }

// parseKeyspace reads "db0:keys=1,expires=0,avg_ttl=0" lines.
func parseKeyspace(info string) map[int]dbCount {
	out := map[int]dbCount{}
	for _, line := range strings.Split(info, "\n") {
		line = strings.TrimSpace(line)
		name, rest, ok := strings.Cut(line, ":")
		if !ok || !strings.HasPrefix(name, "db") {
			continue
		}
		db, err := strconv.Atoi(name[2:])
		if err != nil {
			continue
		}
		var c dbCount
		for _, kv := range strings.Split(rest, ",") {
			k, v, _ := strings.Cut(kv, "=")
			n, _ := strconv.ParseInt(v, 10, 64)
			switch k {
			case "keys":
				c.keys = n
			case "expires":
				c.expires = n
			}
		}
		out[db] = c
	}
	return out
}
