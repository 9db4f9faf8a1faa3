package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/kvdeck/kvdeck/internal/natshome"
)

// The natscli contexts, listed for the picker. backend/nats reads a
// context fully when kvdeck connects with it; this listing reads only what
// the picker shows (url and description), and finds the files where
// backend/nats does (internal/natshome), without linking the NATS client.

// NATSContext is one natscli context as the picker lists it.
type NATSContext struct {
	Name string
	// URL is the context's servers without any credentials (natscli's
	// default, nats://127.0.0.1:4222, when the context names none).
	URL         string
	Description string
	// Selected is the context `nats context select` chose (context.txt).
	Selected bool
	// Problem says why the file could not be read ("" when it could); the
	// context is listed anyway, and connecting to it tells the rest.
	Problem string
}

// natsDefaultURL is what natscli and nats.go use when a context has no url.
const natsDefaultURL = "nats://127.0.0.1:4222"

// NATSContexts lists the natscli contexts, sorted by name: the non-empty
// context/NAME.json files with a name natscli accepts. No folder, no
// contexts: that is not an error.
func NATSContexts() ([]NATSContext, error) {
	home, err := natshome.ConfigHome()
	if err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(filepath.Join(home, "context"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("natscli contexts: %w", err)
	}
	selected := ""
	if data, err := os.ReadFile(filepath.Join(home, "context.txt")); err == nil {
		selected = strings.TrimSpace(string(data))
	}
	var out []NATSContext
	for _, e := range entries {
		name, isJSON := strings.CutSuffix(e.Name(), ".json")
		if e.IsDir() || !isJSON || !natshome.ValidContextName(name) {
			continue
		}
		if info, err := e.Info(); err != nil || info.Size() == 0 {
			continue
		}
		out = append(out, readNATSContext(filepath.Join(home, "context", e.Name()), name, name == selected))
	}
	slices.SortFunc(out, func(a, b NATSContext) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// readNATSContext reads the url and description of one context file.
func readNATSContext(path, name string, selected bool) NATSContext {
	c := NATSContext{Name: name, Selected: selected}
	data, err := os.ReadFile(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		c.Problem = err.Error()
		return c
	}
	var fields struct {
		URL         string `json:"url"`
		Description string `json:"description"`
	}
	if err := json.Unmarshal(data, &fields); err != nil {
		// Not the decoder's message: it may quote the file, secrets
		// included.
		c.Problem = "not valid JSON"
		return c
	}
	c.URL, c.Description = withoutCredentials(fields.URL), fields.Description
	if strings.TrimSpace(c.URL) == "" {
		c.URL = natsDefaultURL
	}
	return c
}
