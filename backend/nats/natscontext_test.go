package nats

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/kvdeck/kvdeck/backend/nats/natstest"
	"github.com/nats-io/nats-server/v2/server"
)

// natsConfigHome points natscli's configuration at a fresh directory, as
// natscontext finds it: $XDG_CONFIG_HOME/nats/context/<name>.json and
// $XDG_CONFIG_HOME/nats/context.txt for the selected one.
func natsConfigHome(t *testing.T) string {
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	if err := os.MkdirAll(filepath.Join(dir, "nats", "context"), 0o700); err != nil {
		t.Fatal(err)
	}
	return dir
}

func writeContext(t *testing.T, home, name string, fields map[string]string) {
	t.Helper()
	data, err := json.Marshal(fields)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, "nats", "context", name+".json"), data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func selectContext(t *testing.T, home, name string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(home, "nats", "context.txt"), []byte(name), 0o600); err != nil {
		t.Fatal(err)
	}
}

// useContext opens a store from a natscli context and round-trips a value.
func useContext(t *testing.T, o Options) *Store {
	t.Helper()
	s, err := Open(testContext(t), o)
	if err != nil {
		t.Fatalf("Open(context %s): %v", o.Context, err)
	}
	t.Cleanup(func() { s.Close() })
	bucket := newBucket(t, s)
	mustPut(t, s, bucket, "via.context", "ok", backend.PutOptions{})
	if got := mustGet(t, s, bucket, "via.context"); string(got.Value) != "ok" {
		t.Fatalf("Get = %q", got.Value)
	}
	return s
}

func TestContextWithCredsFile(t *testing.T) {
	home := natsConfigHome(t)
	creds := filepath.Join(t.TempDir(), "app.creds")
	auth, err := natstest.OperatorAuth(creds, true)
	if err != nil {
		t.Fatal(err)
	}
	srv := natstest.Start(t, auth)
	writeContext(t, home, "prod", map[string]string{"url": srv.URL(), "creds": creds, "description": "operator mode"})

	o, err := OptionsFromContext("prod")
	if err != nil {
		t.Fatalf("OptionsFromContext: %v", err)
	}
	if o.CredsFile != creds || o.Servers[0] != srv.URL() || o.Context != "prod" {
		t.Errorf("options from context = servers %v creds %q context %q", o.Servers, o.CredsFile, o.Context)
	}
	s := useContext(t, o)
	if addr := s.Info().Address; !strings.Contains(addr, "context prod") {
		t.Errorf("Info().Address = %q, want it to name the context", addr)
	}

	// Without the credentials the same server refuses the client.
	plain, _ := ParseURL(srv.URL())
	if _, err := Open(testContext(t), plain); err == nil || !strings.Contains(err.Error(), "authorization violation") {
		t.Errorf("Open without creds = %v, want an authorization violation", err)
	}
}

func TestContextWithUserPasswordSelected(t *testing.T) {
	home := natsConfigHome(t)
	srv := natstest.Start(t, func(o *server.Options) { o.Username, o.Password = "bob", "pw-from-context" })
	writeContext(t, home, "dev", map[string]string{"url": srv.URL(), "user": "bob", "password": "pw-from-context"})
	writeContext(t, home, "other", map[string]string{"url": "nats://127.0.0.1:1"})
	selectContext(t, home, "dev")

	o, err := OptionsFromContext("")
	if err != nil {
		t.Fatalf("OptionsFromContext(selected): %v", err)
	}
	if o.Context != "dev" || o.User != "bob" {
		t.Errorf("selected context options: context %q user %q", o.Context, o.User)
	}
	s := useContext(t, o)
	if addr := s.Info().Address; strings.Contains(addr, "pw-from-context") {
		t.Errorf("Info().Address = %q shows the password", addr)
	}
}

func TestContextWithTokenByName(t *testing.T) {
	home := natsConfigHome(t)
	srv := natstest.Start(t, func(o *server.Options) { o.Authorization = "ctx-token" })
	writeContext(t, home, "tok", map[string]string{"url": srv.URL(), "token": "ctx-token"})

	// Options naming a context that was not loaded yet: Open loads it.
	useContext(t, Options{Context: "tok"})
}

func TestContextWithCredentialsInURL(t *testing.T) {
	home := natsConfigHome(t)
	srv := natstest.Start(t, func(o *server.Options) { o.Username, o.Password = "carol", "in-url" })
	url := strings.Replace(srv.URL(), "nats://", "nats://carol:in-url@", 1)
	writeContext(t, home, "url", map[string]string{"url": url})

	o, err := OptionsFromContext("url")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(strings.Join(o.Servers, ","), "in-url") {
		t.Errorf("servers %v keep the password", o.Servers)
	}
	useContext(t, o)
}

func TestContextErrors(t *testing.T) {
	home := natsConfigHome(t)
	_, err := OptionsFromContext("")
	wantErr(t, err, backend.ErrInvalid, "no context selected")

	writeContext(t, home, "known", map[string]string{"url": "nats://127.0.0.1:1"})
	_, err = OptionsFromContext("missing")
	wantErr(t, err, backend.ErrInvalid, "unknown context")
	if !strings.Contains(err.Error(), "known") {
		t.Errorf("error %q does not list the known contexts", err)
	}
}
