package redis

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/kvdeck/kvdeck/backend/redis/redistest"
)

func sha1hex(b []byte) string {
	s := sha1.Sum(b)
	return hex.EncodeToString(s[:])
}

func pttl(t *testing.T, c *goredis.Client, key string) time.Duration {
	t.Helper()
	d, err := c.PTTL(context.Background(), key).Result()
	must(t, err)
	return d
}

func meta(e backend.Entry, name string) string {
	for _, f := range e.Meta {
		if f.Name == name {
			return f.Value
		}
	}
	return ""
}

func TestLargeStringIsReadBoundedWithAFingerprintOfTheWhole(t *testing.T) {
	srv := redistest.Start(t)
	s := open(t, srv.URL(), false)
	c := srv.Client()
	defer c.Close()
	ctx := ctxT(t)
	big := bytes.Repeat([]byte("0123456789"), 1<<20) // 10 MB
	must(t, c.Set(ctx, "big", big, time.Hour).Err())
	client, _ := s.client(0)
	trips := &roundTrips{}
	client.AddHook(trips)
	e, err := s.Get(ctx, "0", "big", backend.GetOptions{MaxBytes: 4096})
	must(t, err)
	if len(e.Value) != 4096 || !e.Truncated || e.Size != int64(len(big)) || !bytes.Equal(e.Value, big[:4096]) {
		t.Fatalf("bounded read: %d bytes, truncated %v, size %d", len(e.Value), e.Truncated, e.Size)
	}
	if e.Version != sha1hex(big) {
		t.Fatalf("version %q is not the SHA-1 of the whole value", e.Version)
	}
	if n := trips.n.Load(); n > 2 {
		t.Errorf("Get took %d round trips (one script, plus a script load the first time)", n)
	}
	if e.Kind != backend.KindString || meta(e, "encoding") != "raw" {
		t.Fatalf("kind %v, encoding %q", e.Kind, meta(e, "encoding"))
	}
	if d := time.Until(e.ExpiresAt); d < 59*time.Minute || d > time.Hour {
		t.Fatalf("expires in %v, want about an hour", d)
	}
	// The version of a truncated read still guards a write of the whole.
	ok(t)(s.Put(ctx, "0", "big", []byte("small now"), backend.PutOptions{IfVersion: e.Version}))
	if d := pttl(t, c, "big"); d < 59*time.Minute {
		t.Fatalf("the edit lost the TTL: PTTL %v", d)
	}
}

func TestPutKeepsTheTTLAndRefusesLostUpdates(t *testing.T) {
	srv := redistest.Start(t)
	s := open(t, srv.URL(), false)
	c := srv.Client()
	defer c.Close()
	ctx := ctxT(t)
	must(t, c.Set(ctx, "k", "v1", 90*time.Minute).Err())
	e, err := s.Get(ctx, "0", "k", backend.GetOptions{})
	must(t, err)
	ok(t)(s.Put(ctx, "0", "k", []byte("v2"), backend.PutOptions{IfVersion: e.Version}))
	if d := pttl(t, c, "k"); d < 89*time.Minute || d > 90*time.Minute {
		t.Fatalf("after an edit with default options PTTL is %v, want the 90m kept (KEEPTTL)", d)
	}
	// Someone else writes; the stale version is refused, nothing changes.
	must(t, c.Set(ctx, "k", "theirs", goredis.KeepTTL).Err())
	_, err = s.Put(ctx, "0", "k", []byte("mine"), backend.PutOptions{IfVersion: e.Version})
	if !errors.Is(err, backend.ErrConflict) {
		t.Fatalf("a stale write: %v, want ErrConflict", err)
	}
	if v, _ := c.Get(ctx, "k").Result(); v != "theirs" {
		t.Fatalf("the refused write changed the value to %q", v)
	}
	// Deleted since read: also a conflict, and the key is not recreated.
	e, _ = s.Get(ctx, "0", "k", backend.GetOptions{})
	must(t, c.Del(ctx, "k").Err())
	if _, err := s.Put(ctx, "0", "k", []byte("mine"), backend.PutOptions{IfVersion: e.Version}); !errors.Is(err, backend.ErrConflict) {
		t.Fatalf("a write over a deleted key: %v, want ErrConflict", err)
	}
	if n, _ := c.Exists(ctx, "k").Result(); n != 0 {
		t.Fatal("a refused write recreated the key")
	}
	// IfAbsent is SET NX.
	ok(t)(s.Put(ctx, "0", "k", []byte("new"), backend.PutOptions{IfAbsent: true}))
	if _, err := s.Put(ctx, "0", "k", []byte("again"), backend.PutOptions{IfAbsent: true}); !errors.Is(err, backend.ErrConflict) {
		t.Fatalf("IfAbsent over an existing key: %v", err)
	}
	// TTLSet is PX, to the millisecond; TTLNone removes the TTL.
	ok(t)(s.Put(ctx, "0", "k", []byte("px"), backend.PutOptions{TTLMode: backend.TTLSet, TTL: 1500 * time.Millisecond}))
	if d := pttl(t, c, "k"); d <= time.Second || d > 1500*time.Millisecond {
		t.Fatalf("PTTL after TTLSet 1.5s: %v", d)
	}
	ok(t)(s.Put(ctx, "0", "k", []byte("none"), backend.PutOptions{TTLMode: backend.TTLNone}))
	if d := pttl(t, c, "k"); d != -1 {
		t.Fatalf("PTTL after TTLNone: %v, want none", d)
	}
}

func TestAStringWriteNeverReplacesAnotherType(t *testing.T) {
	srv := redistest.Start(t)
	s := open(t, srv.URL(), false)
	c := srv.Client()
	defer c.Close()
	ctx := ctxT(t)
	must(t, c.HSet(ctx, "h", "f", "v").Err())
	_, err := s.Put(ctx, "0", "h", []byte("oops"), backend.PutOptions{})
	if !errors.Is(err, backend.ErrInvalid) || !strings.Contains(err.Error(), "WRONGTYPE") {
		t.Fatalf("Put over a hash: %v, want a WRONGTYPE refusal", err)
	}
	if v, _ := c.HGet(ctx, "h", "f").Result(); v != "v" {
		t.Fatal("the hash was overwritten")
	}
}

func TestDeleteExpireAndRenameOnMissingKeys(t *testing.T) {
	srv := redistest.Start(t)
	s := open(t, srv.URL(), false)
	c := srv.Client()
	defer c.Close()
	ctx := ctxT(t)
	for name, err := range map[string]error{
		"Delete":    s.Delete(ctx, "0", "nope", backend.DeleteOptions{}),
		"Expire":    s.Expire(ctx, "0", "nope", time.Minute),
		"Persist":   s.Expire(ctx, "0", "nope", 0),
		"Rename":    s.Rename(ctx, "0", "nope", "other"),
		"Get":       func() error { _, err := s.Get(ctx, "0", "nope", backend.GetOptions{}); return err }(),
		"Elements":  func() error { _, err := s.Elements(ctx, "0", "nope", "", 10); return err }(),
		"MemoryUse": func() error { _, err := s.MemoryUsage(ctx, "0", "nope"); return err }(),
	} {
		if !errors.Is(err, backend.ErrNotFound) {
			t.Errorf("%s of a missing key: %v, want ErrNotFound", name, err)
		}
	}
	// A TTL in milliseconds is kept to the millisecond.
	must(t, c.Set(ctx, "k", "v", 0).Err())
	must(t, s.Expire(ctx, "0", "k", 2500*time.Millisecond))
	if d := pttl(t, c, "k"); d <= 2*time.Second || d > 2500*time.Millisecond {
		t.Fatalf("PTTL after Expire(2.5s): %v", d)
	}
	must(t, s.Expire(ctx, "0", "k", 0))
	if d := pttl(t, c, "k"); d != -1 {
		t.Fatalf("PTTL after persist: %v", d)
	}
	// Delete with a stale version refuses; with the current one it works.
	e, _ := s.Get(ctx, "0", "k", backend.GetOptions{})
	must(t, c.Set(ctx, "k", "changed", 0).Err())
	if err := s.Delete(ctx, "0", "k", backend.DeleteOptions{IfVersion: e.Version}); !errors.Is(err, backend.ErrConflict) {
		t.Fatalf("a stale delete: %v", err)
	}
	e, _ = s.Get(ctx, "0", "k", backend.GetOptions{})
	must(t, s.Delete(ctx, "0", "k", backend.DeleteOptions{IfVersion: e.Version}))
	if n, _ := c.Exists(ctx, "k").Result(); n != 0 {
		t.Fatal("the key survived its delete")
	}
}

func TestMemoryUsageOnDemandAndForbiddenWithoutBreakingReads(t *testing.T) {
	srv := redistest.Start(t)
	c := srv.Client()
	defer c.Close()
	ctx := ctxT(t)
	must(t, c.Set(ctx, "k", strings.Repeat("x", 1000), 0).Err())
	s := open(t, srv.URL(), false)
	n, err := s.MemoryUsage(ctx, "0", "k")
	if err != nil || n < 1000 {
		t.Fatalf("MEMORY USAGE of a 1000-byte value: %d, %v", n, err)
	}
	srv.AddUser(t, "nomem", "pw", "~*", "&*", "+@all", "-memory")
	limited := open(t, withUser(srv.URL(), "nomem", "pw"), false)
	if _, err := limited.MemoryUsage(ctx, "0", "k"); !errors.Is(err, backend.ErrUnsupported) {
		t.Fatalf("MEMORY USAGE forbidden by ACL: %v, want ErrUnsupported", err)
	}
	if e, err := limited.Get(ctx, "0", "k", backend.GetOptions{}); err != nil || e.Size != 1000 {
		t.Fatalf("Get by a user without MEMORY: %v", err)
	}
}

// A user whose ACL forbids scripting still reads, edits with conflict
// detection (WATCH/MULTI) and keeps TTLs.
func TestWithoutScriptingEditsAreStillSafe(t *testing.T) {
	srv := redistest.Start(t)
	c := srv.Client()
	defer c.Close()
	ctx := ctxT(t)
	srv.AddUser(t, "noscript", "pw", "~*", "&*", "+@all", "-@scripting")
	s := open(t, withUser(srv.URL(), "noscript", "pw"), false)
	must(t, c.Set(ctx, "k", "v1", time.Hour).Err())
	e, err := s.Get(ctx, "0", "k", backend.GetOptions{})
	must(t, err)
	if string(e.Value) != "v1" || e.Version != sha1hex([]byte("v1")) || e.ExpiresAt.IsZero() || meta(e, "encoding") == "" {
		t.Fatalf("read without scripting: %+v", e)
	}
	ok(t)(s.Put(ctx, "0", "k", []byte("v2"), backend.PutOptions{IfVersion: e.Version}))
	if d := pttl(t, c, "k"); d < 59*time.Minute {
		t.Fatalf("the edit without scripting lost the TTL: %v", d)
	}
	if _, err := s.Put(ctx, "0", "k", []byte("v3"), backend.PutOptions{IfVersion: e.Version}); !errors.Is(err, backend.ErrConflict) {
		t.Fatalf("a stale write without scripting: %v, want ErrConflict", err)
	}
	if _, err := s.Put(ctx, "0", "k", []byte("v3"), backend.PutOptions{IfAbsent: true}); !errors.Is(err, backend.ErrConflict) {
		t.Fatalf("IfAbsent without scripting: %v, want ErrConflict", err)
	}
	must(t, c.RPush(ctx, "l", "a").Err())
	if _, err := s.Put(ctx, "0", "l", []byte("x"), backend.PutOptions{}); !errors.Is(err, backend.ErrInvalid) {
		t.Fatalf("Put over a list without scripting: %v, want WRONGTYPE", err)
	}
	if err := s.Delete(ctx, "0", "k", backend.DeleteOptions{IfVersion: e.Version}); !errors.Is(err, backend.ErrConflict) {
		t.Fatalf("a stale delete without scripting: %v", err)
	}
	e, _ = s.Get(ctx, "0", "k", backend.GetOptions{})
	must(t, s.Delete(ctx, "0", "k", backend.DeleteOptions{IfVersion: e.Version}))
	if err := s.Delete(ctx, "0", "k", backend.DeleteOptions{IfVersion: e.Version}); !errors.Is(err, backend.ErrNotFound) {
		t.Fatalf("a versioned delete of a gone key: %v, want ErrNotFound", err)
	}
}

// A full server (over maxmemory, no eviction) is when people look: reads
// work, writes fail with the server's own clear reason.
func TestReadsWorkOnAServerOverMaxmemory(t *testing.T) {
	srv := redistest.Start(t, "--maxmemory-policy", "noeviction")
	c := srv.Client()
	defer c.Close()
	ctx := ctxT(t)
	must(t, c.Set(ctx, "k", strings.Repeat("x", 2<<20), time.Hour).Err())
	must(t, c.ConfigSet(ctx, "maxmemory", "1mb").Err())
	s := open(t, srv.URL(), false)
	e, err := s.Get(ctx, "0", "k", backend.GetOptions{MaxBytes: 10})
	if err != nil || string(e.Value) != "xxxxxxxxxx" || e.Size != 2<<20 || e.ExpiresAt.IsZero() {
		t.Fatalf("Get over maxmemory: %v %+v", err, e)
	}
	if _, err := s.Put(ctx, "0", "k2", []byte("v"), backend.PutOptions{}); err == nil || !strings.Contains(err.Error(), "OOM") {
		t.Fatalf("a write over maxmemory: %v, want the server's OOM", err)
	}
}

// ReadMany reads the start of each string in one pipeline; keys that are
// gone or hold another type read as empty, and the batch still succeeds.
func TestReadManyReadsStringsAndPassesOverOtherTypes(t *testing.T) {
	srv := redistest.Start(t)
	c := srv.Client()
	defer c.Close()
	ctx := ctxT(t)
	must(t, c.Set(ctx, "a", "alpha", 0).Err())
	must(t, c.Set(ctx, "big", strings.Repeat("x", 5000), 0).Err())
	must(t, c.HSet(ctx, "h", "f", "v").Err())
	s := open(t, srv.URL(), false)
	got, err := s.ReadMany(ctx, "0", []string{"a", "h", "gone", "big"}, 100)
	if err != nil {
		t.Fatal(err)
	}
	if string(got[0]) != "alpha" || len(got[1]) != 0 || len(got[2]) != 0 || len(got[3]) != 100 {
		t.Fatalf("ReadMany = %q", got)
	}
}
