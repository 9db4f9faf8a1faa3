package e2e

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/kvdeck/kvdeck/backend/redis/redistest"
)

// kvdeck export and kvdeck import from the command line: a database to a
// file and back into another, the counts on stderr, exit codes that say
// whether every key was handled, and a read-only target refused before
// the file is read. Checked with go-redis.
func TestExportImportFromTheCommandLine(t *testing.T) {
	srv := redistest.Start(t)
	c := srv.Client()
	defer c.Close()
	c1 := goredis.NewClient(&goredis.Options{Addr: srv.Addr, DB: 1})
	defer c1.Close()
	ctx := context.Background()
	for _, k := range []string{"a", "b", "c"} {
		c.Set(ctx, "user:"+k, "v-"+k, time.Hour)
	}
	c.HSet(ctx, "user:h", "f", "1")
	c.Set(ctx, "other", "x", 0)
	dir := t.TempDir()
	kvdeck := func(stdin []byte, args ...string) (stdout, stderr string, code int) {
		cmd := exec.Command(binary, args...)
		cmd.Env = env(t)
		cmd.Stdin = bytes.NewReader(stdin)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		code = cmd.ProcessState.ExitCode()
		if err != nil && code < 0 {
			t.Fatal(err)
		}
		return out.String(), errb.String(), code
	}
	file, stderr, code := kvdeck(nil, "export", srv.URL(), "--bucket", "0", "--match", "user:*")
	if code != 0 || !strings.Contains(stderr, "kvdeck export: 4 keys from bucket 0 (jsonl)") || strings.Count(file, "\n") != 4 {
		t.Fatalf("export: exit %d, stderr %q, file:\n%s", code, stderr, file)
	}
	if strings.Contains(stderr, "\r") {
		t.Errorf("progress written to a stderr that is no terminal: %q", stderr)
	}
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, "users.jsonl")
	must(os.WriteFile(path, []byte(file), 0o600))
	c1.Set(ctx, "user:a", "theirs", 0)
	_, stderr, code = kvdeck([]byte(file), "import", srv.URL(), "--bucket", "1", "--dry-run")
	if code != 0 || !strings.Contains(stderr, "4 lines: 3 new, 1 existing (--on-conflict skip)") || c1.DBSize(ctx).Val() != 1 {
		t.Fatalf("dry run: exit %d, %q", code, stderr)
	}
	_, stderr, code = kvdeck([]byte(file), "import", srv.URL(), "--bucket", "1")
	if code != 0 || !strings.Contains(stderr, "4 lines: 3 written, 1 skipped (existing), 0 expired, 0 invalid, 0 failed") {
		t.Fatalf("import: exit %d, %q", code, stderr)
	}
	if c1.Get(ctx, "user:a").Val() != "theirs" || c1.Get(ctx, "user:b").Val() != "v-b" || c1.HGet(ctx, "user:h", "f").Val() != "1" {
		t.Fatal("the import did not write what the file holds, or wrote over the existing key")
	}
	if ttl := c1.PTTL(ctx, "user:c").Val(); ttl < 59*time.Minute {
		t.Errorf("user:c lost its TTL: %v", ttl)
	}
	// A bad line: exit 1, its number said.
	_, stderr, code = kvdeck([]byte(file+"{oops\n"), "import", srv.URL(), "--bucket", "1", "--on-conflict", "overwrite")
	if code != 1 || !strings.Contains(stderr, "line 5") {
		t.Fatalf("a bad line: exit %d, %q", code, stderr)
	}
	// Read-only: refused before the file is read.
	_, stderr, code = kvdeck([]byte(`{"key":"ro","type":"string","value":"v"}`), "import", srv.URL(), "--bucket", "1", "--read-only")
	if code != 2 || !strings.Contains(stderr, "read-only") || c1.Exists(ctx, "ro").Val() != 0 {
		t.Fatalf("read-only: exit %d, %q", code, stderr)
	}
	// Tiny RDM's CSV, into a fresh database.
	csvFile, _, code := kvdeck(nil, "export", srv.URL(), "--bucket", "0", "--format", "rdm-csv")
	if code != 0 || strings.Count(csvFile, "\n") != 5 {
		t.Fatalf("rdm-csv export: exit %d:\n%s", code, csvFile)
	}
	c2 := goredis.NewClient(&goredis.Options{Addr: srv.Addr, DB: 2})
	defer c2.Close()
	_, stderr, code = kvdeck([]byte(csvFile), "import", srv.URL(), "--bucket", "2", "--format", "rdm-csv")
	if code != 0 || c2.DBSize(ctx).Val() != 5 || c2.HGet(ctx, "user:h", "f").Val() != "1" {
		t.Fatalf("rdm-csv import: exit %d, %q", code, stderr)
	}
}
