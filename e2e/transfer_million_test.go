package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	goredis "github.com/redis/go-redis/v9"

	"github.com/kvdeck/kvdeck/backend/nats/natstest"
	"github.com/kvdeck/kvdeck/backend/redis/redistest"
)

// Issue 14's "done when", on the built binary: a database of a million
// keys (999,000 strings, 300,000 of them with a TTL, and 1,000 hashes with
// one) exported to JSON Lines and to Tiny RDM's CSV, each imported into a
// fresh database, and the JSON Lines into a NATS bucket (':' becoming '.')
// with per-key TTLs. The counts come from the stores' own clients; values,
// types and expiries are compared for every 997th string and every 37th
// hash.
func TestAMillionKeysExportedAndImported(t *testing.T) {
	srv := redistest.Start(t, "--enable-debug-command", "yes")
	// Loading a million keys in one command, and the checks' scripts,
	// take the server seconds on a busy machine.
	c := goredis.NewClient(&goredis.Options{Addr: srv.Addr, ReadTimeout: time.Minute})
	defer c.Close()
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	// DEBUG POPULATE names keys k:0 … k:998999, values "value:N" padded
	// with zero bytes to 40.
	must(c.Do(ctx, "DEBUG", "POPULATE", 999_000, "k", 40).Err())
	must(c.Eval(ctx, `for i = 0, 299999 do redis.call('PEXPIRE', 'k:' .. i, 86400000 + i) end
for i = 0, 999 do redis.call('HSET', 'h:' .. i, 'plan', 'free', 'name', 'n' .. i, 'age', i); redis.call('PEXPIRE', 'h:' .. i, 7200000) end
return 1`, nil).Err())
	const total = 1_000_000
	if n := c.DBSize(ctx).Val(); n != total {
		t.Fatalf("%d keys loaded", n)
	}
	dir := t.TempDir()
	run := func(stdin, stdout string, args ...string) string {
		t.Helper()
		cmd := exec.Command(binary, args...)
		cmd.Env = env(t)
		var errb strings.Builder
		cmd.Stderr = &errb
		if stdin != "" {
			f, err := os.Open(stdin)
			must(err)
			defer f.Close()
			cmd.Stdin = f
		}
		if stdout != "" {
			f, err := os.Create(stdout)
			must(err)
			defer f.Close()
			cmd.Stdout = f
		}
		if err := cmd.Run(); err != nil {
			t.Fatalf("kvdeck %s: %v: %s", strings.Join(args, " "), err, errb.String())
		}
		return errb.String()
	}
	jsonl, csv := filepath.Join(dir, "all.jsonl"), filepath.Join(dir, "all.csv")
	if out := run("", jsonl, "export", srv.URL(), "--bucket", "0"); !strings.Contains(out, "1,000,000 keys from bucket 0 (jsonl)") {
		t.Fatalf("export: %q", out)
	}
	if out := run("", csv, "export", srv.URL(), "--bucket", "0", "--format", "rdm-csv"); !strings.Contains(out, "1,000,000 keys from bucket 0 (rdm-csv)") {
		t.Fatalf("rdm-csv export: %q", out)
	}
	for _, f := range []string{jsonl, csv} {
		if n, err := countLines(f); err != nil || n != total {
			t.Fatalf("%s: %d lines (%v)", f, n, err)
		}
	}
	// Every 997th string and every 37th hash.
	var sample []string
	for i := 0; i < 999_000; i += 997 {
		sample = append(sample, fmt.Sprintf("k:%d", i))
	}
	for i := 0; i < 1000; i += 37 {
		sample = append(sample, fmt.Sprintf("h:%d", i))
	}

	// Into fresh databases: every key, its type, value and expiry.
	for db, file := range map[int]string{1: jsonl, 2: csv} {
		format := map[int]string{1: "jsonl", 2: "rdm-csv"}[db]
		out := run(file, "", "import", srv.URL(), "--bucket", fmt.Sprint(db), "--format", format)
		if !strings.Contains(out, "1,000,000 lines: 1,000,000 written, 0 skipped (existing), 0 expired, 0 invalid, 0 failed") {
			t.Fatalf("import %s: %q", format, out)
		}
		dst := goredis.NewClient(&goredis.Options{Addr: srv.Addr, DB: db, ReadTimeout: time.Minute})
		defer dst.Close()
		if n := dst.DBSize(ctx).Val(); n != total {
			t.Fatalf("database %d holds %d keys after the %s import", db, n, format)
		}
		if n := dst.Eval(ctx, `local n = 0 local cur = '0' repeat local r = redis.call('SCAN', cur, 'COUNT', 10000) cur = r[1] for _, k in ipairs(r[2]) do if redis.call('PTTL', k) > 0 then n = n + 1 end end until cur == '0' return n`, nil).Val(); n != int64(301_000) {
			t.Fatalf("database %d: %v keys with a TTL after the %s import, want 301,000", db, n, format)
		}
		for _, k := range sample {
			if got, want := dst.Type(ctx, k).Val(), c.Type(ctx, k).Val(); got != want {
				t.Fatalf("%s %s: type %s, want %s", format, k, got, want)
			}
			// The same DUMP: the same bytes, and a hash's fields in the
			// order they were written.
			if got, want := dst.Dump(ctx, k).Val(), c.Dump(ctx, k).Val(); got != want {
				t.Fatalf("%s %s: holds %s, the source %s", format, k, contents(dst, k), contents(c, k))
			}
			if got, want := dst.PExpireTime(ctx, k).Val(), c.PExpireTime(ctx, k).Val(); got != want {
				t.Fatalf("%s %s: expires at %v, want %v", format, k, got, want)
			}
		}
	}

	// Into a NATS bucket with per-key TTLs: strings as bytes, hashes as
	// JSON objects, expiries as Nats-TTL.
	url := natstest.StartProcess(t)
	nc, err := nats.Connect(url)
	must(err)
	defer nc.Close()
	js, err := jetstream.New(nc)
	must(err)
	kv, err := js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "big", LimitMarkerTTL: time.Minute})
	must(err)
	out := run(jsonl, "", "import", url, "--bucket", "big", "--key-replace", ":=.")
	if !strings.Contains(out, "1,000,000 lines: 1,000,000 written, 0 skipped (existing), 0 expired, 0 invalid, 0 failed") {
		t.Fatalf("import into NATS: %q", out)
	}
	st, err := kv.Status(ctx)
	must(err)
	if st.Values() != total {
		t.Fatalf("bucket big holds %d values, want %d", st.Values(), total)
	}
	stream, err := js.Stream(ctx, "KV_big")
	must(err)
	for _, k := range sample {
		m, err := stream.GetLastMsgForSubject(ctx, "$KV.big."+strings.Replace(k, ":", ".", 1))
		if err != nil {
			t.Fatalf("NATS %s: %v", k, err)
		}
		if c.Type(ctx, k).Val() == "hash" {
			var h map[string]string
			if err := json.Unmarshal(m.Data, &h); err != nil || fmt.Sprint(h) != fmt.Sprint(c.HGetAll(ctx, k).Val()) {
				t.Fatalf("NATS %s: %s, want the hash as JSON", k, m.Data)
			}
		} else if string(m.Data) != c.Get(ctx, k).Val() {
			t.Fatalf("NATS %s: %q, want %q", k, m.Data, c.Get(ctx, k).Val())
		}
		ttl := c.PTTL(ctx, k).Val()
		hdr := m.Header.Get("Nats-TTL")
		switch {
		case ttl > 0 && hdr == "":
			t.Fatalf("NATS %s: no Nats-TTL, the source expires in %v", k, ttl)
		case ttl > 0:
			d, err := time.ParseDuration(hdr)
			if err != nil {
				d, err = time.ParseDuration(hdr + "s")
			}
			must(err)
			// Whole seconds, rounded up, of the time left when written:
			// it expires within a second after the source.
			want := time.UnixMilli(c.PExpireTime(ctx, k).Val().Milliseconds())
			if got := m.Time.Add(d); got.Before(want.Add(-100*time.Millisecond)) || got.After(want.Add(time.Second+100*time.Millisecond)) {
				t.Fatalf("NATS %s: expires at %v (Nats-TTL %s), the source at %v", k, got, hdr, want)
			}
		case hdr != "" && hdr != "never":
			t.Fatalf("NATS %s: Nats-TTL %s for a key without a TTL", k, hdr)
		}
	}
}

// contents is what key holds in c: a string's value or a hash's fields in
// their order, printed.
func contents(c *goredis.Client, key string) string {
	ctx := context.Background()
	if c.Type(ctx, key).Val() == "hash" {
		items, _ := c.HScan(ctx, key, 0, "", 1000).Val()
		return fmt.Sprint(items)
	}
	return fmt.Sprintf("%q", c.Get(ctx, key).Val())
}

// countLines counts the newlines of the file at path.
func countLines(path string) (int, error) {
	b, err := os.ReadFile(path)
	return strings.Count(string(b), "\n"), err
}
