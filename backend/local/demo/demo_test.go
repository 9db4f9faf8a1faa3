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
	values := map[string]map[string][]byte{} // the last value written to each key
	for _, b := range Buckets() {
		keys := map[string]bool{}
		values[b.Config.Name] = map[string][]byte{}
		for _, it := range append(b.Items, b.Revisions...) {
			keys[it.Key] = true
			values[b.Config.Name][it.Key] = it.Value
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
					e, err := s.Get(ctx, b.Name, k.Name, backend.GetOptions{MaxBytes: -1})
					if err != nil {
						t.Errorf("%s/%q: %v", b.Name, k.Name, err)
					} else if string(e.Value) != string(values[b.Name][k.Name]) {
						t.Errorf("%s/%q reads back other bytes than were seeded", b.Name, k.Name)
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
