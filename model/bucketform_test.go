package model

import (
	"context"
	"regexp"
	"slices"
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
func (e *formEnv) open(t *testing.T) {
	t.Helper()
	e.sim.Keys("e")
	if _, ok := e.app.dialog.(*bucketFormHost); !ok {
		t.Fatalf("no bucket form open:\n%s", e.sim.Plain())
	}
	if !e.sim.WaitFor("tab move", 10*time.Second) {
		t.Fatalf("the form did not fill:\n%s", e.sim.Plain())
	}
}

// isOpen reports whether the form still shows.
func (e *formEnv) isOpen() bool {
	_, ok := e.app.dialog.(*bucketFormHost)
	return ok
}

// save presses enter and waits for the outcome.
func (e *formEnv) save(t *testing.T) {
	t.Helper()
	e.sim.Keys("enter")
	deadline := time.Now().Add(10 * time.Second)
	for {
		h, open := e.app.dialog.(*bucketFormHost)
		if !open || !h.form.Saving() {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the save never finished")
		}
		e.sim.Settle()
	}
}

// formFields are the form's rows in order, as it shows them.
var formFields = []string{"name", "description", "ttl", "history", "max bytes", "max value size", "storage", "replicas", "compression", "per-key ttl"}

// setField types value into a field, as a user does: from the first
// editable row (an edit cannot rename, so it starts on description), tab
// down to it, clear it and type.
func (e *formEnv) setField(t *testing.T, label, value string) {
	t.Helper()
	i := slices.Index(formFields, label)
	if i < 1 {
		t.Fatalf("no editable field %q", label)
	}
	for range i - 1 {
		e.sim.Keys("tab")
	}
	e.sim.Keys("end", "ctrl+u")
	e.sim.Type(value)
	for range len(formFields) - i {
		e.sim.Keys("tab") // on to metadata, then round to description
	}
	e.sim.Keys("tab")
}

// typeMetadata types lines at the end of the metadata box (shift+tab from
// description, the first row of an edit, reaches it).
func (e *formEnv) typeMetadata(text string) {
	e.sim.Keys("shift+tab")
	e.sim.Type(text)
	e.sim.Keys("tab")
}

// shows reports whether a form row shows label with value.
func (e *formEnv) shows(label, value string) bool {
	re := regexp.MustCompile(`(?m)^\W*` + regexp.QuoteMeta(label) + `\s+` + regexp.QuoteMeta(value) + `\s`)
	return re.MatchString(e.sim.Plain())
}

// Defects 9 and 10: the form starts from the bucket as it is now, and a
// save changes only what was edited (the marker TTL, which the form does
// not show, and metadata with commas stay).
func TestBucketFormEditStartsFreshAndKeepsTheRest(t *testing.T) {
	e := newFormEnv(t, backend.BucketConfig{Name: "cfg", History: 3, KeyTTL: true, MarkerTTL: 30 * time.Minute,
		Metadata: map[string]string{"owners": "a, b", "q": "x=1"}})
	// Edited elsewhere after kvdeck listed the buckets.
	e.editStream(t, func(sc *jetstream.StreamConfig) { sc.Description = "set by natscli"; sc.MaxMsgSize = 4096 })

	e.open(t)
	if !e.shows("description", "set by natscli") || !e.shows("max value size", "4096") {
		t.Errorf("the form does not start from the current settings:\n%s", e.sim.Plain())
	}
	e.setField(t, "history", "8")
	e.save(t)
	if e.isOpen() {
		t.Fatalf("form still open after a good save:\n%s", e.sim.Plain())
	}
	sc := e.stream(t)
	if sc.MaxMsgsPerSubject != 8 || sc.SubjectDeleteMarkerTTL != 30*time.Minute || sc.Description != "set by natscli" ||
		sc.MaxMsgSize != 4096 || sc.Metadata["owners"] != "a, b" || sc.Metadata["q"] != "x=1" {
		t.Errorf("after editing the history: %+v", sc)
	}

	// Metadata typed in the box, commas and = included, is saved as typed.
	e.open(t)
	e.typeMetadata("\nnote=one, two=2")
	e.sim.Keys("ctrl+s")
	e.save(t)
	if got := e.stream(t).Metadata; got["note"] != "one, two=2" || got["owners"] != "a, b" {
		t.Errorf("metadata after edit: %v", got)
	}
}

// A save over an edit made elsewhere is a conflict: the form stays open
// with every field as typed and shows what differs; nothing is saved.
func TestBucketFormConflictKeepsFormOpen(t *testing.T) {
	e := newFormEnv(t, backend.BucketConfig{Name: "cfg", History: 3})
	e.open(t)
	e.setField(t, "history", "9")
	e.typeMetadata("team=x, y")
	e.editStream(t, func(sc *jetstream.StreamConfig) { sc.Description = "elsewhere" })

	e.save(t)
	if !e.isOpen() {
		t.Fatal("the form closed on a conflict")
	}
	if !strings.Contains(e.sim.Plain(), "description is") || !strings.Contains(e.sim.Plain(), `"elsewhere" (was "")`) {
		t.Errorf("the conflict message does not show the difference:\n%s", e.sim.Plain())
	}
	if !e.shows("history", "9") || !strings.Contains(e.sim.Plain(), "team=x, y") {
		t.Errorf("fields not kept as typed:\n%s", e.sim.Plain())
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
	e.open(t)
	e.setField(t, "history", "99")
	e.typeMetadata("owner=a, b")
	e.save(t)
	if !e.isOpen() || !strings.Contains(e.sim.Plain(), "history: ") || !e.shows("history", "99") || !strings.Contains(e.sim.Plain(), "owner=a, b") {
		t.Fatalf("invalid input: the form closed or lost what was typed:\n%s", e.sim.Plain())
	}

	e.setField(t, "history", "4")
	e.srv.Shutdown()
	e.save(t)
	if !e.isOpen() || !e.shows("history", "4") || e.app.dialog.(*bucketFormHost).form.Saving() {
		t.Fatalf("server down: the form closed or lost the field:\n%s", e.sim.Plain())
	}
}
