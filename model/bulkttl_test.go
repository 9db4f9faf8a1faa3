package model_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/kvdeck/kvdeck/backend/nats"
	"github.com/kvdeck/kvdeck/backend/nats/natstest"
	"github.com/kvdeck/kvdeck/model"
)

// openNATSStore opens kvdeck's store on url.
func openNATSStore(t *testing.T, url string) *nats.Store {
	t.Helper()
	o, err := nats.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	s, err := nats.Open(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// natsTTLHeader is the per-key TTL of key's latest revision, as the
// stream itself has it ("" for none).
func natsTTLHeader(t *testing.T, js jetstream.JetStream, bucket, key string) string {
	t.Helper()
	st, err := js.Stream(context.Background(), "KV_"+bucket)
	if err != nil {
		t.Fatal(err)
	}
	m, err := st.GetLastMsgForSubject(context.Background(), "$KV."+bucket+"."+key)
	if err != nil {
		t.Fatal(err)
	}
	return m.Header.Get("Nats-TTL")
}

// Issue 13 on NATS: t on a folder of the tree sets a per-key TTL only on
// the keys without one (NX), after a dry run that counts them; another
// client's write after the dry run is skipped and kept; u takes the TTLs
// off again. Checked on the stream with nats.go.
func TestBulkTTLOnAFolderInNATS(t *testing.T) {
	srv := natstest.Start(t)
	js, kv := natsKV(t, srv, jetstream.KeyValueConfig{Bucket: "flows", LimitMarkerTTL: time.Minute})
	ctx := context.Background()
	for i := range 20 {
		key := fmt.Sprintf("flow.order.%02d", i)
		if i < 10 {
			if _, err := kv.Create(ctx, key, []byte("pending"), jetstream.KeyTTL(time.Hour)); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if _, err := kv.PutString(ctx, key, "pending"); err != nil {
			t.Fatal(err)
		}
	}
	s := openNATSStore(t, srv.URL())
	app := newApp(t, s, model.Options{Bucket: "flows", Timeout: 5 * time.Second})
	mustSeeDone(t, app, "20 keys")
	app.Keys("T") // the tree, the cursor on the flow folder
	mustSee(t, app, "(tree)")
	app.Keys("t")
	mustSee(t, app, "What should change?")
	app.Keys("n")
	app.Type("7d")
	app.Keys("enter")
	mustSee(t, app, "10 of the 20 keys will change")
	// Another client writes flow.order.19 after the dry run (still without
	// a TTL, so NX still applies to it): its value must survive.
	if _, err := kv.Put(ctx, "flow.order.19", []byte("shipped")); err != nil {
		t.Fatal(err)
	}
	app.Keys("y")
	mustSee(t, app, "changed,")
	for i := 10; i < 20; i++ {
		key := fmt.Sprintf("flow.order.%02d", i)
		got := natsTTLHeader(t, js, "flows", key)
		if i == 19 {
			if e, _ := kv.Get(ctx, key); string(e.Value()) != "shipped" {
				t.Fatalf("the other client's write to %s was lost: %q", key, e.Value())
			}
			continue
		}
		if got == "" {
			t.Fatalf("%s has no per-key TTL after the bulk NX", key)
		}
	}
	for i := range 10 { // NX leaves the keys that had a TTL as they were
		key := fmt.Sprintf("flow.order.%02d", i)
		if got := natsTTLHeader(t, js, "flows", key); got != "1h0m0s" {
			t.Fatalf("%s: TTL header %q, want its own 1h0m0s", key, got)
		}
	}
	app.Keys("u")
	mustSee(t, app, "undid")
	if e, _ := kv.Get(ctx, "flow.order.19"); string(e.Value()) != "shipped" {
		t.Fatalf("undo lost the other client's value of flow.order.19: %q", e.Value())
	}
	for i := 10; i < 20; i++ {
		key := fmt.Sprintf("flow.order.%02d", i)
		if got := natsTTLHeader(t, js, "flows", key); got != "" && got != "never" {
			t.Fatalf("undo left %s with TTL %q", key, got)
		}
	}
}

// Issue 13 locally: LT on the marked keys shortens the TTLs that end later
// and gives one to the keys without; u puts them back.
func TestBulkTTLOnMarkedKeysLocally(t *testing.T) {
	data := map[string]string{}
	ttls := map[string]time.Duration{}
	for i := range 6 {
		key := fmt.Sprintf("job:%d", i)
		data[key] = "done"
		if i%2 == 0 {
			ttls[key] = 24 * time.Hour
		}
	}
	s := openStore(t, map[string]map[string]string{"jobs": data}, ttls)
	app := newApp(t, s, model.Options{Bucket: "jobs", Timeout: 5 * time.Second})
	mustSeeDone(t, app, "6 keys")
	for range 6 {
		app.Keys("space")
	}
	app.Keys("t")
	mustSee(t, app, "What should change?")
	app.Keys("l")
	app.Type("10m")
	app.Keys("enter")
	mustSee(t, app, "6 of the 6 keys will change")
	app.Keys("y")
	mustSee(t, app, "6 changed, 0 skipped")
	ctx := context.Background()
	for i := range 6 {
		e, err := s.Get(ctx, "jobs", fmt.Sprintf("job:%d", i), backend.GetOptions{})
		if err != nil || e.ExpiresAt.IsZero() || time.Until(e.ExpiresAt) > 10*time.Minute {
			t.Fatalf("job:%d: expiry %v %v, want within 10m", i, e.ExpiresAt, err)
		}
	}
	app.Keys("u")
	mustSee(t, app, "undid")
	for i := range 6 {
		e, _ := s.Get(ctx, "jobs", fmt.Sprintf("job:%d", i), backend.GetOptions{})
		if (i%2 == 0) == e.ExpiresAt.IsZero() || i%2 == 0 && time.Until(e.ExpiresAt) < 23*time.Hour {
			t.Fatalf("job:%d after undo: expiry %v", i, e.ExpiresAt)
		}
	}
}

// Issue 13 on NATS: the analysis page counts each namespace's keys and
// those without a TTL from the stream's headers, shows the stream's own
// figures, and t on a namespace row starts the bulk TTL on its keys.
func TestAnalysisOnNATS(t *testing.T) {
	srv := natstest.Start(t)
	js, kv := natsKV(t, srv, jetstream.KeyValueConfig{Bucket: "flows", LimitMarkerTTL: time.Minute})
	ctx := context.Background()
	for i := range 30 {
		kind := []string{"order", "invoice", "refund"}[i%3]
		key := fmt.Sprintf("flow.%s.%02d", kind, i)
		if kind == "order" {
			kv.Create(ctx, key, []byte(`{"step":1}`), jetstream.KeyTTL(time.Hour))
		} else {
			kv.PutString(ctx, key, `{"step":2}`)
		}
	}
	// Three deleted keys and a purged one: their markers are not keys, and
	// the store table counts them.
	for _, k := range []string{"gone.a", "gone.b", "gone.c", "gone.d"} {
		kv.PutString(ctx, k, "x")
	}
	kv.Delete(ctx, "gone.a")
	kv.Delete(ctx, "gone.b")
	kv.Delete(ctx, "gone.c")
	kv.Purge(ctx, "gone.d")
	s := openNATSStore(t, srv.URL())
	app := newApp(t, s, model.Options{Bucket: "flows", Timeout: 5 * time.Second})
	mustSeeDone(t, app, "30 keys")
	app.Keys("A")
	mustSee(t, app, "complete in")
	app.Keys("+") // depth 2: flow.order., flow.invoice., flow.refund.
	mustSee(t, app, "depth 2")
	// A row: namespace, keys, size, average, share, no TTL, types.
	cols := func(prefix string) (keys, noTTL string) {
		f := strings.Fields(strings.Trim(lineWith(plain(app), prefix), "│ "))
		if len(f) < 9 {
			t.Fatalf("no row for %s:\n%s", prefix, plain(app))
		}
		return f[1], f[len(f)-3]
	}
	if keys, noTTL := cols("flow.order."); keys != "10" || noTTL != "0" {
		t.Fatalf("flow.order.: %s keys, %s without TTL; want 10, 0:\n%s", keys, noTTL, plain(app))
	}
	if keys, noTTL := cols("flow.invoice."); keys != "10" || noTTL != "10" {
		t.Fatalf("flow.invoice.: %s keys, %s without TTL; want 10, 10:\n%s", keys, noTTL, plain(app))
	}
	if strings.Contains(plain(app), "gone.") {
		t.Fatalf("deleted keys counted as a namespace:\n%s", plain(app))
	}
	app.Keys("shift+tab") // the store's own figures
	mustSee(t, app, "messages")
	if row := lineWith(plain(app), "delete markers"); !strings.Contains(row, "delete markers               4 (") {
		t.Fatalf("the store table should count 4 delete markers:\n%s", plain(app))
	}
	app.Keys("tab") // back to the namespaces
	app.Keys("o", "o", "o", "o")
	mustSee(t, app, "by name")
	// The done-when flow on NATS: flow.invoice. (first by name) has 10
	// keys without a TTL: a 7-day TTL with NX on exactly those, then undo.
	app.Keys("t") // t on a namespace row starts the bulk TTL on its keys
	mustSee(t, app, "TTL on 10 keys")
	app.Keys("n")
	app.Type("7d")
	app.Keys("enter")
	mustSee(t, app, "10 of the 10 keys will change")
	app.Keys("y")
	mustSee(t, app, "TTL 7d NX: 10 changed, 0 skipped, 0 gone, 0 failed")
	for i := 1; i < 30; i += 3 {
		key := fmt.Sprintf("flow.invoice.%02d", i)
		if got := natsTTLHeader(t, js, "flows", key); got != "604800s" {
			t.Fatalf("%s: TTL header %q, want 7 days", key, got)
		}
	}
	app.Keys("esc", "u")
	mustSee(t, app, "undid")
	for i := 1; i < 30; i += 3 {
		key := fmt.Sprintf("flow.invoice.%02d", i)
		if got := natsTTLHeader(t, js, "flows", key); got != "" {
			t.Fatalf("%s: TTL header %q after undo, want none", key, got)
		}
	}
}
