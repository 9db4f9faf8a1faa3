package demo

import (
	"context"
	"testing"

	"github.com/kvdeck/kvdeck/backend"
)

func TestDemoSeedsEveryBucketAndEveryValueReadsBack(t *testing.T) {
	s, _, cleanup, err := OpenTemp()
	if err != nil {
		t.Fatal(err)
	}
	defer cleanup()
	defer s.Close()
	ctx := context.Background()
	bs, err := s.Buckets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{}
	for _, b := range Buckets() {
		keys := map[string]bool{}
		for _, it := range b.Items {
			keys[it.Key] = true
		}
		want[b.Config.Name] = int64(len(keys))
	}
	if len(bs) != len(want) {
		t.Fatalf("%d buckets, want %d", len(bs), len(want))
	}
	for _, b := range bs {
		if b.Keys != want[b.Name] {
			t.Errorf("bucket %s has %d keys, want %d", b.Name, b.Keys, want[b.Name])
		}
		n := 0
		err := s.Keys(ctx, b.Name, backend.Query{}, func(batch []backend.KeyInfo) error {
			for _, k := range batch {
				if n%97 == 0 || b.Name != "events" {
					if _, err := s.Get(ctx, b.Name, k.Name, backend.GetOptions{}); err != nil {
						t.Errorf("%s/%q: %v", b.Name, k.Name, err)
					}
				}
				n++
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if want["events"] != EventsKeys {
		t.Fatalf("events has %d keys", want["events"])
	}
	h, err := s.History(ctx, "flags", "flag:new-checkout")
	if err != nil || len(h) != 5 {
		t.Fatalf("flag history: %v, %d revisions, want 5", err, len(h))
	}
}
