package nats

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dustin/go-humanize"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/kvdeck/kvdeck/backend/nats/natstest"
)

// analyzeAll runs Analyze and returns the facts by key, failing on a key
// reported twice.
func analyzeAll(t *testing.T, s *Store, bucket string, q backend.AnalyzeQuery) map[string]backend.KeyFacts {
	t.Helper()
	out := map[string]backend.KeyFacts{}
	err := s.Analyze(testContext(t), bucket, q, func(b []backend.KeyFacts) error {
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

// Every key's facts are what nats.go reads of it (its value's length, its
// message time plus its TTL or the bucket's), delete and purge markers are
// no keys (they come marked Deleted), and the sizes add up, with the file store's record overhead,
// to the stream's bytes exactly: subject, headers and value as stored.
func TestAnalyzeReportsWhatTheStreamHolds(t *testing.T) {
	srv := natstest.Start(t)
	js := natsClient(t, srv.URL())
	ctx := testContext(t)
	kv, err := js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "an", History: 3, LimitMarkerTTL: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	put := func(key, value string) {
		t.Helper()
		if _, err := kv.Put(ctx, key, []byte(value)); err != nil {
			t.Fatal(err)
		}
	}
	put("a.1", "hello")
	put("a.1", "hello again") // two revisions kept
	put("a.2", strings.Repeat("x", 1000))
	put("b.empty", "")
	if _, err := kv.Create(ctx, "a.ttl", []byte("short-lived"), jetstream.KeyTTL(time.Hour)); err != nil {
		t.Fatal(err)
	}
	put("gone", "v")
	must(t, kv.Delete(ctx, "gone"))
	put("purged", "v")
	must(t, kv.Purge(ctx, "purged"))
	s := openURL(t, srv.URL(), false)

	got := analyzeAll(t, s, "an", backend.AnalyzeQuery{})
	for _, m := range []string{"gone", "purged"} {
		if f := got[m]; !f.Deleted || f.Size <= int64(len("$KV.an."+m)) {
			t.Errorf("%s: %+v, want a marker with its stored size", m, f)
		}
		delete(got, m)
	}
	want, err := kv.ListKeys(ctx)
	must(t, err)
	var live []string
	for k := range want.Keys() {
		live = append(live, k)
	}
	if len(got) != len(live) || len(live) != 4 {
		t.Fatalf("analysed %v, nats.go lists %v", got, live)
	}
	for _, k := range live {
		f := got[k]
		e, err := kv.Get(ctx, k)
		must(t, err)
		own := int64(len("$KV.an." + k + string(e.Value())))
		switch {
		case f.Kind != backend.KindString || f.Length != 0:
			t.Errorf("%s: %+v", k, f)
		case k == "a.ttl" && f.Size <= own, k != "a.ttl" && f.Size != own:
			t.Errorf("%s: size %d, subject and value are %d (and only a.ttl has headers)", k, f.Size, own)
		}
		wantExp := time.Time{}
		if k == "a.ttl" {
			wantExp = e.Created().Add(time.Hour)
		}
		if d := f.ExpiresAt.Sub(wantExp); d < -time.Millisecond || d > time.Millisecond {
			t.Errorf("%s: expires %v, want %v", k, f.ExpiresAt, wantExp)
		}
	}

	if p := analyzeAll(t, s, "an", backend.AnalyzeQuery{Pattern: "a.*"}); len(p) != 3 || p["b.empty"].Key != "" {
		t.Errorf("pattern a.*: %v", p)
	}
	exact := analyzeAll(t, s, "an", backend.AnalyzeQuery{Keys: []string{"a.2", "gone", "purged", "nope", "not a key", "a.*", "a.2"}})
	if len(exact) != 3 || exact["a.2"] != got["a.2"] || !exact["gone"].Deleted || !exact["purged"].Deleted {
		t.Errorf("exact keys (deleted and purged ones as markers, missing and impossible ones left out): %v", exact)
	}
	if none := analyzeAll(t, s, "an", backend.AnalyzeQuery{Keys: []string{}}); len(none) != 0 {
		t.Errorf("no keys: %v", none)
	}
	err = s.Analyze(ctx, "nope", backend.AnalyzeQuery{}, func([]backend.KeyFacts) error { return nil })
	if !errors.Is(err, backend.ErrNotFound) {
		t.Errorf("a missing bucket: %v", err)
	}

	// One revision per key and no markers: the stream's bytes are the
	// sizes plus the file store's 30 bytes a record, 34 with headers.
	sum, err := js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "sum", LimitMarkerTTL: time.Second})
	must(t, err)
	withTTL := map[string]bool{}
	for i := range 50 {
		k := fmt.Sprintf("k.%d", i)
		v := []byte(strings.Repeat("v", i*7))
		if i%3 == 0 {
			_, err = sum.Create(ctx, k, v, jetstream.KeyTTL(time.Duration(i+1)*time.Minute))
			withTTL[k] = true
		} else {
			_, err = sum.Put(ctx, k, v)
		}
		must(t, err)
	}
	var total uint64
	for k, f := range analyzeAll(t, s, "sum", backend.AnalyzeQuery{}) {
		total += uint64(f.Size) + 30
		if withTTL[k] {
			total += 4
		}
	}
	stream, err := js.Stream(ctx, "KV_sum")
	must(t, err)
	info, err := stream.Info(ctx)
	must(t, err)
	if total != info.State.Bytes {
		t.Errorf("sizes add up to %d bytes with the record overhead, the stream holds %d", total, info.State.Bytes)
	}
}

// A bucket's TTL is every key's expiry after its message time.
func TestAnalyzeBucketTTL(t *testing.T) {
	srv := natstest.Start(t)
	js := natsClient(t, srv.URL())
	ctx := testContext(t)
	kv, err := js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "ttl", TTL: time.Hour})
	must(t, err)
	_, err = kv.Put(ctx, "k", []byte("v"))
	must(t, err)
	e, err := kv.Get(ctx, "k")
	must(t, err)
	s := openURL(t, srv.URL(), false)
	f := analyzeAll(t, s, "ttl", backend.AnalyzeQuery{})["k"]
	if d := f.ExpiresAt.Sub(e.Created().Add(time.Hour)); d < -time.Millisecond || d > time.Millisecond {
		t.Errorf("expires %v, created %v with a bucket TTL of an hour", f.ExpiresAt, e.Created())
	}
}

// A sample stops at its size; a cancel stops between batches; keys deleted
// by another client before the analysis reaches them are left out, without
// an error.
func TestAnalyzeSampleCancelAndDeletedKeys(t *testing.T) {
	srv := natstest.Start(t)
	js := natsClient(t, srv.URL())
	ctx := testContext(t)
	kv, err := js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "many"})
	must(t, err)
	const n = 3000
	all := make([]string, n)
	for i := range all {
		all[i] = fmt.Sprintf("k.%05d", i)
		if _, err := js.PublishAsync("$KV.many."+all[i], []byte("v")); err != nil {
			t.Fatal(err)
		}
		if i%1000 == 999 || i == n-1 {
			select {
			case <-js.PublishAsyncComplete():
			case <-ctx.Done():
				t.Fatal("publishing timed out")
			}
		}
	}
	s := openURL(t, srv.URL(), false)

	for _, q := range []backend.AnalyzeQuery{{Sample: 1}, {Sample: 1500}, {Sample: n + 5}, {Keys: all[:900], Sample: maxFilterSubjects + 10}} {
		got := 0
		err := s.Analyze(ctx, "many", q, func(b []backend.KeyFacts) error {
			got += len(b)
			return nil
		})
		if err != nil || got != min(q.Sample, n) {
			t.Errorf("sample %d (%d keys asked for): %d keys, %v", q.Sample, len(q.Keys), got, err)
		}
	}

	cctx, cancel := context.WithCancel(ctx)
	calls := 0
	err = s.Analyze(cctx, "many", backend.AnalyzeQuery{}, func([]backend.KeyFacts) error {
		calls++
		cancel()
		return nil
	})
	if !errors.Is(err, context.Canceled) || calls != 1 {
		t.Errorf("cancelled in the first batch: %v after %d batches", err, calls)
	}

	// Up to maxFilteredKeys keys asked for by name are read a consumer of
	// maxFilterSubjects at a time: the last ones, deleted while the first
	// are read, are markers by the time their consumer starts.
	named := all[:3*maxFilterSubjects+100]
	last := named[len(named)-50:]
	got := map[string]bool{}
	deleted := false
	err = s.Analyze(ctx, "many", backend.AnalyzeQuery{Keys: named}, func(b []backend.KeyFacts) error {
		if !deleted {
			deleted = true
			for _, k := range last {
				must(t, kv.Delete(ctx, k))
			}
		}
		for _, f := range b {
			if !f.Deleted {
				got[f.Key] = true
			}
		}
		return nil
	})
	if err != nil || len(got) != len(named)-len(last) || got[last[0]] || !got[named[0]] {
		t.Errorf("keys deleted meanwhile: %d analysed of %d, %v", len(got), len(named), err)
	}

	// More keys by name are read from one listing of their common
	// subjects, keeping exactly those.
	many := append(slices.Clone(all[1000:2500]), "k.missing", "k.missing", "k.00001.deeper")
	exact := analyzeAll(t, s, "many", backend.AnalyzeQuery{Keys: many})
	if len(exact) != 1500 || exact["k.01000"].Size != int64(len("$KV.many.k.01000v")) || exact["k.00999"].Key != "" {
		t.Errorf("%d keys by name: %d analysed", len(many), len(exact))
	}
}

func TestCommonFilterOfExactKeys(t *testing.T) {
	for _, c := range []struct {
		keys []string
		want string
	}{
		{[]string{"a.b.c", "a.b.d"}, "a.b.>"},
		{[]string{"a.b", "a.b.c"}, "a.>"},
		{[]string{"a.b.c.d", "a.b.c.e", "a.b.x"}, "a.b.>"},
		{[]string{"x", "y"}, ">"},
		{[]string{"x"}, ">"},
	} {
		if got := commonFilter(c.keys); got != c.want {
			t.Errorf("commonFilter(%v) = %q, want %q", c.keys, got, c.want)
		}
	}
}

// BucketFacts are the stream's own counts: messages, bytes, subjects,
// history setting and the revisions it keeps on average.
func TestBucketFactsAreTheStreamsCounts(t *testing.T) {
	srv := natstest.Start(t)
	js := natsClient(t, srv.URL())
	ctx := testContext(t)
	kv, err := js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "facts", History: 5, TTL: time.Hour})
	must(t, err)
	for i := range 3 {
		for range i + 1 {
			_, err := kv.Put(ctx, "k."+strconv.Itoa(i), []byte("value"))
			must(t, err)
		}
	}
	must(t, kv.Delete(ctx, "k.0"))
	s := openURL(t, srv.URL(), false)
	facts, err := s.BucketFacts(ctx, "facts")
	must(t, err)
	got := map[string]string{}
	var labels []string
	for _, f := range facts {
		got[f.Label] = f.Value
		labels = append(labels, f.Label)
	}
	stream, err := js.Stream(ctx, "KV_facts")
	must(t, err)
	info, err := stream.Info(ctx)
	must(t, err)
	want := map[string]string{
		"messages":                             "7", // 1+2+3 puts and a delete marker
		"bytes":                                humanize.IBytes(info.State.Bytes),
		"subjects (keys and deleted keys)":     "3",
		"history (revisions kept per key)":     "5",
		"revisions kept (average per subject)": "2.33",
		"ttl":                                  "1h0m0s",
		"storage":                              "file",
	}
	if info.State.Msgs != 7 || info.State.NumSubjects != 3 {
		t.Fatalf("the stream holds %+v", info.State)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %q, want %q (facts %v)", k, got[k], v, labels)
		}
	}
	if len(facts) != len(want) || slices.Contains(labels, "") {
		t.Errorf("facts: %v", facts)
	}
	if _, err := s.BucketFacts(ctx, "nope"); !errors.Is(err, backend.ErrNotFound) {
		t.Errorf("a missing bucket: %v", err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
