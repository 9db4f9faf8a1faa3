// Package demo seeds a store with realistic data drawn from the use cases
// our users run (shared/seeds): preferences, sessions with TTLs, an API
// cache, feature flags with history, rate-limit counters, dedup keys, a
// leader lease, job records, flow-namespaced keys, hostile and binary
// values, and one bucket of 100,000 keys so scale shows from the first run.
package demo

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/kvdeck/kvdeck/backend/local"
)

// EventsKeys is the size of the big bucket.
const EventsKeys = 100_000

// Bucket is one demo bucket with its configuration.
type Bucket struct {
	Config backend.BucketConfig
	Items  []backend.Item
	// Revisions are extra writes after the items, to build history.
	Revisions []backend.Item
}

// OpenTemp creates a temporary store, seeds it, and returns it with a
// cleanup that removes the file.
func OpenTemp() (*local.Store, string, func(), error) {
	dir, err := os.MkdirTemp("", "kvdeck-demo-*")
	if err != nil {
		return nil, "", func() {}, err
	}
	cleanup := func() { os.RemoveAll(dir) }
	path := filepath.Join(dir, "demo.db")
	s, err := local.Open(path, local.Options{NoSync: true})
	if err != nil {
		cleanup()
		return nil, "", func() {}, err
	}
	if err := Seed(context.Background(), s); err != nil {
		s.Close()
		cleanup()
		return nil, "", func() {}, fmt.Errorf("seeding the demo store: %w", err)
	}
	return s, path, cleanup, nil
}

// Seed writes the demo buckets into s.
func Seed(ctx context.Context, s backend.Store) error {
	admin, ok := s.(backend.BucketAdmin)
	if !ok {
		return fmt.Errorf("the demo needs a store that can create buckets: %w", backend.ErrUnsupported)
	}
	for _, b := range Buckets() {
		if err := admin.CreateBucket(ctx, b.Config); err != nil {
			return fmt.Errorf("bucket %s: %w", b.Config.Name, err)
		}
		if err := putAll(ctx, s, b.Config.Name, b.Items); err != nil {
			return err
		}
		for _, r := range b.Revisions {
			opts := backend.PutOptions{}
			if _, err := s.Put(ctx, b.Config.Name, r.Key, r.Value, opts); err != nil {
				return fmt.Errorf("%s/%s: %w", b.Config.Name, r.Key, err)
			}
		}
	}
	return nil
}

func putAll(ctx context.Context, s backend.Store, bucket string, items []backend.Item) error {
	if bl, ok := s.(backend.BulkLoader); ok {
		return bl.PutMany(ctx, bucket, items)
	}
	for _, it := range items {
		opts := backend.PutOptions{TTLMode: backend.TTLNone}
		if it.TTL > 0 {
			opts = backend.PutOptions{TTLMode: backend.TTLSet, TTL: it.TTL}
		}
		if _, err := s.Put(ctx, bucket, it.Key, it.Value, opts); err != nil {
			return fmt.Errorf("%s/%s: %w", bucket, it.Key, err)
		}
	}
	return nil
}

func js(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

var (
	firstNames = []string{"ada", "grace", "linus", "margaret", "ken", "barbara", "dennis", "frances", "alan", "radia"}
	themes     = []string{"dark", "light", "solarized", "system"}
	langs      = []string{"en", "de", "fr", "ja", "pt-BR", "es"}
	statuses   = []string{"queued", "running", "succeeded", "failed", "retrying", "cancelled"}
	flows      = []string{"order", "invoice", "refund", "shipment", "signup"}
)

// Buckets returns the demo data. It is deterministic: a fixed seed.
func Buckets() []Bucket {
	r := rand.New(rand.NewPCG(42, 7))
	now := time.Date(2026, 11, 1, 9, 30, 0, 0, time.UTC)
	var out []Bucket

	prefs := Bucket{Config: backend.BucketConfig{Name: "prefs", Description: "user preferences (JSON)", History: 3}}
	for i := 1; i <= 250; i++ {
		prefs.Items = append(prefs.Items, backend.Item{Key: fmt.Sprintf("user:%d:prefs", i), Value: js(map[string]any{
			"user_id": i, "name": firstNames[i%len(firstNames)], "theme": themes[r.IntN(len(themes))],
			"language": langs[r.IntN(len(langs))], "notifications": map[string]bool{"email": r.IntN(2) == 0, "push": r.IntN(3) == 0},
			"timezone": "Europe/Berlin", "updated_at": now.Add(-time.Duration(r.IntN(90*24)) * time.Hour).Format(time.RFC3339),
		})})
	}
	for i := 40; i <= 45; i++ {
		prefs.Items = append(prefs.Items, backend.Item{Key: fmt.Sprintf("user-service:state:%d", i), Value: js(map[string]any{
			"state": "active", "cart": []map[string]any{{"sku": "SKU-1042", "qty": 2}, {"sku": "SKU-7", "qty": 1}}, "version": 12,
		})})
	}
	out = append(out, prefs)

	sessions := Bucket{Config: backend.BucketConfig{Name: "sessions", Description: "web sessions with TTLs", History: 1}}
	ttls := []time.Duration{5 * time.Minute, 15 * time.Minute, time.Hour, 12 * time.Hour, 24 * time.Hour, 72 * time.Hour}
	for i := range 300 {
		sessions.Items = append(sessions.Items, backend.Item{Key: fmt.Sprintf("session:%016x", r.Uint64()), TTL: ttls[i%len(ttls)],
			Value: js(map[string]any{"user_id": 1 + r.IntN(250), "ip": fmt.Sprintf("203.0.113.%d", r.IntN(254)+1), "csrf": fmt.Sprintf("%x", r.Uint64()), "roles": []string{"user"}})})
	}
	out = append(out, sessions)

	cache := Bucket{Config: backend.BucketConfig{Name: "api-cache", Description: "integration API response cache (7 days)", History: 1, TTL: 7 * 24 * time.Hour}}
	for i := range 200 {
		cache.Items = append(cache.Items, backend.Item{Key: fmt.Sprintf("cache:github:repos:%d", 1000+i), TTL: time.Duration(1+r.IntN(7*24)) * time.Hour,
			Value: js(map[string]any{"status": 200, "etag": fmt.Sprintf("W/\"%x\"", r.Uint32()), "body": map[string]any{"id": 1000 + i, "stars": r.IntN(5000), "open_issues": r.IntN(80), "topics": []string{"kv", "tui"}}})})
	}
	out = append(out, cache)

	flags := Bucket{Config: backend.BucketConfig{Name: "flags", Description: "feature flags (history 5)", History: 5}}
	for _, f := range []string{"new-checkout", "dark-mode", "beta-search", "rate-limit-v2", "pdf-export", "ai-summaries"} {
		flags.Items = append(flags.Items, backend.Item{Key: "flag:" + f, Value: js(map[string]any{"enabled": false, "rollout": 0})})
	}
	for i, pct := range []int{10, 25, 50, 100} {
		flags.Revisions = append(flags.Revisions, backend.Item{Key: "flag:new-checkout", Value: js(map[string]any{"enabled": true, "rollout": pct, "changed_by": firstNames[i]})})
	}
	flags.Revisions = append(flags.Revisions, backend.Item{Key: "flag:dark-mode", Value: js(map[string]any{"enabled": true, "rollout": 100})})
	out = append(out, flags)

	rl := Bucket{Config: backend.BucketConfig{Name: "ratelimit", Description: "rate-limit counters (1 minute windows)", History: 1}}
	for i := range 120 {
		rl.Items = append(rl.Items, backend.Item{Key: fmt.Sprintf("rl:api:%d:%d", 1+r.IntN(250), i), Value: []byte(fmt.Sprint(r.IntN(100))), TTL: time.Duration(30+r.IntN(600)) * time.Second})
	}
	out = append(out, rl)

	dedup := Bucket{Config: backend.BucketConfig{Name: "dedup", Description: "webhook dedup keys (24h)", History: 1}}
	for range 150 {
		dedup.Items = append(dedup.Items, backend.Item{Key: fmt.Sprintf("dedup:stripe:evt_%x", r.Uint64()), Value: []byte("1"), TTL: time.Duration(1+r.IntN(24)) * time.Hour})
	}
	out = append(out, dedup)

	leases := Bucket{Config: backend.BucketConfig{Name: "leases", Description: "leader-election leases", History: 1}}
	leases.Items = append(leases.Items,
		backend.Item{Key: "leader.flow-engine", Value: js(map[string]any{"holder": "flow-engine-7c9f-2", "acquired_at": now.Format(time.RFC3339), "term": 41}), TTL: 10 * time.Minute},
		backend.Item{Key: "leader.scheduler", Value: js(map[string]any{"holder": "scheduler-0", "term": 3}), TTL: 30 * time.Minute})
	out = append(out, leases)

	jobs := Bucket{Config: backend.BucketConfig{Name: "jobs", Description: "job status records", History: 2}}
	for i := range 180 {
		st := statuses[r.IntN(len(statuses))]
		rec := map[string]any{"id": fmt.Sprintf("job-%05d", 10000+i), "type": []string{"export", "import", "reindex", "email"}[i%4], "status": st,
			"attempts": 1 + r.IntN(3), "created_at": now.Add(-time.Duration(r.IntN(72)) * time.Hour).Format(time.RFC3339)}
		if st == "failed" {
			rec["error"] = "upstream timeout after 30s"
		}
		jobs.Items = append(jobs.Items, backend.Item{Key: fmt.Sprintf("job:%05d", 10000+i), Value: js(rec)})
	}
	out = append(out, jobs)

	fl := Bucket{Config: backend.BucketConfig{Name: "flows", Description: "flow engine state, namespaced by flow", History: 3}}
	for i := range 300 {
		name := flows[i%len(flows)]
		fl.Items = append(fl.Items, backend.Item{Key: fmt.Sprintf("flow.%s.%d", name, 100+i), Value: js(map[string]any{"step": 1 + r.IntN(6), "state": statuses[r.IntN(3)]})})
		if i%10 == 0 {
			fl.Items = append(fl.Items, backend.Item{Key: fmt.Sprintf("flow.%s.%d.state", name, 100+i), Value: js(map[string]any{"checkpoint": r.IntN(1000)})})
		}
	}
	out = append(out, fl)

	out = append(out, miscBucket(r), formatsBucket())

	events := Bucket{Config: backend.BucketConfig{Name: "events", Description: "order events: 100,000 keys", History: 1}}
	events.Items = make([]backend.Item, EventsKeys)
	for i := range events.Items {
		events.Items[i] = backend.Item{Key: fmt.Sprintf("tenant-%02d:order:%06d", i%40, i),
			Value: []byte(fmt.Sprintf(`{"order":%d,"tenant":%d,"status":%q,"total_cents":%d}`, i, i%40, statuses[i%len(statuses)], 100+i%9000))}
		if i%5 == 0 {
			events.Items[i].TTL = time.Duration(1+i%48) * time.Hour
		}
	}
	out = append(out, events)
	return out
}

// miscBucket holds the values that test a viewer: binary, hostile text,
// a hostile key name, a 1 MB JSON document, gzip and base64.
func miscBucket(r *rand.Rand) Bucket {
	b := Bucket{Config: backend.BucketConfig{Name: "misc", Description: "odd values: binary, escapes, 1 MB JSON, gzip, base64", History: 1}}
	bin := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
	for range 240 {
		bin = append(bin, byte(r.UintN(256)))
	}
	b.Items = append(b.Items, backend.Item{Key: "avatar:42.png", Value: bin})
	b.Items = append(b.Items, backend.Item{Key: "log:last-line", Value: []byte("\x1b[31mERROR\x1b[0m job 17 failed\r\n\x1b]0;pwned title\x07bell:\x07 nul:\x00 del:\x7f\n\x1b[2J(clear screen attempt)")})
	b.Items = append(b.Items, backend.Item{Key: "key-with-\x1b[7mescape\x1b[0m", Value: []byte("the key name holds an escape sequence")})
	var big bytes.Buffer
	big.WriteString(`{"report":"daily","rows":[`)
	for i := 0; big.Len() < 1<<20; i++ {
		if i > 0 {
			big.WriteByte(',')
		}
		fmt.Fprintf(&big, `{"id":%d,"sku":"SKU-%04d","qty":%d,"price":%.2f,"tags":["a","b"]}`, i, r.IntN(10000), 1+r.IntN(9), r.Float64()*100)
	}
	big.WriteString(`]}`)
	b.Items = append(b.Items, backend.Item{Key: "report:daily:2026-11-01", Value: big.Bytes()})
	var gz bytes.Buffer
	w := gzip.NewWriter(&gz)
	w.Write([]byte(`{"compressed":true,"payload":"` + strings.Repeat("kvdeck ", 40) + `"}`))
	w.Close()
	b.Items = append(b.Items, backend.Item{Key: "blob:gzip", Value: gz.Bytes()})
	b.Items = append(b.Items, backend.Item{Key: "blob:base64", Value: []byte(base64.StdEncoding.EncodeToString([]byte(`{"encoded":"base64","ok":true}`)))})
	b.Items = append(b.Items, backend.Item{Key: "text:unicode", Value: []byte("héllo wörld · 日本語 · emoji 🚀")})
	return b
}
