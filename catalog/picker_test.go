package catalog_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/kvdeck/kvdeck/backend/nats/natstest"
	"github.com/kvdeck/kvdeck/backend/redis/redistest"
	"github.com/kvdeck/kvdeck/catalog"
	"github.com/kvdeck/kvdeck/internal/testsecret"
	"github.com/kvdeck/kvdeck/model"
	"github.com/kvdeck/kvdeck/model/modeltest"
)

// home gives the test its own config, natscli and state folders.
func home(t *testing.T) (configFile string) {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "config"))
	t.Setenv("XDG_STATE_HOME", filepath.Join(dir, "state"))
	t.Setenv("XDG_DATA_HOME", filepath.Join(dir, "data"))
	if err := os.MkdirAll(filepath.Join(dir, "config", "kvdeck"), 0o700); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, "config", "kvdeck", "config.toml")
}

func deck(t *testing.T, cat *catalog.Catalog) *modeltest.Sim {
	t.Helper()
	d := model.NewDeck(model.Options{NoColor: true, Timeout: 3 * time.Second}, cat)
	t.Cleanup(d.Close)
	return modeltest.New(d, 120, 30)
}

func plain(s *modeltest.Sim) string { return ansi.Strip(s.Screen()) }

func see(t *testing.T, s *modeltest.Sim, text string) {
	t.Helper()
	if !s.WaitFor(text, 5*time.Second) {
		t.Fatalf("the screen never showed %q:\n%s", text, plain(s))
	}
}

func pick(t *testing.T, s *modeltest.Sim, name string) {
	t.Helper()
	see(t, s, "Connections")
	s.Keys("/")
	s.Type(name)
	s.Keys("enter")
}

func mustNotBeIn(t *testing.T, path, text string) {
	t.Helper()
	if strings.Contains(read(t, path), text) {
		t.Fatalf("%s has %q:\n%s", path, text, read(t, path))
	}
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Issue 12's "done when", in the model: a user with the README's kind of
// config runs kvdeck with no target, picks prod from the picker (its
// password from the environment, never typed), sees its name in the
// header, switches to a natscli context with :connect and back with one
// key.
func TestPickProdThenANATSContextAndBack(t *testing.T) {
	cfg := home(t)
	rsrv := redistest.Start(t, "--requirepass", testsecret.RedisPassword)
	rc := rsrv.Client()
	defer rc.Close()
	ctx := context.Background()
	rc.Do(ctx, "AUTH", testsecret.RedisPassword)
	for i := range 5 {
		if err := rc.Set(ctx, fmt.Sprintf("session:%d", i), "v", 0).Err(); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PROD_REDIS_PASSWORD", testsecret.RedisPassword)
	nsrv := natstest.Start(t)
	nc, err := natsgo.Connect(nsrv.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	kv, err := js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "flows"})
	if err != nil {
		t.Fatal(err)
	}
	kv.PutString(ctx, "flow.order.1", "pending")
	ctxDir := filepath.Join(os.Getenv("XDG_CONFIG_HOME"), "nats", "context")
	os.MkdirAll(ctxDir, 0o700)
	os.WriteFile(filepath.Join(ctxDir, "dev.json"), []byte(`{"url":"`+nsrv.URL()+`","description":"dev cluster"}`), 0o600)
	os.WriteFile(cfg, []byte(`# kvdeck saved connections
[connections.prod]
url = "`+rsrv.URL()+`/0"
password_env = "PROD_REDIS_PASSWORD"
read_only = true
color = "red"
match = "session:*"
`), 0o600)

	app := deck(t, catalog.New(cfg, 3*time.Second))
	see(t, app, "prod")
	see(t, app, "dev")
	see(t, app, "natscli")
	pick(t, app, "prod")
	see(t, app, "1 prod RO")
	see(t, app, "session:4")

	app.Keys(":")
	app.Type("connect")
	app.Keys("enter")
	pick(t, app, "dev")
	see(t, app, "2 dev")
	app.Keys("enter") // into the flows bucket
	see(t, app, "flow.order.1")

	app.Keys("]")
	see(t, app, "session:4")
	if s := plain(app); strings.Contains(s, "flow.order") {
		t.Fatalf("the prod tab shows the NATS keys:\n%s", s)
	}
	// The recent list remembers prod by name, never its password.
	recent := read(t, filepath.Join(os.Getenv("XDG_STATE_HOME"), "kvdeck", "recent.toml"))
	if !strings.Contains(recent, `name = 'prod'`) && !strings.Contains(recent, `name = "prod"`) {
		t.Errorf("the recent list does not have prod:\n%s", recent)
	}
	if testsecret.Leaked(recent) != "" {
		t.Errorf("the recent list holds a secret:\n%s", recent)
	}
}

// Issue 12: n, e and d in the picker add, edit and delete a saved
// connection in the config file; the file's comments, unknown keys and
// other connections stay as they were, and deleting what was added gives
// the file back byte for byte.
func TestPickerAddsEditsAndDeletesSavedConnections(t *testing.T) {
	cfg := home(t)
	original := `# kvdeck saved connections
# (shared with the team: keep the comments)

[connections.prod]
url = "redis://10.0.0.5:6379/0"   # the primary
read_only = true
owner = "platform-team"           # not kvdeck's: must survive

[ui]
theme = "dark"
`
	if err := os.WriteFile(cfg, []byte(original), 0o600); err != nil {
		t.Fatal(err)
	}
	app := deck(t, catalog.New(cfg, 3*time.Second))
	see(t, app, "prod")
	see(t, app, "line 7: connections.prod.owner") // the warning about an unknown key

	// n: a new connection. The form's rows: name, url, natscli context,
	// local file, user, password from, ...
	app.Keys("n")
	see(t, app, "New saved connection")
	app.Type("cache")
	app.Keys("tab")
	app.Type("redis://app@10.0.0.6:6379/2") // a user in the URL, which Redis would read as a password
	app.Keys("enter")
	see(t, app, "has a user part,") // refused: the form stays open, saying why
	mustNotBeIn(t, cfg, "10.0.0.6")
	for range len("redis://app@10.0.0.6:6379/2") {
		app.Keys("backspace")
	}
	app.Type("redis://10.0.0.6:6379/2")
	app.Keys("tab", "tab", "tab", "tab") // to "password from"
	app.Type("env:CACHE_PW")
	app.Keys("enter")
	see(t, app, "saved cache")
	see(t, app, "10.0.0.6:6379/2")
	got := read(t, cfg)
	for _, want := range []string{"# (shared with the team: keep the comments)", `owner = "platform-team"`, "[ui]", "[connections.cache]", `password_env = "CACHE_PW"`} {
		if !strings.Contains(got, want) {
			t.Fatalf("the file lacks %q after n:\n%s", want, got)
		}
	}

	// e: change its colour; only that line is added.
	app.Keys("/")
	app.Type("cache")
	app.Keys("enter") // ends the filter: enter connects to the selected
	app.Keys("esc")
	see(t, app, "cache")
	app.Keys("e")
	see(t, app, "Edit cache")
	for range 13 {
		app.Keys("tab")
	}
	app.Type("green")
	app.Keys("enter")
	see(t, app, "saved cache")
	edited := read(t, cfg)
	if !strings.Contains(edited, `color = "green"`) || strings.Count(edited, "[connections.cache]") != 1 {
		t.Fatalf("the edit did not land as one changed table:\n%s", edited)
	}

	// d: delete it, confirmed only by y.
	app.Keys("d")
	see(t, app, "Delete saved connection cache?")
	app.Keys("n")
	if read(t, cfg) != edited {
		t.Fatal("n deleted the connection")
	}
	app.Keys("d")
	app.Keys("y")
	see(t, app, "deleted cache")
	if got := read(t, cfg); got != original {
		t.Fatalf("after adding and deleting cache the file is not as it was:\n%s\n--- was ---\n%s", got, original)
	}
}

// Issue 12: a picker edit is conditional on what the form showed, and an
// unchanged one writes nothing. Another editor changes prod's URL while
// its form is open: saving is refused, naming the setting, and the other
// editor's file stays as it wrote it; a delete of a connection changed
// since it was listed is refused too.
func TestPickerEditsAreConditionalOnWhatWasShown(t *testing.T) {
	cfg := home(t)
	original := "[connections.prod]\nurl = \"redis://10.0.0.5:6379/0\"\n"
	if err := os.WriteFile(cfg, []byte(original), 0o600); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour)
	os.Chtimes(cfg, old, old)
	app := deck(t, catalog.New(cfg, 3*time.Second))
	see(t, app, "prod")

	// e, enter: nothing changed, nothing written (not even the same bytes).
	app.Keys("e")
	see(t, app, "Edit prod")
	app.Keys("enter")
	see(t, app, "saved prod")
	if st, _ := os.Stat(cfg); !st.ModTime().Equal(old) || read(t, cfg) != original {
		t.Fatalf("an unchanged edit wrote the file (mtime %v):\n%s", st.ModTime(), read(t, cfg))
	}

	// Another editor changes the URL while the form is open.
	app.Keys("e")
	see(t, app, "Edit prod")
	other := "[connections.prod]\nurl = \"redis://10.0.0.9:6379/0\"\n"
	if err := os.WriteFile(cfg, []byte(other), 0o600); err != nil {
		t.Fatal(err)
	}
	app.Keys("tab", "tab", "tab", "tab", "tab", "tab", "tab", "tab", "tab", "tab", "tab", "tab", "tab")
	app.Type("red")
	app.Keys("enter")
	see(t, app, "changed in")
	see(t, app, "(url)")
	if got := read(t, cfg); got != other {
		t.Fatalf("the other editor's file was overwritten:\n%s", got)
	}
	app.Keys("esc")

	// The list still shows the old URL; a delete of what it shows is refused.
	app.Keys("d")
	see(t, app, "Delete saved connection prod?")
	app.Keys("y")
	see(t, app, "since it was listed")
	if got := read(t, cfg); got != other {
		t.Fatalf("a changed connection was deleted:\n%s", got)
	}
}
