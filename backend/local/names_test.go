package local

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"

	"github.com/kvdeck/kvdeck/backend"
)

func TestBucketPathEncodingRoundTrips(t *testing.T) {
	for name, want := range map[string]string{
		"users": "users", "a/b": "a%2Fb", "100%": "100%25", "ctl\x1b[31m": "ctl%1B[31m",
		"bad\xff": "bad%FF", "ключ": "ключ", "c1\u0085": "c1%C2%85", "%2F": "%252F",
	} {
		if got := encodeSegment([]byte(name)); got != want {
			t.Errorf("encodeSegment(%q) = %q, want %q", name, got, want)
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 5000 {
		segs := make([][]byte, 1+r.IntN(3))
		path := ""
		for i := range segs {
			segs[i] = make([]byte, 1+r.IntN(12))
			for j := range segs[i] {
				segs[i][j] = "a/%\x00\x1b\xff\xc3\xa9\xe2"[r.IntN(9)]
			}
			path = joinPath(path, segs[i])
		}
		if !utf8.ValidString(path) || strings.IndexFunc(path, unicode.IsControl) >= 0 {
			t.Fatalf("path %q is not printable UTF-8", path)
		}
		got, ok := decodePath(path)
		if !ok || len(got) != len(segs) {
			t.Fatalf("decodePath(%q) = %q, %v; want %q", path, got, ok, segs)
		}
		for i := range segs {
			if !bytes.Equal(got[i], segs[i]) {
				t.Fatalf("decodePath(%q)[%d] = %q, want %q", path, i, got[i], segs[i])
			}
		}
	}
	for _, bad := range []string{"", "a/", "/a", "a//b", "%", "a%2", "%zz", "%61", "%2f"} {
		if segs, ok := decodePath(bad); ok {
			t.Errorf("decodePath(%q) = %q, want no bucket (not a canonical path)", bad, segs)
		}
	}
}

// Buckets another program named with '/', '%', control bytes or invalid
// UTF-8 are listed under names that open them, beside a nested a/b.
func TestBucketsWithAnyNameOpen(t *testing.T) {
	ctx := context.Background()
	path, s := newFile(t, backend.BucketConfig{Name: "kv", History: 1}, Options{})
	s.Close()
	top := map[string]string{"a/b": "top", "ctl\x1b[31m": "ctl", "bad\xff\xfe": "bad", "100%": "pct", "a": "a-itself"}
	rawUpdate(t, path, func(tx *bolt.Tx) error {
		for name, v := range top {
			b, err := tx.CreateBucket([]byte(name))
			if err != nil {
				return err
			}
			if err := b.Put([]byte("key-"+v), []byte(v)); err != nil {
				return err
			}
		}
		nested, err := tx.Bucket([]byte("a")).CreateBucket([]byte("b"))
		if err != nil {
			return err
		}
		return nested.Put([]byte("key-nested"), []byte("nested"))
	})
	s = openAt(t, path, Options{})
	want := map[string]string{"a%2Fb": "top", "ctl%1B[31m": "ctl", "bad%FF%FE": "bad", "100%25": "pct", "a": "a-itself", "a/b": "nested"}
	names := bucketNames(t, s)
	if strings.Join(names, " ") != "100%25 a a%2Fb a/b bad%FF%FE ctl%1B[31m kv" {
		t.Fatalf("buckets listed as %q", names)
	}
	for name, v := range want {
		keys := keysOf(t, s, name)
		if len(keys) != 1 {
			t.Fatalf("bucket %q lists %d keys, want key-%s", name, len(keys), v)
		}
		if e := mustGet(t, s, name, "key-"+v); string(e.Value) != v {
			t.Fatalf("bucket %q: key-%s reads %q", name, v, e.Value)
		}
	}
	// Writes land in the bucket the name says, and stay there.
	if _, err := s.Put(ctx, "a%2Fb", "new", []byte("1"), backend.PutOptions{TTLMode: backend.TTLSet, TTL: 3600e9}); err != nil {
		t.Fatal(err)
	}
	if v, ok := rawGet(t, path, "a%2Fb", "new"); !ok || string(v) != "1" {
		t.Fatal("a write to a%2Fb did not land in the top-level bucket named a/b")
	}
	if _, ok := rawGet(t, path, "a/b", "new"); ok {
		t.Fatal("a write to a%2Fb landed in the nested a/b")
	}
	if e := mustGet(t, s, "a%2Fb", "new"); e.ExpiresAt.IsZero() {
		t.Fatal("the TTL of a key in a%2Fb was lost")
	}
	if err := s.DeleteBucket(ctx, "a%2Fb"); err != nil {
		t.Fatal(err)
	}
	rawView(t, path, func(tx *bolt.Tx) error {
		if tx.Bucket([]byte("a/b")) != nil {
			t.Error("DeleteBucket(a%2Fb) left the top-level a/b")
		}
		if tx.Bucket([]byte("a")).Bucket([]byte("b")) == nil {
			t.Error("DeleteBucket(a%2Fb) removed the nested a/b")
		}
		return nil
	})
	for _, bad := range []string{"a%2fb", "%61", "a/", "__kvdeck__"} {
		if _, err := s.Get(ctx, bad, "x", backend.GetOptions{}); !errors.Is(err, backend.ErrNotFound) || !strings.Contains(err.Error(), "bucket") {
			t.Errorf("Get in bucket %q: %v, want bucket not found", bad, err)
		}
	}
}
