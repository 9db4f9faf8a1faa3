package e2e

import (
	"context"
	"os"
	"regexp"
	"testing"
	"time"

	"github.com/kvdeck/kvdeck/backend/redis/redistest"
	"github.com/kvdeck/kvdeck/internal/tmuxtest"
)

// Defect 8: an editor that ends the file with a newline (vi's :wq) made an
// untouched counter "42\n", and the application's INCR then failed.
func TestEditorsAddedNewlineIsNotAnEdit(t *testing.T) {
	srv := redistest.Start(t)
	c := srv.Client()
	defer c.Close()
	ctx := context.Background()
	c.Set(ctx, "counter", "42", 0)
	// sed's '$a\' adds a final newline when there is none, as vi does.
	tm := tmuxtest.Start(t, 120, 30, append(env(t), `EDITOR=sed -i $a\`), binary, srv.URL(), "--bucket", "0")
	tm.WaitFor("1 keys", 15*time.Second)
	tm.Send("Enter")
	tm.WaitFor("42", 5*time.Second)
	tm.Send("e")
	tm.WaitFor("value unchanged; nothing saved", 10*time.Second)
	if v, _ := c.Get(ctx, "counter").Result(); v != "42" {
		t.Fatalf("counter holds %q", v)
	}
	if n, err := c.Incr(ctx, "counter").Result(); err != nil || n != 43 {
		t.Fatalf("INCR after the edit: %v %v", n, err)
	}
	tm.Send("q")
	tm.WaitExit(5 * time.Second)
}

// Defect 8: answering no after invalid JSON threw the $EDITOR edit away.
func TestRefusedEditorSaveIsKeptInAPrivateFile(t *testing.T) {
	srv := redistest.Start(t)
	c := srv.Client()
	defer c.Close()
	ctx := context.Background()
	c.Set(ctx, "cfg", `{"on":true}`, 0)
	tm := tmuxtest.Start(t, 160, 30, append(env(t), "EDITOR=sed -i s/true/tru/"), binary, srv.URL(), "--bucket", "0")
	tm.WaitFor("1 keys", 15*time.Second)
	tm.Send("Enter")
	tm.WaitFor(`"on": true`, 5*time.Second)
	tm.Send("e")
	tm.WaitFor("Invalid JSON", 10*time.Second)
	tm.Send("n")
	screen := tm.WaitFor("is kept in", 5*time.Second)
	path := regexp.MustCompile(`kept in (\S+)`).FindStringSubmatch(screen)
	if path == nil {
		t.Fatalf("no path on the screen:\n%s", screen)
	}
	b, err := os.ReadFile(path[1])
	if err != nil || string(b) != `{"on":tru}` {
		t.Fatalf("the kept file holds %q, %v", b, err)
	}
	if fi, _ := os.Stat(path[1]); fi.Mode().Perm() != 0o600 {
		t.Fatalf("the kept file's mode is %v, want 0600", fi.Mode().Perm())
	}
	os.Remove(path[1])
	if v, _ := c.Get(ctx, "cfg").Result(); v != `{"on":true}` {
		t.Fatalf("cfg holds %q", v)
	}
	tm.Send("q")
	tm.WaitExit(5 * time.Second)
}
