package local

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/dustin/go-humanize"

	"github.com/kvdeck/kvdeck/backend"
)

// analyzeAll runs Analyze and returns the facts by key, failing on a key
// reported twice.
func analyzeAll(t *testing.T, s *Store, bucket string, q backend.AnalyzeQuery) map[string]backend.KeyFacts {
	t.Helper()
	out := map[string]backend.KeyFacts{}
	err := s.Analyze(context.Background(), bucket, q, func(b []backend.KeyFacts) error {
		for _, f := range b {
			if _, dup := out[f.Key]; dup {
				t.Fatalf("%s reported twice", f.Key)
			}
			out[f.Key] = f
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Analyze(%+v): %v", q, err)
	}
	return out
}

// Every fact of every key is what Get says of it: the value's length, the
// expiry kvdeck keeps, string; an expired key is left out.
func TestAnalyzeReportsWhatGetSays(t *testing.T) {
	clock := newClock()
	_, s := newFile(t, backend.BucketConfig{Name: "b"}, Options{Now: clock.Now})
	ctx := context.Background()
	put := func(key string, n int, ttl time.Duration) {
		opts := backend.PutOptions{}
		if ttl > 0 {
			opts = backend.PutOptions{TTLMode: backend.TTLSet, TTL: ttl}
		}
		if _, err := s.Put(ctx, "b", key, make([]byte, n), opts); err != nil {
			t.Fatal(err)
		}
	}
	put("user:1", 10, 0)
	put("user:2", 2000, time.Hour)
	put("user:3", 0, 0)
	put("session:1", 300, time.Minute)
	put("session:2", 7, 10*time.Second)
	clock.Add(20 * time.Second) // session:2 expires

	got := analyzeAll(t, s, "b", backend.AnalyzeQuery{})
	if len(got) != 4 {
		t.Fatalf("analysed %d keys, want the 4 live ones: %v", len(got), got)
	}
	for key, f := range got {
		e := mustGet(t, s, "b", key)
		if f.Kind != backend.KindString || f.Size != e.Size || !f.ExpiresAt.Equal(e.ExpiresAt) || f.Length != 0 {
			t.Errorf("%s: %+v, Get says size %d, expires %v", key, f, e.Size, e.ExpiresAt)
		}
	}
	if got["user:2"].ExpiresAt.IsZero() || !got["user:1"].ExpiresAt.IsZero() {
		t.Errorf("expiries: %+v", got)
	}

	if p := analyzeAll(t, s, "b", backend.AnalyzeQuery{Pattern: "user:*"}); len(p) != 3 || p["session:1"].Key != "" {
		t.Errorf("pattern user:*: %v", p)
	}
	exact := analyzeAll(t, s, "b", backend.AnalyzeQuery{Keys: []string{"session:1", "user:3", "nope", "session:2", "user:3"}})
	if len(exact) != 2 || exact["session:1"].Size != 300 || exact["user:3"].Key != "user:3" {
		t.Errorf("exact keys (a missing and an expired one left out): %v", exact)
	}
	if none := analyzeAll(t, s, "b", backend.AnalyzeQuery{Keys: []string{}}); len(none) != 0 {
		t.Errorf("no keys: %v", none)
	}
	err := s.Analyze(ctx, "nope", backend.AnalyzeQuery{}, func([]backend.KeyFacts) error { return nil })
	if !errors.Is(err, backend.ErrNotFound) {
		t.Errorf("a missing bucket: %v", err)
	}
}

func putN(t *testing.T, s *Store, bucket string, n int) {
	t.Helper()
	items := make([]backend.Item, n)
	for i := range items {
		items[i] = backend.Item{Key: fmt.Sprintf("k:%06d", i), Value: []byte("v")}
	}
	if err := s.PutMany(context.Background(), bucket, items); err != nil {
		t.Fatal(err)
	}
}

// A sample stops at its size; a cancel stops between batches; a key
// deleted while the analysis runs is left out, without an error.
func TestAnalyzeSampleCancelAndDeletedKeys(t *testing.T) {
	_, s := newFile(t, backend.BucketConfig{Name: "b"}, Options{})
	const n = 25_000
	putN(t, s, "b", n)
	ctx := context.Background()

	for _, sample := range []int{1, 123, analyzeBatch, n + 5} {
		got := 0
		err := s.Analyze(ctx, "b", backend.AnalyzeQuery{Sample: sample}, func(b []backend.KeyFacts) error {
			got += len(b)
			return nil
		})
		if err != nil || got != min(sample, n) {
			t.Errorf("sample %d: %d keys, %v", sample, got, err)
		}
	}

	cctx, cancel := context.WithCancel(ctx)
	calls := 0
	err := s.Analyze(cctx, "b", backend.AnalyzeQuery{}, func([]backend.KeyFacts) error {
		calls++
		cancel()
		return nil
	})
	if !errors.Is(err, context.Canceled) || calls != 1 {
		t.Errorf("cancelled in the first batch: %v after %d batches", err, calls)
	}

	all := make([]string, n)
	for i := range all {
		all[i] = fmt.Sprintf("k:%06d", i)
	}
	for _, q := range []backend.AnalyzeQuery{{Keys: all}, {}} {
		got := map[string]bool{}
		err := s.Analyze(ctx, "b", q, func(b []backend.KeyFacts) error {
			if len(got) == 0 {
				// Another writer deletes a key of a later batch.
				if err := s.Delete(ctx, "b", all[n-1], backend.DeleteOptions{}); err != nil {
					t.Fatal(err)
				}
			}
			for _, f := range b {
				got[f.Key] = true
			}
			return nil
		})
		if err != nil || len(got) != n-1 || got[all[n-1]] {
			t.Errorf("%d exact keys: a key deleted meanwhile: %d analysed, %v", len(q.Keys), len(got), err)
		}
		if _, err := s.Put(ctx, "b", all[n-1], []byte("v"), backend.PutOptions{}); err != nil {
			t.Fatal(err)
		}
	}
}

// BucketFacts: the file's size as the file system has it, the bucket's
// live keys and value bytes as Buckets counts them.
func TestBucketFactsOfALocalBucket(t *testing.T) {
	path, s := newFile(t, backend.BucketConfig{Name: "b", History: 3}, Options{})
	putN(t, s, "b", 1234)
	facts, err := s.BucketFacts(context.Background(), "b")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, f := range facts {
		got[f.Label] = f.Value
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got["keys"] != "1234" || got["value bytes"] != "1.2 KiB" || got["history"] != "3" || got["file size"] != humanize.IBytes(uint64(fi.Size())) {
		t.Errorf("facts %v (file %d bytes)", got, fi.Size())
	}
	bs, _ := s.Buckets(context.Background())
	if len(bs) != 1 || strconv.FormatInt(bs[0].Keys, 10) != got["keys"] {
		t.Errorf("Buckets says %+v, facts %v", bs, got)
	}
	if _, err := s.BucketFacts(context.Background(), "nope"); !errors.Is(err, backend.ErrNotFound) {
		t.Errorf("a missing bucket: %v", err)
	}
}
