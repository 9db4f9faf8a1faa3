package model_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/kvdeck/kvdeck/backend/nats/natstest"
	"github.com/kvdeck/kvdeck/backend/redis/redistest"
	"github.com/kvdeck/kvdeck/connect"
	"github.com/kvdeck/kvdeck/model"
	dlg "github.com/kvdeck/kvdeck/model/dialog"
	"github.com/kvdeck/kvdeck/model/modeltest"
)

// specs is a Connector over fixed connections that opens them for real
// with package connect: the tab tests need real stores behind the tabs,
// not the config file (the Catalog's own tests cover that).
type specs struct {
	entries []model.Entry
	by      map[string]connect.Spec
	opened  []string
}

func (s *specs) Entries() ([]model.Entry, []string, error) { return s.entries, nil, nil }
func (s *specs) Open(ctx context.Context, e model.Entry, p connect.Prompter) (*connect.Conn, error) {
	return connect.Open(ctx, s.by[e.Name], p)
}
func (s *specs) Form(*model.Entry) ([]dlg.FormField, error) { return nil, nil }
func (s *specs) Save(*model.Entry, map[string]string, map[string]string) error {
	return fmt.Errorf("not here")
}
func (s *specs) Delete(model.Entry) error   { return fmt.Errorf("not here") }
func (s *specs) Opened(e model.Entry) error { s.opened = append(s.opened, e.Name); return nil }
func (s *specs) Where() string              { return "test connections" }
func (s *specs) add(e model.Entry, spec connect.Spec) {
	if s.by == nil {
		s.by = map[string]connect.Spec{}
	}
	e.Source = model.FromSaved
	s.entries = append(s.entries, e)
	s.by[e.Name] = spec
}

func newDeck(t *testing.T, c model.Connector) *modeltest.Sim {
	t.Helper()
	d := model.NewDeck(model.Options{NoColor: true, Timeout: 3 * time.Second}, c)
	t.Cleanup(d.Close)
	return modeltest.New(d, 120, 30)
}

// pick filters the picker to name and connects to it.
func pick(t *testing.T, app *modeltest.Sim, name string) {
	t.Helper()
	mustSee(t, app, "Connections")
	app.Keys("/")
	app.Type(name)
	app.Keys("enter")
}

// Issue 12: open connections are tabs. Each keeps its own listing,
// cursor, value and undo stack; switching is one key; the header names
// every tab and marks the read-only one.
func TestTabsKeepTheirOwnStateAndUndo(t *testing.T) {
	rsrv := redistest.Start(t)
	rc := rsrv.Client()
	defer rc.Close()
	ctx := context.Background()
	for i := range 30 {
		rc.Set(ctx, fmt.Sprintf("session:%02d", i), fmt.Sprintf(`{"user":%d}`, i), 0)
	}
	nsrv := natstest.Start(t)
	_, kv := natsKV(t, nsrv, jetstream.KeyValueConfig{Bucket: "flows"})
	kv.PutString(ctx, "flow.order.1", "pending")
	kv.PutString(ctx, "flow.order.2", "shipped")

	c := &specs{}
	c.add(model.Entry{Name: "prod", Kind: "redis", Address: rsrv.Addr, Color: "red", Bucket: "0"},
		connect.Spec{Kind: connect.KindRedis, Target: rsrv.URL(), Timeout: 3 * time.Second})
	c.add(model.Entry{Name: "flows", Kind: "nats", Address: nsrv.URL(), Bucket: "flows"},
		connect.Spec{Kind: connect.KindNATS, Target: nsrv.URL(), Timeout: 3 * time.Second})
	app := newDeck(t, c)

	pick(t, app, "prod")
	// The count, not a name: the keys come in SCAN order, which a fresh
	// server's hash seed shuffles, and the pane shows fewer than 30 rows.
	mustSeeDone(t, app, "30 keys")
	mustSee(t, app, "1 prod")
	// Open session:07 and delete it: an undo record of the prod tab.
	app.Keys("/")
	app.Type("session:07")
	app.Keys("enter", "enter")
	mustSee(t, app, `"user": 7`)
	app.Keys("d")
	mustSee(t, app, "Delete")
	app.Keys("y")
	mustSee(t, app, "to undo")
	if rc.Exists(ctx, "session:07").Val() != 0 {
		t.Fatal("session:07 was not deleted")
	}
	// Leave the prod tab filtered to session:08, with it open.
	app.Keys("esc", "esc", "/")
	app.Type("session:08")
	app.Keys("enter", "enter")
	mustSee(t, app, `"user": 8`)

	// A second connection, from inside: C opens the picker.
	app.Keys("C")
	pick(t, app, "flows")
	mustSeeDone(t, app, "flow.order.2")
	screen := plain(app)
	if !strings.Contains(screen, "1 prod") || !strings.Contains(screen, "2 flows") {
		t.Fatalf("the header does not show both tabs:\n%s", screen)
	}
	app.Keys("u")
	mustSee(t, app, "nothing to undo") // prod's record is not this tab's
	mustNotSee(t, app, "session:")

	// Back to prod with one key: its filter, cursor and value as left.
	app.Keys("]")
	mustSee(t, app, `"user": 8`)
	mustSee(t, app, `1 of 29 keys match "session:08"`)
	mustNotSee(t, app, "flow.order")
	app.Keys("u")
	mustSee(t, app, "undid delete of session:07")
	if v := rc.Get(ctx, "session:07").Val(); v != `{"user":7}` {
		t.Fatalf("undo in the prod tab did not restore session:07 in Redis: %q", v)
	}
	if n, _ := kv.Keys(ctx); len(n) != 2 {
		t.Fatalf("the NATS bucket changed: %v", n)
	}
	if strings.Join(c.opened, ",") != "prod,flows" {
		t.Errorf("recent list got %v", c.opened)
	}
}

// Issue 12: a connection that fails shows its error in the picker and
// kvdeck goes on; connecting to one already open switches to its tab.
func TestPickerShowsAFailedConnectionAndStays(t *testing.T) {
	rsrv := redistest.Start(t)
	c := &specs{}
	c.add(model.Entry{Name: "gone", Kind: "redis", Address: "127.0.0.1:1"},
		connect.Spec{Kind: connect.KindRedis, Target: "redis://127.0.0.1:1", Timeout: 2 * time.Second})
	c.add(model.Entry{Name: "cache", Kind: "redis", Address: rsrv.Addr, ReadOnly: true},
		connect.Spec{Kind: connect.KindRedis, Target: rsrv.URL(), ReadOnly: true, Timeout: 2 * time.Second})
	app := newDeck(t, c)
	pick(t, app, "gone")
	mustSee(t, app, "gone: redis://127.0.0.1:1: connection refused: is Redis running there?")
	mustSee(t, app, "Connections")
	app.Keys("esc") // clears the filter; no tab yet, so the picker stays
	mustSee(t, app, "cache")
	app.Keys("esc")
	mustSee(t, app, "no connection open")
	pick(t, app, "cache")
	mustSeeDone(t, app, "Buckets")
	app.Keys(":")
	app.Type("connect cache")
	app.Keys("enter")
	mustSee(t, app, "1 cache RO") // a read-only connection says so in its tab
	mustNotSee(t, app, "2 cache")
}

// Issue 12: closing a tab stops everything it ran. A watch and a listing
// of the closed tab end on the server (checked with the server's own
// view of its clients), and its late answers reach no other tab.
func TestClosingATabStopsItsStreams(t *testing.T) {
	rsrv := redistest.Start(t)
	rc := rsrv.Client()
	defer rc.Close()
	ctx := context.Background()
	pipe := rc.Pipeline()
	for i := range 200_000 {
		pipe.Set(ctx, fmt.Sprintf("k:%06d", i), "v", 0)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		t.Fatal(err)
	}
	other := redistest.Start(t)
	c := &specs{}
	c.add(model.Entry{Name: "big", Kind: "redis", Address: rsrv.Addr, Bucket: "0"},
		connect.Spec{Kind: connect.KindRedis, Target: rsrv.URL(), Timeout: 3 * time.Second})
	c.add(model.Entry{Name: "small", Kind: "redis", Address: other.Addr, Bucket: "0"},
		connect.Spec{Kind: connect.KindRedis, Target: other.URL(), Timeout: 3 * time.Second})
	app := newDeck(t, c)
	own := clients(t, rc) // the test's own connections
	pick(t, app, "big")
	mustSee(t, app, "1 big")
	if n := clients(t, rc); n <= own {
		t.Fatalf("kvdeck's connection to big is not among the server's clients (%d, the test's own %d)", n, own)
	}
	app.Keys("ctrl+w")
	mustSee(t, app, "Connections") // the last tab closed: the picker
	deadline := time.Now().Add(5 * time.Second)
	for clients(t, rc) > own && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if n := clients(t, rc); n != own {
		t.Fatalf("big has %d clients after its tab closed, the test's own %d:\n%s", n, own, rc.ClientList(ctx).Val())
	}
	pick(t, app, "small")
	mustSeeDone(t, app, "1 small")
	mustNotSee(t, app, "k:0")
}

// clients counts the server's client connections.
func clients(t *testing.T, c *goredis.Client) int {
	t.Helper()
	list, err := c.ClientList(context.Background()).Result()
	if err != nil {
		t.Fatal(err)
	}
	return strings.Count(strings.TrimSpace(list), "\n") + 1
}
