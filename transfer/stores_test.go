package transfer

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	goredis "github.com/redis/go-redis/v9"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/kvdeck/kvdeck/backend/local"
	natsstore "github.com/kvdeck/kvdeck/backend/nats"
	"github.com/kvdeck/kvdeck/backend/nats/natstest"
	redisstore "github.com/kvdeck/kvdeck/backend/redis"
	"github.com/kvdeck/kvdeck/backend/redis/redistest"
)

// The three stores, real: a redis-server, an in-process nats-server with
// JetStream, a bbolt file. Each is checked with its own client.
type stores struct {
	redis  *redisstore.Store
	rc     *goredis.Client // database 0
	rc1    *goredis.Client // database 1
	nats   *natsstore.Store
	js     jetstream.JetStream
	local  *local.Store
	redisU string
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func startStores(t *testing.T) *stores {
	t.Helper()
	ctx := context.Background()
	srv := redistest.Start(t)
	o, err := redisstore.ParseURL(srv.URL())
	must(t, err)
	rs, err := redisstore.Open(ctx, o)
	must(t, err)
	t.Cleanup(func() { rs.Close() })
	rc := srv.Client()
	rc1 := goredis.NewClient(&goredis.Options{Addr: srv.Addr, DB: 1})
	t.Cleanup(func() { rc.Close(); rc1.Close() })

	ns := natstest.Start(t)
	no, err := natsstore.ParseURL(ns.URL())
	must(t, err)
	nst, err := natsstore.Open(ctx, no)
	must(t, err)
	t.Cleanup(func() { nst.Close() })
	nc, err := nats.Connect(ns.URL())
	must(t, err)
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	must(t, err)

	ls, err := local.Open(filepath.Join(t.TempDir(), "t.db"), local.Options{NoSync: true})
	must(t, err)
	t.Cleanup(func() { ls.Close() })
	return &stores{redis: rs, rc: rc, rc1: rc1, nats: nst, js: js, local: ls, redisU: srv.URL()}
}

// natsBucket makes a bucket that keeps per-key TTLs.
func (s *stores) natsBucket(t *testing.T, name string) jetstream.KeyValue {
	t.Helper()
	kv, err := s.js.CreateKeyValue(context.Background(), jetstream.KeyValueConfig{Bucket: name, LimitMarkerTTL: time.Minute})
	must(t, err)
	return kv
}

func (s *stores) localBucket(t *testing.T, name string) {
	t.Helper()
	must(t, s.local.CreateBucket(context.Background(), backend.BucketConfig{Name: name}))
}

// fillRedis writes every type, some with TTLs, into database 0.
func fillRedis(t *testing.T, c *goredis.Client) {
	ctx := context.Background()
	must(t, c.Set(ctx, "str", "plain", time.Hour).Err())
	must(t, c.Set(ctx, "bin", "\x00\xff\x01", 0).Err())
	must(t, c.Set(ctx, "empty", "", 0).Err())
	must(t, c.HSet(ctx, "hash", "g", "two", "f", "1").Err()) // not in sorted order
	must(t, c.PExpire(ctx, "hash", 2*time.Hour).Err())
	must(t, c.RPush(ctx, "list", "a", "b", "a").Err())
	must(t, c.SAdd(ctx, "set", "y", "x").Err())
	inexact := 0.1 // at run time, not a constant: 0.30000000000000004
	inexact += 0.2
	must(t, c.ZAdd(ctx, "zset", goredis.Z{Score: inexact, Member: "m"}, goredis.Z{Score: math.Inf(-1), Member: "low"}).Err())
	must(t, c.XAdd(ctx, &goredis.XAddArgs{Stream: "stream", ID: "5-1", Values: []string{"k", "v", "k2", "v2"}}).Err())
}

// redisContents is what go-redis reads of every key of c's database:
// type, contents (a set sorted) and expiry to the second.
func redisContents(t *testing.T, c *goredis.Client) map[string]string {
	ctx := context.Background()
	out := map[string]string{}
	for _, k := range c.Keys(ctx, "*").Val() {
		typ := c.Type(ctx, k).Val()
		var v any
		switch typ {
		case "string":
			v = c.Get(ctx, k).Val()
		case "hash":
			v, _ = c.HScan(ctx, k, 0, "", 1000).Val() // the fields in their order
		case "list":
			v = c.LRange(ctx, k, 0, -1).Val()
		case "set":
			m := c.SMembers(ctx, k).Val()
			slices.Sort(m)
			v = m
		case "zset":
			v = c.ZRangeWithScores(ctx, k, 0, -1).Val()
		case "stream":
			v = c.XRange(ctx, k, "-", "+").Val()
		}
		exp := c.PExpireTime(ctx, k).Val()
		if exp > 0 {
			exp = exp.Round(time.Second)
		}
		out[k] = fmt.Sprintf("%s %q expires %v", typ, fmt.Sprint(v), exp)
	}
	return out
}

// exportTo exports bucket of s as format and returns the file.
func exportTo(t *testing.T, s backend.Store, bucket string, format Format) []byte {
	t.Helper()
	var buf bytes.Buffer
	if _, err := Export(context.Background(), s, bucket, "", format, &buf, nil); err != nil {
		t.Fatalf("export of %s %s: %v", s.Info().Kind, bucket, err)
	}
	return buf.Bytes()
}

func importFrom(t *testing.T, s backend.Store, bucket string, file []byte, opts ImportOptions) Counts {
	t.Helper()
	c, err := Import(context.Background(), s, bucket, bytes.NewReader(file), opts)
	if err != nil {
		t.Fatalf("import into %s %s: %v (%+v)", s.Info().Kind, bucket, err, c)
	}
	return c
}

// Redis to Redis through kvdeck's JSON Lines and through Tiny RDM's CSV:
// every type comes back, with its TTL, checked with go-redis.
func TestRedisToRedisKeepsEveryTypeAndTTL(t *testing.T) {
	s := startStores(t)
	fillRedis(t, s.rc)
	want := redisContents(t, s.rc)
	for _, format := range []Format{JSONL, RDMCSV} {
		must(t, s.rc1.FlushDB(context.Background()).Err())
		file := exportTo(t, s.redis, "0", format)
		c := importFrom(t, s.redis, "1", file, ImportOptions{Format: format})
		if c.Written != len(want) || !c.Complete() {
			t.Fatalf("%s: %+v, want %d written", format, c, len(want))
		}
		got := redisContents(t, s.rc1)
		for k, w := range want {
			if got[k] != w {
				t.Errorf("%s: %s came back as %s, was %s", format, k, got[k], w)
			}
		}
	}
}

// The CSV's DUMP payloads are the server's own: what redis-cli DUMP
// prints, byte for byte.
func TestRDMCSVHoldsRedisCLIsDump(t *testing.T) {
	s := startStores(t)
	fillRedis(t, s.rc)
	file := exportTo(t, s.redis, "0", RDMCSV)
	rows := strings.Split(strings.TrimSpace(string(file)), "\n")
	if len(rows) != 8 {
		t.Fatalf("%d rows:\n%s", len(rows), file)
	}
	o, _ := redisstore.ParseURL(s.redisU)
	host, port, _ := strings.Cut(o.Addrs[0], ":")
	for _, row := range rows {
		cols := strings.Split(row, ",")
		rec, err := DecodeRDMCSV(cols)
		must(t, err)
		out, err := exec.Command("redis-cli", "-h", host, "-p", port, "--raw", "DUMP", rec.Key).Output()
		must(t, err)
		if !bytes.Equal(bytes.TrimSuffix(out, []byte("\n")), rec.Dump) {
			t.Errorf("%s: the CSV's payload differs from redis-cli's DUMP", rec.Key)
		}
		if (rec.Key == "str" || rec.Key == "hash") == (cols[2] == "-1") {
			t.Errorf("%s: expiry column %q", rec.Key, cols[2])
		}
	}
}

// Redis into the byte stores: strings stay bytes, collections become the
// documented JSON, TTLs are kept (NATS per-key TTLs, local expiries).
func TestRedisIntoNATSAndLocal(t *testing.T) {
	s := startStores(t)
	fillRedis(t, s.rc)
	file := exportTo(t, s.redis, "0", JSONL)
	kv := s.natsBucket(t, "dst")
	s.localBucket(t, "dst")
	for _, dst := range []backend.Store{s.nats, s.local} {
		c := importFrom(t, dst, "dst", file, ImportOptions{})
		if c.Written != 8 || !c.Complete() {
			t.Fatalf("%s: %+v", dst.Info().Kind, c)
		}
	}
	ctx := context.Background()
	read := map[string]func(string) ([]byte, time.Time){
		"nats": func(k string) ([]byte, time.Time) {
			e, err := kv.Get(ctx, k)
			must(t, err)
			var exp time.Time
			if ttl := natsTTL(t, s.js, k); ttl > 0 {
				exp = e.Created().Add(ttl)
			}
			return e.Value(), exp
		},
		"local": func(k string) ([]byte, time.Time) {
			e, err := s.local.Get(ctx, "dst", k, backend.GetOptions{MaxBytes: -1})
			must(t, err)
			return e.Value, e.ExpiresAt
		},
	}
	for name, get := range read {
		if v, exp := get("bin"); string(v) != "\x00\xff\x01" || !exp.IsZero() {
			t.Errorf("%s bin: %q %v", name, v, exp)
		}
		if v, exp := get("str"); string(v) != "plain" || time.Until(exp) < 59*time.Minute || time.Until(exp) > time.Hour+time.Second {
			t.Errorf("%s str: %q expires %v", name, v, exp)
		}
		for k, want := range map[string]any{
			"hash":   map[string]any{"f": "1", "g": "two"},
			"list":   []any{"a", "b", "a"},
			"set":    []any{"x", "y"},
			"zset":   []any{map[string]any{"member": "low", "score": "-inf"}, map[string]any{"member": "m", "score": 0.30000000000000004}},
			"stream": []any{map[string]any{"id": "5-1", "fields": []any{[]any{"k", "v"}, []any{"k2", "v2"}}}},
		} {
			v, _ := get(k)
			var got any
			if err := json.Unmarshal(v, &got); err != nil || fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("%s %s: %s, want %v", name, k, v, want)
			}
		}
		if _, exp := get("hash"); time.Until(exp) < 119*time.Minute {
			t.Errorf("%s hash: expiry %v, want 2h", name, exp)
		}
	}
}

// natsTTL is the per-key TTL of key's latest revision in bucket dst.
func natsTTL(t *testing.T, js jetstream.JetStream, key string) time.Duration {
	st, err := js.Stream(context.Background(), "KV_dst")
	must(t, err)
	m, err := st.GetLastMsgForSubject(context.Background(), "$KV.dst."+key)
	must(t, err)
	h := m.Header.Get("Nats-TTL")
	if h == "" {
		return 0
	}
	d, err := time.ParseDuration(h)
	if err != nil {
		secs, perr := time.ParseDuration(strings.TrimSuffix(h, "s") + "s")
		must(t, perr)
		d = secs
	}
	return d
}

// NATS and local into each other, into themselves (another bucket) and
// into Redis: values and TTLs.
func TestByteStoresRoundTrip(t *testing.T) {
	s := startStores(t)
	ctx := context.Background()
	src := s.natsBucket(t, "src")
	_, err := src.Create(ctx, "flow.a", []byte("one"), jetstream.KeyTTL(time.Hour))
	must(t, err)
	_, err = src.Put(ctx, "flow.b", []byte("\x00two"))
	must(t, err)
	s.localBucket(t, "src")
	must(t, s.local.PutMany(ctx, "src", []backend.Item{{Key: "job:1", Value: []byte("x"), TTL: time.Hour}, {Key: "job:2", Value: []byte("y")}}))

	s.natsBucket(t, "dst")
	s.localBucket(t, "dst")
	fromNATS := exportTo(t, s.nats, "src", JSONL)
	if !bytes.Contains(fromNATS, []byte(`"revision":`)) || !bytes.Contains(fromNATS, []byte(`"created":`)) {
		t.Errorf("a NATS export carries revision and created:\n%s", fromNATS)
	}
	fromLocal := exportTo(t, s.local, "src", JSONL)
	for _, tc := range []struct {
		file []byte
		dst  backend.Store
		b    string
	}{{fromNATS, s.local, "dst"}, {fromNATS, s.redis, "1"}, {fromNATS, s.nats, "dst"},
		{fromLocal, s.nats, "dst"}, {fromLocal, s.redis, "1"}, {fromLocal, s.local, "dst"}} {
		var opts ImportOptions
		if tc.dst == backend.Store(s.nats) {
			opts.KeyReplace = [2]string{":", "."} // a NATS key has no ':'
		}
		c := importFrom(t, tc.dst, tc.b, tc.file, opts)
		if c.Written != 2 || !c.Complete() {
			t.Errorf("into %s: %+v", tc.dst.Info().Kind, c)
		}
	}
	if v := s.rc1.Get(ctx, "flow.b").Val(); v != "\x00two" {
		t.Errorf("redis flow.b: %q", v)
	}
	if ttl := s.rc1.PTTL(ctx, "job:1").Val(); ttl < 59*time.Minute {
		t.Errorf("redis job:1: TTL %v", ttl)
	}
	if e, err := s.local.Get(ctx, "dst", "flow.a", backend.GetOptions{}); err != nil || string(e.Value) != "one" || time.Until(e.ExpiresAt) < 59*time.Minute {
		t.Errorf("local flow.a: %+v %v", e, err)
	}
	if ttl := natsTTL(t, s.js, "job.1"); ttl < 59*time.Minute {
		t.Errorf("nats job.1: TTL %v", ttl)
	}
	if ttl := natsTTL(t, s.js, "flow.a"); ttl < 59*time.Minute {
		t.Errorf("nats flow.a: TTL %v", ttl)
	}
	if e, err := s.local.Get(ctx, "dst", "job:1", backend.GetOptions{}); err != nil || string(e.Value) != "x" || time.Until(e.ExpiresAt) < 59*time.Minute {
		t.Errorf("local job:1: %+v %v", e, err)
	}
}

// The conflict policies and the dry run, with keys another client wrote:
// skip leaves them, overwrite replaces them, fail stops at the first and
// writes nothing after it; the dry run counts and writes nothing.
func TestImportConflictPoliciesAndDryRun(t *testing.T) {
	s := startStores(t)
	ctx := context.Background()
	var file bytes.Buffer
	for i := range 5 {
		fmt.Fprintf(&file, `{"key":"k%d","type":"string","value":"new-%d"}`+"\n", i, i)
	}
	must(t, s.rc1.Set(ctx, "k2", "theirs", 0).Err())
	c := importFrom(t, s.redis, "1", file.Bytes(), ImportOptions{DryRun: true})
	if c.New != 4 || c.Exist != 1 || c.Written != 0 || s.rc1.DBSize(ctx).Val() != 1 {
		t.Fatalf("dry run: %+v", c)
	}
	_, err := Import(ctx, s.redis, "1", bytes.NewReader(file.Bytes()), ImportOptions{Policy: backend.ConflictFail})
	if err == nil || !strings.Contains(err.Error(), "k2") {
		t.Fatalf("fail: %v", err)
	}
	if s.rc1.Get(ctx, "k1").Val() != "new-1" || s.rc1.Exists(ctx, "k3").Val() != 0 || s.rc1.Get(ctx, "k2").Val() != "theirs" {
		t.Fatal("fail wrote after the existing key, or over it")
	}
	// k0 and k1 are there now, from the fail import.
	c = importFrom(t, s.redis, "1", file.Bytes(), ImportOptions{Policy: backend.ConflictSkip})
	if c.Written != 2 || c.Skipped != 3 || s.rc1.Get(ctx, "k2").Val() != "theirs" {
		t.Fatalf("skip: %+v, k2 %q", c, s.rc1.Get(ctx, "k2").Val())
	}
	c = importFrom(t, s.redis, "1", file.Bytes(), ImportOptions{Policy: backend.ConflictOverwrite})
	if c.Written != 5 || s.rc1.Get(ctx, "k2").Val() != "new-2" {
		t.Fatalf("overwrite: %+v", c)
	}
}

// Malformed files: each bad line is reported with its number and writes
// nothing for its key; skip goes on, stop stops there (the lines before
// written). A 100 MB line is refused without being held.
func TestImportMalformedFiles(t *testing.T) {
	s := startStores(t)
	ctx := context.Background()
	good := func(k string) string { return `{"key":"` + k + `","type":"string","value":"v"}` }
	lines := []string{
		good("a"),
		`{"key":"trunc","type":"string","val`,
		`{"key":"b64","type":"string","encoding":"base64","value":"%%%"}`,
		`{"key":"odd","type":"blob","value":"v"}`,
		`{"key":"huge","type":"string","value":"` + strings.Repeat("x", 100<<20) + `"}`,
		good("z"),
	}
	file := []byte(strings.Join(lines, "\n") + "\n")
	c, err := Import(ctx, s.redis, "1", bytes.NewReader(file), ImportOptions{SkipInvalid: true})
	must(t, err)
	if c.Written != 2 || c.Invalid != 4 || c.Complete() {
		t.Fatalf("skip: %+v", c)
	}
	var reasons []string
	for _, e := range c.Invalids {
		reasons = append(reasons, e.Error())
	}
	all := strings.Join(reasons, "\n")
	for _, want := range []string{"line 2: not JSON", "line 3: key \"b64\": value is not base64", `line 4: key "odd": unknown type "blob"`, "line 5: longer than 64 MiB"} {
		if !strings.Contains(all, want) {
			t.Errorf("the reasons lack %q:\n%s", want, all)
		}
	}
	for _, k := range []string{"trunc", "b64", "odd", "huge"} {
		if s.rc1.Exists(ctx, k).Val() != 0 {
			t.Errorf("%s was written", k)
		}
	}
	must(t, s.rc1.FlushDB(ctx).Err())
	_, err = Import(ctx, s.redis, "1", bytes.NewReader(file), ImportOptions{})
	if err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Fatalf("stop: %v", err)
	}
	if s.rc1.Get(ctx, "a").Val() != "v" || s.rc1.Exists(ctx, "z").Val() != 0 {
		t.Fatal("stop: a must be written, z not")
	}
	// Tiny RDM's CSV: a wrong hex key, by its line.
	csvFile := "6b31,00017600" + "0b0001020304050607,-1\nzz,0001,-1\n"
	c, err = Import(ctx, s.redis, "1", strings.NewReader(csvFile), ImportOptions{Format: RDMCSV, SkipInvalid: true})
	if err != nil || c.Invalid != 1 || !strings.Contains(c.Invalids[0].Error(), "line 2: key is not hex") {
		t.Fatalf("csv: %+v %v", c, err)
	}
}

// A read-only store refuses before reading anything.
func TestImportRefusedReadOnly(t *testing.T) {
	s := startStores(t)
	o, _ := redisstore.ParseURL(s.redisU)
	o.ReadOnly = true
	ro, err := redisstore.Open(context.Background(), o)
	must(t, err)
	defer ro.Close()
	r := &countingReader{}
	if _, err := Import(context.Background(), ro, "1", r, ImportOptions{}); err == nil || r.n > 0 {
		t.Fatalf("read-only: %v, %d bytes read", err, r.n)
	}
}

type countingReader struct{ n int }

func (r *countingReader) Read(p []byte) (int, error) { r.n += len(p); return len(p), nil }

// Names NATS cannot hold (Redis's ':' without --key-replace, a space) are
// counted as failing by the dry run, as the import then counts them, never
// as new; the other keys are written, checked with nats.go.
func TestImportIntoNATSCountsNamesItCannotHold(t *testing.T) {
	s := startStores(t)
	kv := s.natsBucket(t, "dst")
	file := []byte(`{"key":"user:1","type":"string","value":"a"}
{"key":"ok.key","type":"string","value":"b"}
{"key":"two words","type":"string","value":"c"}
`)
	dry := importFrom(t, s.nats, "dst", file, ImportOptions{DryRun: true})
	if dry.New != 1 || dry.Exist != 0 || dry.Failed != 2 || dry.Complete() {
		t.Fatalf("dry run: %+v", dry)
	}
	if dry.FirstFailure == nil || !strings.Contains(dry.FirstFailure.Error(), "--key-replace :=.") {
		t.Fatalf("the first failure does not say how: %v", dry.FirstFailure)
	}
	c := importFrom(t, s.nats, "dst", file, ImportOptions{})
	if c.Written != 1 || c.Failed != 2 {
		t.Fatalf("import: %+v", c)
	}
	ctx := context.Background()
	if e, err := kv.Get(ctx, "ok.key"); err != nil || string(e.Value()) != "b" {
		t.Fatalf("ok.key: %v", err)
	}
	keys, err := kv.ListKeys(ctx)
	must(t, err)
	var names []string
	for k := range keys.Keys() {
		names = append(names, k)
	}
	if len(names) != 1 {
		t.Fatalf("bucket holds %v, want ok.key only", names)
	}
	// Again with the renaming: user.1 is new, ok.key exists.
	dry = importFrom(t, s.nats, "dst", file, ImportOptions{DryRun: true, KeyReplace: [2]string{":", "."}})
	if dry.New != 1 || dry.Exist != 1 || dry.Failed != 1 {
		t.Fatalf("dry run with :=.: %+v", dry)
	}
}
