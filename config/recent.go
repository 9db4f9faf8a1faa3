package config

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/pelletier/go-toml/v2"
)

// The recent targets, for the picker: $XDG_STATE_HOME/kvdeck/recent.toml
// (~/.local/state when unset), state rather than configuration, as the XDG
// specification has it. kvdeck owns this file and rewrites it whole.

// MaxRecent is how many recent targets are kept.
const MaxRecent = 10

// Recent is the list of recent targets, newest first.
type Recent struct {
	Path    string
	Entries []RecentEntry
	// removed are the keys Remove forgot: Save's merge with the file
	// must not bring them back.
	removed []string
}

// RecentEntry is a saved connection's name, or a target typed on the
// command line; never a secret.
type RecentEntry struct {
	// Name is a saved connection; Target, when Name is empty, a URL or path
	// without its password or token.
	Name   string    `toml:"name,omitempty"`
	Target string    `toml:"target,omitempty"`
	Kind   string    `toml:"kind,omitempty"`
	At     time.Time `toml:"at"`
}

// key tells entries apart: the same connection or target is one entry.
func (e RecentEntry) key() string {
	if e.Name != "" {
		return "name\x00" + e.Name
	}
	return "target\x00" + e.Target
}

// recentFile is the file's layout.
type recentFile struct {
	Recent []RecentEntry `toml:"recent"`
}

// RecentPath is $XDG_STATE_HOME/kvdeck/recent.toml, else
// ~/.local/state/kvdeck/recent.toml.
func RecentPath() (string, error) {
	dir := os.Getenv("XDG_STATE_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("no home folder for kvdeck's recent targets: %w", err)
		}
		dir = filepath.Join(home, ".local", "state")
	}
	return filepath.Join(dir, "kvdeck", "recent.toml"), nil
}

// LoadRecent reads the recent targets; a missing file is an empty list.
func LoadRecent() (*Recent, error) {
	path, err := RecentPath()
	if err != nil {
		return nil, err
	}
	r := &Recent{Path: path}
	entries, err := readRecent(path)
	if err != nil {
		return nil, err
	}
	r.Entries = entries
	return r, nil
}

// readRecent reads a recent file: its entries cleaned (no secret, even in
// a file written by hand or by an older kvdeck), newest first, at most
// MaxRecent.
func readRecent(path string) ([]RecentEntry, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var f recentFile
	if err := toml.Unmarshal(data, &f); err != nil {
		return nil, tomlError(path, err)
	}
	var out []RecentEntry
	for _, e := range f.Recent {
		if e.Name == "" {
			e.Target = withoutPassword(e.Target)
		} else {
			e.Target = ""
		}
		if e.Name != "" || e.Target != "" {
			out = add(out, e)
		}
	}
	return out, nil
}

// Add records a target typed or chosen (a URL, or a local path) of the
// given kind ("redis", "nats", "local"), opened at at. A password or token
// in it is dropped before it is kept; a user name stays, as user:@ (an
// empty password) so that kvdeck does not read it back as a password or
// token. A local path is made absolute, so that it opens from any folder.
func (r *Recent) Add(target, kind string, at time.Time) {
	target = withoutPassword(strings.TrimSpace(target))
	if kind == KindLocal && !strings.Contains(target, "://") {
		if abs, err := filepath.Abs(target); err == nil {
			target = abs
		}
	}
	if target == "" {
		return
	}
	r.Entries = add(r.Entries, RecentEntry{Target: target, Kind: kind, At: at})
}

// AddConnection records a saved connection by name (name = "prod" in the
// file, not its URL, which the configuration file has).
func (r *Recent) AddConnection(name, kind string, at time.Time) {
	if name == "" {
		return
	}
	r.Entries = add(r.Entries, RecentEntry{Name: name, Kind: kind, At: at})
}

// Remove forgets a target or a saved connection's entry (the picker's d
// on a recent entry). Save then writes the list without it.
func (r *Recent) Remove(name, target string) {
	key := RecentEntry{Name: name, Target: target}.key()
	r.Entries = slices.DeleteFunc(r.Entries, func(e RecentEntry) bool { return e.key() == key })
	r.removed = append(r.removed, key)
}

// add puts e in the list (replacing an older entry of the same target
// unless that one is newer), newest first, at most MaxRecent. Times are
// kept to the second, in UTC: the file is read by people too.
func add(list []RecentEntry, e RecentEntry) []RecentEntry {
	e.At = e.At.UTC().Truncate(time.Second)
	if i := slices.IndexFunc(list, func(o RecentEntry) bool { return o.key() == e.key() }); i >= 0 {
		if list[i].At.After(e.At) {
			return list
		}
		list = slices.Delete(list, i, i+1)
	}
	list = append(list, e)
	slices.SortStableFunc(list, func(a, b RecentEntry) int { return b.At.Compare(a.At) })
	if len(list) > MaxRecent {
		list = list[:MaxRecent]
	}
	return list
}

// Save writes the list, merged with what another kvdeck may have saved
// since this one loaded it (the newest of each target wins), atomically
// and readable by the user only.
func (r *Recent) Save() error {
	merged := slices.Clone(r.Entries)
	if onDisk, err := readRecent(r.Path); err == nil {
		for _, e := range onDisk {
			if !slices.Contains(r.removed, e.key()) {
				merged = add(merged, e)
			}
		}
	}
	slices.SortStableFunc(merged, func(a, b RecentEntry) int {
		return cmp.Or(b.At.Compare(a.At), strings.Compare(a.key(), b.key()))
	})
	var buf bytes.Buffer
	buf.WriteString("# kvdeck's recent targets, newest first; kvdeck rewrites this file.\n\n")
	enc := toml.NewEncoder(&buf)
	if err := enc.Encode(recentFile{Recent: merged}); err != nil {
		return err
	}
	if err := writeAtomic(r.Path, buf.Bytes(), newFileMode); err != nil {
		return err
	}
	r.Entries = merged
	return nil
}
