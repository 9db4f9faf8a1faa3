// Command gen renders the README's screenshots from real runs of kvdeck on
// the demo store: the model is driven without a terminal (modeltest), its
// screen is drawn to PNG at a fixed size (internal/shot). Run it with
// `make screenshots`.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/kvdeck/kvdeck/backend/local/demo"
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
}

func main() {
	out := "screenshots"
	if len(os.Args) > 1 {
		out = os.Args[1]
	}
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
