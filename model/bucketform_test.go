package model

import (
	"context"
	"maps"
	"strings"
	"testing"
	"time"

	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/kvdeck/kvdeck/backend/nats"
	"github.com/kvdeck/kvdeck/backend/nats/natstest"
	"github.com/kvdeck/kvdeck/model/modeltest"
)

func TestMetadataTextRoundTrip(t *testing.T) {
	for _, m := range []map[string]string{
		nil,
		{"owner": "team-a"},
		{"owners": "a, b, c", "query": "x=1&y=2", "path": `C:\new\dir`, "multi": "line one\nline two", "k=ey": "v", " spaced ": " both "},
	} {
		text := formatMetadata(m)
		got, err := parseMetadata(text)
		if err != nil {
			t.Fatalf("parseMetadata(%q): %v", text, err)
		}
		want := maps.Clone(m)
		if v, ok := want[" spaced "]; ok { // space around a key is dropped
			delete(want, " spaced ")
			want["spaced"] = v
		}
		if !maps.Equal(got, want) {
			t.Errorf("round trip of %v through %q = %v", m, text, got)
		}
	}
	for _, bad := range []string{"novalue", "=v", "a=1\na=2"} {
		if _, err := parseMetadata(bad); err == nil {
			t.Errorf("parseMetadata(%q) accepted", bad)
		}
	}
	if got, _ := parseMetadata("a=b=c, d\n\n  \nx="); !maps.Equal(got, map[string]string{"a": "b=c, d", "x": ""}) {
		t.Errorf("parseMetadata = %v", got)
	}
}

// formEnv is a NATS server with one bucket, kvdeck's model on it, and
// nats.go as another client (natscli, another service).
type formEnv struct {
	srv    *natstest.Server
	app    *App
	sim    *modeltest.Sim
	js     jetstream.JetStream
	bucket string
}

func newFormEnv(t *testing.T, cfg backend.BucketConfig) *formEnv {
	t.Helper()
	srv := natstest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	o, err := nats.ParseURL(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	s, err := nats.Open(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.CreateBucket(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	nc, err := natsgo.Connect(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	a := New(s, Options{NoColor: true, Timeout: 2 * time.Second})
	return &formEnv{srv: srv, app: a, sim: modeltest.New(a, 140, 50), js: js, bucket: cfg.Name}
}

func (e *formEnv) stream(t *testing.T) jetstream.StreamConfig {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := e.js.Stream(ctx, "KV_"+e.bucket)
	if err != nil {
		t.Fatal(err)
	}
	return st.CachedInfo().Config
}

func (e *formEnv) editStream(t *testing.T, edit func(*jetstream.StreamConfig)) {
	t.Helper()
	sc := e.stream(t)
	edit(&sc)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := e.js.UpdateStream(ctx, sc); err != nil {
		t.Fatal(err)
	}
}

// open opens the edit form of the (only) bucket and waits for its fresh
// read.
func (e *formEnv) open(t *testing.T) *bucketForm {
	t.Helper()
	e.sim.Keys("e")
	f, ok := e.app.dialog.(*bucketForm)
	if !ok {
		t.Fatalf("no bucket form open:\n%s", e.sim.Plain())
	}
	if f.loading || f.broken {
		t.Fatalf("form loading %v broken %v: %s", f.loading, f.broken, f.err)
	}
	return f
}

// save presses enter and waits for the outcome.
func (e *formEnv) save(t *testing.T) {
	t.Helper()
	e.sim.Keys("enter")
	deadline := time.Now().Add(10 * time.Second)
	for {
		f, open := e.app.dialog.(*bucketForm)
		if !open || !f.saving {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the save never finished")
		}
		e.sim.Settle()
	}
}

func fieldText(f *bucketForm, label string) string {
	for _, fl := range f.fields {
		if fl.label == label {
			return fl.input.Value()
		}
	}
	return ""
}

func setField(t *testing.T, f *bucketForm, label, value string) {
	t.Helper()
	for i := range f.fields {
		if f.fields[i].label == label {
			f.fields[i].input.SetValue(value)
			return
		}
	}
	t.Fatalf("no field %q", label)
}

// Defects 9 and 10: the form starts from the bucket as it is now, and a
// save changes only what was edited (the marker TTL, which the form does
// not show, and metadata with commas stay).
func TestBucketFormEditStartsFreshAndKeepsTheRest(t *testing.T) {
	e := newFormEnv(t, backend.BucketConfig{Name: "cfg", History: 3, KeyTTL: true, MarkerTTL: 30 * time.Minute,
		Metadata: map[string]string{"owners": "a, b", "q": "x=1"}})
	// Edited elsewhere after kvdeck listed the buckets.
	e.editStream(t, func(sc *jetstream.StreamConfig) { sc.Description = "set by natscli"; sc.MaxMsgSize = 4096 })

	f := e.open(t)
	if got := fieldText(f, "description"); got != "set by natscli" {
		t.Errorf("description field %q, want the current one", got)
	}
	if got := fieldText(f, "max value size"); got != "4096" {
		t.Errorf("max value size field %q, want 4096", got)
	}
	setField(t, f, "history", "8")
	e.save(t)
	if _, open := e.app.dialog.(*bucketForm); open {
		t.Fatalf("form still open after a good save: %s", f.err)
	}
	sc := e.stream(t)
	if sc.MaxMsgsPerSubject != 8 || sc.SubjectDeleteMarkerTTL != 30*time.Minute || sc.Description != "set by natscli" ||
		sc.MaxMsgSize != 4096 || sc.Metadata["owners"] != "a, b" || sc.Metadata["q"] != "x=1" {
		t.Errorf("after editing the history: %+v", sc)
	}

	// Metadata typed in the box, commas and = included, is saved as typed.
	f = e.open(t)
	f.meta.SetValue(f.meta.Value() + "\nnote=one, two=2")
	e.save(t)
	if got := e.stream(t).Metadata; got["note"] != "one, two=2" || got["owners"] != "a, b" {
		t.Errorf("metadata after edit: %v", got)
	}
}

// A save over an edit made elsewhere is a conflict: the form stays open
// with every field as typed and shows what differs; nothing is saved.
func TestBucketFormConflictKeepsFormOpen(t *testing.T) {
	e := newFormEnv(t, backend.BucketConfig{Name: "cfg", History: 3})
	f := e.open(t)
	setField(t, f, "history", "9")
	f.meta.SetValue("team=x, y")
	e.editStream(t, func(sc *jetstream.StreamConfig) { sc.Description = "elsewhere" })

	e.save(t)
	g, open := e.app.dialog.(*bucketForm)
	if !open {
		t.Fatal("the form closed on a conflict")
	}
	if !strings.Contains(g.err, `description is "elsewhere"`) {
		t.Errorf("conflict message %q does not show the difference", g.err)
	}
	if fieldText(g, "history") != "9" || g.meta.Value() != "team=x, y" {
		t.Errorf("fields not kept as typed: history %q metadata %q", fieldText(g, "history"), g.meta.Value())
	}
	if sc := e.stream(t); sc.MaxMsgsPerSubject != 3 || sc.Description != "elsewhere" || sc.Metadata["team"] != "" {
		t.Errorf("a conflicting save changed the bucket: %+v", sc)
	}
	if !strings.Contains(e.sim.Plain(), "elsewhere") {
		t.Errorf("the screen does not show the conflict:\n%s", e.sim.Plain())
	}
}

// Invalid input and a server that is down keep the form open too.
func TestBucketFormFailedSaveKeepsFields(t *testing.T) {
	e := newFormEnv(t, backend.BucketConfig{Name: "cfg", History: 3})
	f := e.open(t)
	setField(t, f, "history", "99")
	f.meta.SetValue("owner=a, b")
	e.save(t)
	g, open := e.app.dialog.(*bucketForm)
	if !open || !strings.Contains(g.err, "history") || fieldText(g, "history") != "99" || g.meta.Value() != "owner=a, b" {
		t.Fatalf("invalid input: open %v err %q history %q", open, g.err, fieldText(g, "history"))
	}

	setField(t, g, "history", "4")
	e.srv.Shutdown()
	e.save(t)
	g, open = e.app.dialog.(*bucketForm)
	if !open || g.err == "" || fieldText(g, "history") != "4" {
		t.Fatalf("server down: open %v err %q history %q", open, g.err, fieldText(g, "history"))
	}
}
