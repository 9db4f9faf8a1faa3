package config

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/kvdeck/kvdeck/internal/natshome"
)

func TestNATSContexts(t *testing.T) {
	xdg := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", xdg)

	// No natscli folder at all: no contexts, no error.
	got, err := NATSContexts()
	if err != nil || len(got) != 0 {
		t.Fatalf("got %v, %v", got, err)
	}

	dir := filepath.Join(xdg, "nats", "context")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("prod.json", `{"description": "production", "url": "nats://app:hunter2@n1:4222,nats://hunter2@n2:4222", "password": "hunter2", "creds": "/x"}`)
	write("dev.json", `{"url": "tls://dev.internal:4443?token=hunter2"}`)
	write("local.json", `{"description": "no url: natscli's default"}`)
	write("broken.json", `{"url": "nats://hunter2@x"`)
	write("empty.json", ``)  // natscli ignores empty files
	write("notes.txt", `{}`) // not a context
	write("a..b.json", `{}`) // a name natscli refuses
	os.Mkdir(filepath.Join(dir, "sub.json"), 0o700)
	os.WriteFile(filepath.Join(xdg, "nats", "context.txt"), []byte("prod\n"), 0o600)

	got, err = NATSContexts()
	if err != nil {
		t.Fatal(err)
	}
	want := []NATSContext{
		{Name: "broken", Problem: "not valid JSON"},
		{Name: "dev", URL: "tls://dev.internal:4443"},
		{Name: "local", URL: "nats://127.0.0.1:4222", Description: "no url: natscli's default"},
		{Name: "prod", URL: "nats://n1:4222,nats://n2:4222", Description: "production", Selected: true},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%+v\nwant\n%+v", got, want)
	}
}

func TestNATSContextsHome(t *testing.T) {
	// Without XDG_CONFIG_HOME the folder is ~/.config/nats, home from the
	// user database as natscli does; only check the path is built so.
	t.Setenv("XDG_CONFIG_HOME", "")
	home, err := natshome.ConfigHome()
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(home) != "nats" || filepath.Base(filepath.Dir(home)) != ".config" {
		t.Errorf("got %s", home)
	}
}
