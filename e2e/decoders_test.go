package e2e

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kvdeck/kvdeck/backend/redis/redistest"
	"github.com/kvdeck/kvdeck/internal/tmuxtest"
)

func gzipped(t *testing.T, s string) string {
	t.Helper()
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write([]byte(s))
	w.Close()
	return buf.String()
}

func gunzipped(t *testing.T, s string) string {
	t.Helper()
	r, err := gzip.NewReader(bytes.NewReader([]byte(s)))
	if err != nil {
		t.Fatalf("not gzip any more: %v", err)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// editorScript writes an $EDITOR that runs body with the file as $1.
func editorScript(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "editor.sh")
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body+"\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	return path
}

// Editing JSON stored gzipped: the editor gets the JSON, and the edit is
// written back gzipped, conditional on the version read. A second client
// that writes the key while the editor is open wins: kvdeck shows the
// conflict with the decoded edit and writes nothing; after a reload the
// edit goes through. Checked with go-redis and Go's gzip reader.
func TestEditThroughGzip(t *testing.T) {
	srv := redistest.Start(t)
	c := srv.Client()
	defer c.Close()
	ctx := context.Background()
	c.Set(ctx, "prefs:1", gzipped(t, `{"plan":"free","seats":3}`), time.Hour)
	dir := t.TempDir()
	theirs := filepath.Join(dir, "theirs")
	if err := os.WriteFile(theirs, []byte(gzipped(t, `{"plan":"free","seats":9}`)), 0o600); err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(srv.Addr)
	// The first time, another client writes the key while the editor is
	// open; every time, the edit turns free into pro.
	ed := editorScript(t, fmt.Sprintf(`if [ ! -e %[1]s/once ]; then touch %[1]s/once; redis-cli -p %[2]s -x SET prefs:1 < %[3]s >/dev/null; fi
sed -i s/free/pro/ "$1"`, dir, port, theirs))
	tm := tmuxtest.Start(t, 160, 40, append(env(t), "EDITOR="+ed), binary, srv.URL(), "--bucket", "0")
	tm.WaitFor("1 keys", 15*time.Second)
	tm.Send("Enter")
	tm.WaitFor("gzip → json", 5*time.Second)
	tm.Send("e")
	tm.WaitFor("Changed by someone else", 10*time.Second)
	tm.WaitFor(`"plan": "pro"`, 5*time.Second) // yours, decoded
	if got := gunzipped(t, c.Get(ctx, "prefs:1").Val()); got != `{"plan":"free","seats":9}` {
		t.Fatalf("prefs:1 holds %q: the other client's write was lost", got)
	}
	tm.Send("r") // reload theirs; the edit is kept in a file
	tm.WaitFor(`"seats": 9`, 10*time.Second)
	tm.Send("e")
	tm.WaitFor("saved prefs:1 as gzip", 10*time.Second)
	if got := gunzipped(t, c.Get(ctx, "prefs:1").Val()); got != `{"plan":"pro","seats":9}` {
		t.Fatalf("prefs:1 reads back as %q", got)
	}
	tm.Send("q")
	tm.WaitExit(5 * time.Second)
}

// A decoder command from the config file, with its encoder: the keys its
// glob names are shown through it, and an edit goes back through the
// encoder, conditional like any other. A command that fails shows its
// stderr, and the value is shown as it is.
func TestDecoderCommandFromTheConfigFile(t *testing.T) {
	srv := redistest.Start(t)
	c := srv.Client()
	defer c.Close()
	ctx := context.Background()
	c.Set(ctx, "secret:1", "uryyb jbeyq", 0) // rot13 of "hello world"
	c.Set(ctx, "broken:1", "anything", 0)
	cfg := filepath.Join(t.TempDir(), "config.toml")
	os.WriteFile(cfg, []byte(`[decoders.rot13]
decode = "tr a-z n-za-m"
encode = "tr a-z n-za-m"
keys = ["secret:*"]

[decoders.failing]
decode = "sh -c 'echo bad magic number >&2; exit 4'"
keys = ["broken:*"]
`), 0o600)
	ed := editorScript(t, `sed -i s/world/there/ "$1"`)
	tm := tmuxtest.Start(t, 160, 40, append(env(t), "EDITOR="+ed), binary, srv.URL(), "--bucket", "0", "--config", cfg, "--match", "secret:*")
	tm.WaitFor("1 keys", 15*time.Second)
	tm.Send("Enter")
	tm.WaitFor("hello world", 5*time.Second)
	tm.WaitFor("rot13 (command) → text", 5*time.Second)
	tm.Send("e")
	tm.WaitFor("saved secret:1 as rot13", 10*time.Second)
	if v := c.Get(ctx, "secret:1").Val(); v != "uryyb gurer" {
		t.Fatalf("secret:1 holds %q, want the edit encoded back", v)
	}
	tm.Send("q")
	tm.WaitExit(5 * time.Second)

	tm = tmuxtest.Start(t, 160, 40, env(t), binary, srv.URL(), "--bucket", "0", "--config", cfg, "--match", "broken:*")
	tm.WaitFor("1 keys", 15*time.Second)
	tm.Send("Enter")
	tm.WaitFor("bad magic number", 5*time.Second)
	tm.WaitFor("anything", 5*time.Second)
	tm.Send("q")
	tm.WaitExit(5 * time.Second)
}

// A format kvdeck only reads (a Python pickle) refuses an edit before the
// editor opens, saying why; nothing runs, nothing is written.
func TestEditOfAReadOnlyFormatIsRefusedBeforeTheEditor(t *testing.T) {
	srv := redistest.Start(t)
	c := srv.Client()
	defer c.Close()
	ctx := context.Background()
	pickled, err := os.ReadFile("../ui/format/codec/pickle/testdata/mixed_p4.pickle")
	if err != nil {
		t.Fatal(err)
	}
	c.Set(ctx, "job:1", pickled, 0)
	dir := t.TempDir()
	ed := editorScript(t, fmt.Sprintf(`touch %s/ran`, dir))
	tm := tmuxtest.Start(t, 160, 40, append(env(t), "EDITOR="+ed), binary, srv.URL(), "--bucket", "0")
	tm.WaitFor("1 keys", 15*time.Second)
	tm.Send("Enter")
	tm.WaitFor("pickle (protocol 4) → json", 5*time.Second)
	tm.Send("e")
	tm.WaitFor("kvdeck can only read this format", 10*time.Second)
	if _, err := os.Stat(filepath.Join(dir, "ran")); err == nil {
		t.Fatal("the editor ran for a format kvdeck cannot write back")
	}
	if v := c.Get(ctx, "job:1").Val(); v != string(pickled) {
		t.Fatal("job:1 changed")
	}
	tm.Send("q")
	tm.WaitExit(5 * time.Second)
}

// An edit through a decoder that changes nothing writes nothing: gzip
// written again would be other bytes (another compressor, header and
// level), so the stored value must stay the bytes it was.
func TestUnchangedEditThroughGzipWritesNothing(t *testing.T) {
	srv := redistest.Start(t)
	c := srv.Client()
	defer c.Close()
	ctx := context.Background()
	// gzip -9 by another program: its header differs from what Go writes.
	var buf bytes.Buffer
	w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	w.Name = "prefs.json"
	w.Write([]byte(`{"plan":"free"}`))
	w.Close()
	orig := buf.String()
	c.Set(ctx, "prefs:1", orig, 0)
	tm := tmuxtest.Start(t, 160, 40, append(env(t), "EDITOR=true"), binary, srv.URL(), "--bucket", "0")
	tm.WaitFor("1 keys", 15*time.Second)
	tm.Send("Enter")
	tm.WaitFor("gzip → json", 5*time.Second)
	tm.Send("e")
	tm.WaitFor("value unchanged; nothing saved", 10*time.Second)
	if v := c.Get(ctx, "prefs:1").Val(); v != orig {
		t.Fatalf("prefs:1 was rewritten: %q", v)
	}
	tm.Send("q")
	tm.WaitExit(5 * time.Second)
}
