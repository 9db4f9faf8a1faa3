// Command gen renders the README's screenshots from real runs of kvdeck on
// the demo store: the model is driven without a terminal (modeltest), its
// screen is drawn to PNG at a fixed size (internal/shot). Run it with
// `make screenshots`.
package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/kvdeck/kvdeck/backend/local"
	"github.com/kvdeck/kvdeck/backend/local/demo"
	"github.com/kvdeck/kvdeck/catalog"
	"github.com/kvdeck/kvdeck/connect"
	"github.com/kvdeck/kvdeck/internal/shot"
	"github.com/kvdeck/kvdeck/model"
	"github.com/kvdeck/kvdeck/model/modeltest"
)

const cols, rows = 132, 36

// scene is one screenshot: where to start and which keys to press.
type scene struct {
	file   string
	bucket string
	keys   []string
	wait   string
}

var scenes = []scene{
	{file: "demo.png", bucket: "prefs", keys: []string{"down", "down", "enter"}, wait: "format"},
	{file: "tree.png", bucket: "events", keys: []string{"T", "down", "enter", "down", "enter", "down", "down"}, wait: "100000 keys"},
	{file: "ttl.png", bucket: "sessions", keys: []string{"down", "t"}, wait: "Set TTL"},
	{file: "help.png", bucket: "flags", keys: []string{"?"}, wait: "Global"},
	{file: "analysis.png", bucket: "events", keys: []string{"A"}, wait: "complete in"},
	{file: "msgpack.png", bucket: "formats", keys: []string{"end", "enter"}, wait: "msgpack (map) → json"},
	{file: "protobuf.png", bucket: "formats", keys: []string{"down", "down", "down", "down", "down", "down", "enter"}, wait: "protobuf (schemaless) → json"},
}

func main() {
	out := "screenshots"
	if len(os.Args) > 1 {
		out = os.Args[1]
	}
	if err := renderPicker(filepath.Join(out, "picker.png")); err != nil {
		fmt.Fprintf(os.Stderr, "screenshots: picker.png: %v\n", err)
		os.Exit(1)
	}
	fmt.Println("wrote", filepath.Join(out, "picker.png"))
	if err := renderCopy(filepath.Join(out, "copy.png")); err != nil {
		fmt.Fprintf(os.Stderr, "screenshots: copy.png: %v\n", err)
		os.Exit(1)
	}
	fmt.Println("wrote", filepath.Join(out, "copy.png"))
	for _, sc := range scenes {
		if err := render(sc, filepath.Join(out, sc.file)); err != nil {
			fmt.Fprintf(os.Stderr, "screenshots: %s: %v\n", sc.file, err)
			os.Exit(1)
		}
		fmt.Println("wrote", filepath.Join(out, sc.file))
	}
}

func render(sc scene, path string) error {
	s, _, cleanup, err := demo.OpenTemp()
	if err != nil {
		return err
	}
	defer cleanup()
	defer s.Close()
	// New settles: the listing of the bucket is complete (no "listing…"
	// in the picture), so the count shows.
	app := modeltest.New(model.New(s, model.Options{Bucket: sc.bucket, Dark: true}), cols, rows)
	if !app.WaitFor("keys", 10*time.Second) {
		return fmt.Errorf("bucket %s never listed", sc.bucket)
	}
	app.Keys(sc.keys...)
	if !app.WaitFor(sc.wait, 10*time.Second) {
		return fmt.Errorf("screen never showed %q", sc.wait)
	}
	return shot.WritePNG(path, app.Screen(), cols, rows, shot.Options{})
}

// pickerConfig is the README's kind of config file, for the picker's
// screenshot (nothing is connected to: the picker only lists).
const pickerConfig = `# kvdeck saved connections
[connections.prod]
url = "redis://prod-redis.internal:6379/0"
username = "app"
password_command = "pass show redis/prod"
read_only = true
color = "red"
ssh = "deploy@bastion.example.com"

[connections.staging]
url = "redis://staging-redis.internal:6379/0"
password_env = "STAGING_REDIS_PASSWORD"
color = "yellow"

[connections.cache-cluster]
url = "redis://10.0.0.1:7000"
cluster = true
color = "cyan"

[connections.flows]
url = "nats://nats.internal:4222"
bucket = "flows"
color = "#5fd7d7"
`

// renderPicker draws the connection picker over a tab open on the demo
// store, with a saved config, a natscli context and the local store, in a
// home of its own (a fixed path, so the picture does not change by run).
func renderPicker(path string) error {
	home := filepath.Join(os.TempDir(), "kvdeck-screenshots")
	os.RemoveAll(home)
	defer os.RemoveAll(home)
	for k, v := range map[string]string{"HOME": home, "XDG_CONFIG_HOME": filepath.Join(home, ".config"), "XDG_STATE_HOME": filepath.Join(home, ".local/state"), "XDG_DATA_HOME": filepath.Join(home, ".local/share")} {
		os.Setenv(k, v)
	}
	cfg := filepath.Join(home, ".config", "kvdeck", "config.toml")
	ctxDir := filepath.Join(home, ".config", "nats", "context")
	if err := os.MkdirAll(filepath.Dir(cfg), 0o700); err != nil {
		return err
	}
	if err := os.MkdirAll(ctxDir, 0o700); err != nil {
		return err
	}
	if err := os.WriteFile(cfg, []byte(pickerConfig), 0o600); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(ctxDir, "dev.json"), []byte(`{"url":"nats://dev-nats:4222","description":"dev cluster"}`), 0o600); err != nil {
		return err
	}
	s, _, cleanup, err := demo.OpenTemp()
	if err != nil {
		return err
	}
	defer cleanup()
	deck := model.NewDeck(model.Options{Dark: true}, catalog.New(cfg, 3*time.Second))
	deck.AddTab(&connect.Conn{Store: s}, model.Entry{Source: model.FromLocal, Name: "demo", Kind: "local", Address: "demo store", Bucket: "prefs"})
	defer deck.Close()
	app := modeltest.New(deck, cols, rows)
	if !app.WaitFor("keys", 10*time.Second) {
		return fmt.Errorf("the demo tab never listed")
	}
	app.Keys("C", "down")
	if !app.WaitFor("cache-cluster", 10*time.Second) {
		return fmt.Errorf("the picker never listed the saved connections")
	}
	return shot.WritePNG(path, app.Screen(), cols, rows, shot.Options{})
}

// renderCopy draws the confirmation of a copy between two tabs: a folder
// of the demo store's sessions bucket going to an empty local store, the
// archive, open in the first tab.
func renderCopy(path string) error {
	s, _, cleanup, err := demo.OpenTemp()
	if err != nil {
		return err
	}
	defer cleanup()
	dir, err := os.MkdirTemp("", "kvdeck-screenshots-archive-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	archive, err := local.Open(filepath.Join(dir, "archive.db"), local.Options{NoSync: true})
	if err != nil {
		return err
	}
	if err := archive.CreateBucket(context.Background(), backend.BucketConfig{Name: "sessions"}); err != nil {
		return err
	}
	deck := model.NewDeck(model.Options{Dark: true}, catalog.New(filepath.Join(dir, "none.toml"), 3*time.Second))
	deck.AddTab(&connect.Conn{Store: archive}, model.Entry{Source: model.FromLocal, Name: "archive", Kind: "local", Address: "archive.db", Bucket: "sessions"})
	deck.AddTab(&connect.Conn{Store: s}, model.Entry{Source: model.FromLocal, Name: "demo", Kind: "local", Address: "demo store", Bucket: "sessions"})
	defer deck.Close()
	app := modeltest.New(deck, cols, rows)
	if !app.WaitFor("keys", 10*time.Second) {
		return fmt.Errorf("the demo tab never listed")
	}
	app.Keys("T", "X", "1", "enter", "s")
	if !app.WaitFor("Copy", 10*time.Second) || !app.WaitFor("new there", 10*time.Second) {
		return fmt.Errorf("the copy's confirmation never showed")
	}
	return shot.WritePNG(path, app.Screen(), cols, rows, shot.Options{})
}
