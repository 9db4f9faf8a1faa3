package storetest

import (
	"context"
	"fmt"
	"os"
	"slices"
	"testing"

	"github.com/kvdeck/kvdeck/backend"
)

// CollectionOther is what a second writer offers on a store with
// Collections (Redis): element-level writes and whole-collection reads with
// the store's own client, so the suite can change one element between
// kvdeck's read and kvdeck's write and then check every element the other
// client wrote. The suite finds it with a type assertion on Other.
//
// Values are Go strings holding the raw bytes. Reads of a missing key
// return nil (and Type returns backend.KindUnknown).
type CollectionOther interface {
	Other
	// Type is the key's kind, KindUnknown when it is missing.
	Type(t *testing.T, key string) backend.Kind

	HSet(t *testing.T, key, field, value string)
	HDel(t *testing.T, key, field string)
	// HGetAll returns every field of the hash.
	HGetAll(t *testing.T, key string) map[string]string

	LPush(t *testing.T, key, value string)
	RPush(t *testing.T, key, value string)
	LSet(t *testing.T, key string, index int64, value string)
	// LRange returns the whole list, head first.
	LRange(t *testing.T, key string) []string

	SAdd(t *testing.T, key, member string)
	SRem(t *testing.T, key, member string)
	// SMembers returns the members in any order.
	SMembers(t *testing.T, key string) []string

	ZAdd(t *testing.T, key, member string, score float64)
	ZRem(t *testing.T, key, member string)
	// ZScores returns every member with its score.
	ZScores(t *testing.T, key string) map[string]float64

	// XAdd appends an entry with an automatic id and returns the id.
	XAdd(t *testing.T, key string, fields []backend.Field) string
	XDel(t *testing.T, key, id string)
	// XRange returns every entry, oldest first, with its fields in order.
	XRange(t *testing.T, key string) []backend.Element
}

// BucketOther is what a second writer offers on a store with BucketAdmin:
// creating, describing and deleting buckets with the store's own client
// (nats.go's KeyValue management, bbolt). The description is the one
// bucket setting every such store keeps, so it is what the other client
// changes between kvdeck's read of a bucket and kvdeck's edit of it.
type BucketOther interface {
	CreateBucket(t *testing.T, name, description string)
	SetBucketDescription(t *testing.T, name, description string)
	// BucketDescription returns the description; ok is false when the
	// bucket does not exist.
	BucketDescription(t *testing.T, name string) (description string, ok bool)
	DeleteBucket(t *testing.T, name string)
}

// inCI says the suite runs in continuous integration, where a missing
// second writer is a wiring mistake, not a reason to skip.
func inCI() bool { return os.Getenv("CI") != "" }

// needOther returns a second writer on bucket, or skips (fails in CI) when
// the harness has none: without it nothing here can change a key between
// kvdeck's read and its write.
func needOther(t *testing.T, h Harness, bucket string) Other {
	t.Helper()
	if h.Other == nil {
		if inCI() {
			t.Fatal("Harness.Other is nil: every driver must provide a second writer (CI is set, so this is not skipped)")
		}
		t.Skip("Harness.Other is nil: no second writer to change keys between kvdeck's read and write")
	}
	o := h.Other(t, bucket)
	if o == nil {
		t.Fatal("Harness.Other returned nil")
	}
	return o
}

// otherValue reads key with the other client and fails unless it holds
// want: the other client's write must survive kvdeck's refused one.
func otherValue(t *testing.T, o Other, key, want, why string) {
	t.Helper()
	got, ok := o.Get(t, key)
	if !ok {
		t.Fatalf("%s: %q is gone, want the other client's %q", why, key, want)
	}
	if string(got) != want {
		t.Fatalf("%s: %q holds %q, want the other client's %q", why, key, got, want)
	}
}

// otherAbsent fails when key exists for the other client.
func otherAbsent(t *testing.T, o Other, key, why string) {
	t.Helper()
	if got, ok := o.Get(t, key); ok {
		t.Fatalf("%s: %q exists with %q, want it absent", why, key, got)
	}
}

// sprint prints a collection for a message; fmt sorts map keys, so equal
// maps print equal.
func sprint(v any) string { return fmt.Sprintf("%q", v) }

func sorted(s []string) []string { return slices.Sorted(slices.Values(s)) }

// setElement, removeElement and pushElement are the element writes for
// checks that only look at the error; RunRandom also uses what they return.
func setElement(c backend.Collections, ctx context.Context, bucket, key string, kind backend.Kind, old *backend.Element, el backend.Element) error {
	_, err := c.SetElement(ctx, bucket, key, kind, old, el)
	return err
}

func removeElement(c backend.Collections, ctx context.Context, bucket, key string, kind backend.Kind, el backend.Element) error {
	_, err := c.RemoveElement(ctx, bucket, key, kind, el)
	return err
}

func pushElement(c backend.Collections, ctx context.Context, bucket, key string, value []byte, front bool) error {
	_, err := c.PushElement(ctx, bucket, key, value, front)
	return err
}
