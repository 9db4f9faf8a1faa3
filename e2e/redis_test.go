package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kvdeck/kvdeck/backend/redis/redistest"
	"github.com/kvdeck/kvdeck/internal/tmuxtest"
)

// A user points kvdeck at Redis, browses, opens a hash, edits a string and
// its TTL survives the edit.
// escape presses Esc alone: Esc followed at once by a key reads as alt+key,
// as in any terminal program, so wait before the next key.
func escape(tm *tmuxtest.Session) {
	tm.Send("Escape")
	time.Sleep(300 * time.Millisecond)
}

func TestRedisBrowseEditKeepsTTL(t *testing.T) {
	srv := redistest.Start(t)
	c := srv.Client()
	defer c.Close()
	ctx := context.Background()
	for i := range 2000 {
		c.Set(ctx, fmt.Sprintf("session:%04d", i), `{"user":1}`, time.Hour)
	}
	c.HSet(ctx, "user:1", "name", "ada", "lang", "en")
	c.Set(ctx, "config:flag", `{"on":true}`, 2*time.Hour)

	tm := tmuxtest.Start(t, 140, 30, append(env(t), "EDITOR=sed -i s/true/false/"), binary, srv.URL(), "--bucket", "0", "--match", "config:*")
	tm.WaitFor("1 keys", 15*time.Second)
	tm.Send("Enter")
	tm.WaitFor(`"on": true`, 5*time.Second)
	tm.Send("e")
	tm.WaitFor("saved config:flag", 10*time.Second)
	tm.WaitFor(`"on": false`, 5*time.Second)
	if ttl, _ := c.PTTL(ctx, "config:flag").Result(); ttl < time.Hour {
		t.Fatalf("the edit lost the TTL: %v left", ttl)
	}
	// Open the hash through a pattern search.
	escape(tm)
	tm.Send("s")
	tm.Send("C-u") // the dialog starts with the current pattern
	tm.Type("user:*")
	tm.Send("Enter")
	tm.WaitForFunc(func(sc string) bool {
		return strings.Contains(sc, "pattern user:*  1 keys") && strings.Contains(sc, "user:1")
	}, 5*time.Second, "the user:* listing")
	tm.Send("Enter")
	tm.WaitFor("hash", 5*time.Second)
	tm.WaitFor("name = ada", 5*time.Second)
	// Edit the hash field under the cursor (the first, name).
	tm.Send("i")
	tm.WaitFor("Field name of user:1", 5*time.Second)
	tm.Send("C-u")
	tm.Type("grace")
	tm.Send("Enter")
	tm.WaitFor("name = grace", 5*time.Second)
	if v, _ := c.HGet(ctx, "user:1", "name").Result(); v != "grace" {
		t.Fatalf("hash field holds %q after the edit", v)
	}
	// Add a field.
	tm.Send("a")
	tm.Type("city=Paris")
	tm.Send("Enter")
	tm.WaitFor("city = Paris", 5*time.Second)
	// The whole database.
	escape(tm)
	tm.Send("s")
	tm.Send("C-u")
	tm.Send("Enter")
	tm.WaitFor("2002 keys", 10*time.Second)
	if strings.Contains(tm.Screen(), "listing") {
		t.Fatal("listing not complete")
	}
	// Create a hash with a TTL.
	tm.Send("n")
	tm.Type("cart:9")
	tm.Send("Enter")
	tm.WaitFor("Type of cart:9", 5*time.Second)
	tm.Send("C-u")
	tm.Type("hash")
	tm.Send("Enter")
	tm.WaitFor("TTL of the new key cart:9", 5*time.Second)
	tm.Type("1h")
	tm.Send("Enter")
	tm.WaitFor("First element of the new hash cart:9", 5*time.Second)
	tm.Type("sku=SKU-1")
	tm.Send("Enter")
	tm.WaitFor("created hash cart:9", 5*time.Second)
	tm.WaitFor("2003 keys", 5*time.Second)
	if typ, _ := c.Type(ctx, "cart:9").Result(); typ != "hash" {
		t.Fatalf("cart:9 is a %q", typ)
	}
	if ttl, _ := c.PTTL(ctx, "cart:9").Result(); ttl < 59*time.Minute {
		t.Fatalf("cart:9 TTL %v", ttl)
	}
	tm.Send("q")
	tm.WaitExit(5 * time.Second)
}
