package nats

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/nats-io/nats.go/jetstream"
)

// Defect 13: a mirror bucket (`nats kv add MIRROR --mirror ORIGIN`) is
// listed, readable, and refuses every write naming why; the origin stays
// as it was.
func TestMirrorBucketListedReadableReadOnly(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	s := openURL(t, srv, false)
	js := natsClient(t, srv)
	ctx := testContext(t)
	if err := s.CreateBucket(ctx, backend.BucketConfig{Name: "ORIGIN", History: 3, KeyTTL: true}); err != nil {
		t.Fatal(err)
	}
	mustPut(t, s, "ORIGIN", "cfg.a", "1", backend.PutOptions{})
	if _, err := js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "MIRROR", History: 3, Mirror: &jetstream.StreamSource{Name: "ORIGIN"}}); err != nil {
		t.Fatal(err)
	}

	b := readBucket(t, s, "MIRROR")
	if !strings.Contains(b.ReadOnly, "mirror of ORIGIN") {
		t.Errorf("mirror ReadOnly = %q, want it to name the origin", b.ReadOnly)
	}
	if o := readBucket(t, s, "ORIGIN"); o.ReadOnly != "" {
		t.Errorf("origin ReadOnly = %q", o.ReadOnly)
	}

	eventually(t, changeWait, "the mirror has the origin's key", func() bool {
		e, err := s.Get(testContext(t), "MIRROR", "cfg.a", backend.GetOptions{})
		return err == nil && string(e.Value) == "1"
	})
	if got := listKeys(t, s, "MIRROR", ""); !slices.Equal(got, []string{"cfg.a"}) {
		t.Errorf("mirror keys = %v", got)
	}
	w := startWatch(t, s, "MIRROR", "")
	mustPut(t, s, "ORIGIN", "cfg.b", "2", backend.PutOptions{})
	w.waitFor(t, "cfg.b", backend.ChangePut)
	if hist, err := s.History(ctx, "MIRROR", "cfg.a"); err != nil || len(hist) != 1 {
		t.Errorf("mirror history = %v, %v", hist, err)
	}

	read := mustGet(t, s, "MIRROR", "cfg.a")
	snap, err := s.Snapshot(ctx, "MIRROR", "cfg.a")
	if err != nil {
		t.Fatal(err)
	}
	edited := *b.Config
	edited.Description = "x"
	for what, err := range map[string]error{
		"Put":           errOf(s.Put(ctx, "MIRROR", "cfg.a", []byte("9"), backend.PutOptions{IfVersion: read.Version})),
		"Put new":       errOf(s.Put(ctx, "MIRROR", "new", []byte("9"), backend.PutOptions{})),
		"Delete":        s.Delete(ctx, "MIRROR", "cfg.a", backend.DeleteOptions{}),
		"Purge":         s.Purge(ctx, "MIRROR", "cfg.a"),
		"Expire":        s.Expire(ctx, "MIRROR", "cfg.a", time.Hour),
		"PutMany":       s.PutMany(ctx, "MIRROR", []backend.Item{{Key: "x", Value: []byte("1")}}),
		"Restore":       errOf(s.Restore(ctx, "MIRROR", snap, backend.RestoreOptions{})),
		"UpdateBucket":  s.UpdateBucket(ctx, *b.Config, edited),
		"Expire(0)":     s.Expire(ctx, "MIRROR", "cfg.a", 0),
		"Put if absent": errOf(s.Put(ctx, "MIRROR", "y", []byte("9"), backend.PutOptions{IfAbsent: true})),
	} {
		wantErr(t, err, backend.ErrReadOnly, what+" on a mirror")
		if !strings.Contains(err.Error(), "mirror of ORIGIN") {
			t.Errorf("%s: %q does not say why", what, err)
		}
	}
	o := newOther(t, srv, "ORIGIN")
	wantValue(t, o, "cfg.a", "1")
	for _, k := range []string{"new", "x", "y"} {
		if _, ok := o.Get(t, k); ok {
			t.Errorf("a refused write reached the origin: %s", k)
		}
	}
	if sc := streamConfig(t, js, "MIRROR"); sc.Description != "" || sc.Mirror == nil {
		t.Errorf("mirror config changed: %+v", sc)
	}
}
