package storetest

import (
	"bytes"
	"errors"
	"sort"
	"testing"

	"github.com/kvdeck/kvdeck/backend"
)

func testGetPutDelete(t *testing.T, h Harness) {
	s, bucket := fresh(t, h)
	ctx := ctxT(t)
	wantNotFound(t, s, bucket, "missing", "before anything was written")
	if err := s.Delete(ctx, bucket, "missing", backend.DeleteOptions{}); !errors.Is(err, backend.ErrNotFound) {
		t.Fatalf("deleting a key that does not exist: %v, want ErrNotFound", err)
	}

	const doc = `{"x":1}`
	put(t, s, bucket, "a.b", doc, backend.PutOptions{})
	e := get(t, s, bucket, "a.b")
	switch {
	case e.Key != "a.b":
		t.Fatalf("opened %q but the entry is named %q", "a.b", e.Key)
	case string(e.Value) != doc:
		t.Fatalf("saved %q, read back %q", doc, e.Value)
	case e.Size != int64(len(doc)):
		t.Fatalf("a %d-byte value shows a size of %d", len(doc), e.Size)
	case e.Kind != backend.KindString:
		t.Fatalf("a value written by Put shows kind %q, want string", e.Kind)
	case e.Version == "":
		t.Fatal("the entry has no version, so an edit cannot detect a concurrent change")
	case e.Truncated:
		t.Fatal("a 7-byte value is marked truncated")
	}

	if err := s.Put(ctx, bucket, "a.b", []byte("other"), backend.PutOptions{IfAbsent: true}); !errors.Is(err, backend.ErrConflict) {
		t.Fatalf("creating a key that already exists: %v, want ErrConflict", err)
	}
	wantValue(t, s, bucket, "a.b", doc, "after a refused create")
	put(t, s, bucket, "a.b", "replaced", backend.PutOptions{})
	wantValue(t, s, bucket, "a.b", "replaced", "after an unconditional save")

	if err := s.Delete(ctx, bucket, "a.b", backend.DeleteOptions{}); err != nil {
		t.Fatalf("deleting a key failed: %v", err)
	}
	wantNotFound(t, s, bucket, "a.b", "after Delete")
	if got := list(t, s, bucket, ""); len(got) != 0 {
		t.Fatalf("a deleted key is still listed: %q", got)
	}
	put(t, s, bucket, "a.b", "again", backend.PutOptions{IfAbsent: true})
	wantValue(t, s, bucket, "a.b", "again", "after re-creating a deleted key")
}

func testConflicts(t *testing.T, h Harness) {
	s, bucket := fresh(t, h)
	ctx := ctxT(t)
	put(t, s, bucket, "k", "first", backend.PutOptions{})
	// The user opens the value; someone else saves meanwhile.
	read := get(t, s, bucket, "k")
	put(t, s, bucket, "k", "second", backend.PutOptions{})
	if err := s.Put(ctx, bucket, "k", []byte("stale"), backend.PutOptions{IfVersion: read.Version}); !errors.Is(err, backend.ErrConflict) {
		t.Fatalf("saving over a value changed since it was read: %v, want ErrConflict (a silent overwrite loses someone's change)", err)
	}
	wantValue(t, s, bucket, "k", "second", "after a save refused for a conflict")
	if err := s.Delete(ctx, bucket, "k", backend.DeleteOptions{IfVersion: read.Version}); !errors.Is(err, backend.ErrConflict) {
		t.Fatalf("deleting a value changed since it was read: %v, want ErrConflict", err)
	}
	wantValue(t, s, bucket, "k", "second", "after a delete refused for a conflict")

	cur := get(t, s, bucket, "k")
	if cur.Version == read.Version {
		t.Fatalf("two different values share the version %q", cur.Version)
	}
	if err := s.Put(ctx, bucket, "k", []byte("third"), backend.PutOptions{IfVersion: cur.Version}); err != nil {
		t.Fatalf("saving with the current version failed: %v", err)
	}
	wantValue(t, s, bucket, "k", "third", "after a save with the current version")
	cur = get(t, s, bucket, "k")
	if err := s.Delete(ctx, bucket, "k", backend.DeleteOptions{IfVersion: cur.Version}); err != nil {
		t.Fatalf("deleting with the current version failed: %v", err)
	}
	wantNotFound(t, s, bucket, "k", "after a delete with the current version")
}

func testUnusualKeys(t *testing.T, h Harness) {
	s, bucket := fresh(t, h)
	ctx := ctxT(t)
	keys := []string{"with space", "ключ:ü", "a\x1bb\x00c"}
	for _, k := range keys {
		err := s.Put(ctx, bucket, k, []byte("v:"+k), backend.PutOptions{})
		if h.RestrictedKeys {
			if !errors.Is(err, backend.ErrInvalid) {
				t.Errorf("saving key %q on a store that restricts key names: %v, want ErrInvalid", k, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("saving key %q failed: %v", k, err)
		}
		e := get(t, s, bucket, k)
		if e.Key != k || string(e.Value) != "v:"+k {
			t.Fatalf("key %q read back as %q with value %q", k, e.Key, e.Value)
		}
	}
	if h.RestrictedKeys {
		return
	}
	want := append([]string(nil), keys...)
	sort.Strings(want)
	if d := diffKeys(list(t, s, bucket, ""), want); d != "" {
		t.Fatalf("keys with spaces, unicode and control bytes: %s", d)
	}
}

func testUnusualValues(t *testing.T, h Harness) {
	s, bucket := fresh(t, h)
	ctx := ctxT(t)
	binary := make([]byte, 256)
	for i := range binary {
		binary[i] = byte(i)
	}
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
	for _, c := range []struct {
		name  string
		value []byte
	}{{"empty", []byte{}}, {"binary", binary}, {"big", big}} {
		if err := s.Put(ctx, bucket, c.name, c.value, backend.PutOptions{}); err != nil {
			t.Fatalf("saving the %s value failed: %v", c.name, err)
		}
		e, err := s.Get(ctx, bucket, c.name, backend.GetOptions{MaxBytes: -1})
		if err != nil || !bytes.Equal(e.Value, c.value) || e.Truncated || e.Size != int64(len(c.value)) {
			t.Fatalf("the %s value did not round-trip: error %v, %d bytes back of %d, size %d, truncated %v",
				c.name, err, len(e.Value), len(c.value), e.Size, e.Truncated)
		}
	}
	e, err := s.Get(ctx, bucket, "big", backend.GetOptions{MaxBytes: 1024})
	if err != nil || !bytes.Equal(e.Value, big[:1024]) || !e.Truncated || e.Size != int64(len(big)) {
		t.Fatalf("a preview of 1 KiB of a 1 MiB value: error %v, %d bytes, truncated %v, size %d; want the first 1024 bytes, truncated, size %d",
			err, len(e.Value), e.Truncated, e.Size, len(big))
	}
	e, err = s.Get(ctx, bucket, "big", backend.GetOptions{})
	if err != nil || len(e.Value) != backend.DefaultPreviewBytes || !e.Truncated {
		t.Fatalf("a default read of a 1 MiB value: error %v, %d bytes, truncated %v; want the %d-byte preview, truncated",
			err, len(e.Value), e.Truncated, backend.DefaultPreviewBytes)
	}
}
