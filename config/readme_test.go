package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The README's example config is what a new user copies: it must load
// with no error and no warning, and name the connections it shows.
func TestReadmeExampleConfigLoads(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(readme), "## Saved connections and the picker")
	if !ok {
		t.Fatal("README.md has no Saved connections section")
	}
	_, rest, ok = strings.Cut(rest, "```toml\n")
	example, _, ok2 := strings.Cut(rest, "```")
	if !ok || !ok2 {
		t.Fatal("the Saved connections section has no toml example")
	}
	path := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(path, []byte(example), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := Load(path)
	if err != nil {
		t.Fatalf("the README's example does not load: %v", err)
	}
	if len(f.Warnings) > 0 {
		t.Errorf("the README's example has warnings: %v", f.Warnings)
	}
	var names []string
	for _, c := range f.Connections {
		names = append(names, c.Name+":"+c.Kind())
	}
	if got := strings.Join(names, " "); got != "prod:redis cache-cluster:redis flows:nats flows-direct:nats scratch:local" {
		t.Errorf("connections: %s", got)
	}
}
