package config

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the write-back golden files")

// loadCopy copies a testdata file to a temporary folder and loads it there,
// so that Save can be tried on it.
func loadCopy(t *testing.T, name string) *File {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "writeback", name))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func mustGet(t *testing.T, f *File, name string) Connection {
	t.Helper()
	c, ok := f.Get(name)
	if !ok {
		t.Fatalf("no connection %q", name)
	}
	return c
}

// TestWriteBackGolden edits testdata files and compares the saved text with
// a golden file (go test -run WriteBackGolden -update rewrites them; read
// the diff before committing it). Each case also checks the round trip:
// the saved file loads back to what was put.
func TestWriteBackGolden(t *testing.T) {
	for _, tc := range []struct {
		name, before string
		change       func(t *testing.T, f *File) (name string, want *Connection)
	}{
		{"mixed.edit-prod", "mixed.toml", func(t *testing.T, f *File) (string, *Connection) {
			c := mustGet(t, f, "prod")
			c.URL = "redis://prod-redis-2.internal:6379/0" // value replaced, comment kept
			c.PasswordCommand = ""                         // line removed
			c.PasswordEnv = "PROD_REDIS_PASSWORD"          // added at the end
			c.SentinelAddrs = []string{"10.0.0.3:26379"}   // a multi-line value replaced
			c.ReadOnly = true
			c.Color = "red"
			// username (a 'literal'), bucket (an integer) and tls_cert
			// (empty) are unchanged: their lines stay as written.
			return "prod", &c
		}},
		{"mixed.delete-flows", "mixed.toml", func(t *testing.T, f *File) (string, *Connection) {
			return "flows", nil
		}},
		{"mixed.delete-prod", "mixed.toml", func(t *testing.T, f *File) (string, *Connection) {
			return "prod", nil
		}},
		{"mixed.delete-last", "mixed.toml", func(t *testing.T, f *File) (string, *Connection) {
			return "scratch pad", nil
		}},
		{"header.delete-first", "header.toml", func(t *testing.T, f *File) (string, *Connection) {
			// The file's own comment, right above the first table, stays;
			// the next table's comment stays too.
			return "prod", nil
		}},
		{"header.delete-second", "header.toml", func(t *testing.T, f *File) (string, *Connection) {
			// The comment that describes the deleted table goes with it.
			return "scratch", nil
		}},
		{"mixed.clear-sentinel", "mixed.toml", func(t *testing.T, f *File) (string, *Connection) {
			// A cleared multi-line value loses all its lines.
			c := mustGet(t, f, "prod")
			c.SentinelMaster, c.SentinelAddrs = "", nil
			return "prod", &c
		}},
		{"mixed.edit-indented", "mixed.toml", func(t *testing.T, f *File) (string, *Connection) {
			c := mustGet(t, f, "scratch pad")
			c.ReadOnly = false
			c.Match = `user:"quoted"\*`
			c.Bucket = "main"
			return "scratch pad", &c
		}},
		{"mixed.add", "mixed.toml", func(t *testing.T, f *File) (string, *Connection) {
			return "new one", &Connection{Name: "new one", URL: "nats://a:4222,b:4222", Context: "", User: "app",
				PasswordFile: "~/.secrets/nats", TLSCA: "~/ca.pem", Color: "#00ff7f", SSH: "me@bastion"}
		}},
		{"crlf.edit", "crlf.toml", func(t *testing.T, f *File) (string, *Connection) {
			c := mustGet(t, f, "a")
			c.Match = ""
			c.ReadOnly = true
			return "a", &c
		}},
		{"noeol.edit", "noeol.toml", func(t *testing.T, f *File) (string, *Connection) {
			c := mustGet(t, f, "a")
			c.Bucket = "2"
			return "a", &c
		}},
		{"noeol.add", "noeol.toml", func(t *testing.T, f *File) (string, *Connection) {
			return "b", &Connection{Name: "b", Path: "/tmp/b.db"}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := loadCopy(t, tc.before)
			name, want := tc.change(t, f)
			var err error
			if want == nil {
				err = f.Delete(name)
			} else {
				err = f.Put(*want)
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := f.Save(); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(f.Path)
			if err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", "writeback", tc.name+".golden.toml")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			wantText, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(wantText) {
				t.Errorf("saved file differs from %s:\n--- got\n%s\n--- want\n%s", golden, got, wantText)
			}
			// Round trip: the saved file loads to what was put, and the
			// other connections are as they were.
			before := loadCopy(t, tc.before)
			after, err := Load(f.Path)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range before.Connections {
				if c.Name == name {
					continue
				}
				if got := mustGet(t, after, c.Name); !reflect.DeepEqual(got, c) {
					t.Errorf("%s changed:\n got %+v\nwant %+v", c.Name, got, c)
				}
			}
			got2, found := after.Get(name)
			switch {
			case want == nil && found:
				t.Errorf("%s is still there", name)
			case want != nil && !reflect.DeepEqual(got2, *want):
				t.Errorf("%s reads back as\n %+v\nwant %+v", name, got2, *want)
			}
			if want != nil && len(after.Connections) != len(before.Connections)+map[bool]int{true: 0, false: 1}[hasConn(before, name)] {
				t.Errorf("%d connections after, %d before", len(after.Connections), len(before.Connections))
			}
		})
	}
}

func hasConn(f *File, name string) bool { _, ok := f.Get(name); return ok }

// TestNotYourFile: a file that is mostly another program's (unknown
// top-level tables and arrays, no connections) survives an add and a
// delete byte for byte.
func TestNotYourFile(t *testing.T) {
	text := `# another tool's settings
title = "x"
[owner]
name = "Tom"   # trailing
dob = 1979-05-27T07:32:00-08:00
[[fruits]]
name = "apple"
[[fruits]]
name = "banana"
[servers.alpha]
ip = """
10.0.0.1
"""
`
	path := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Connections) != 0 || len(f.Warnings) != 0 {
		t.Fatalf("connections %v, warnings %v", f.Connections, f.Warnings)
	}
	if err := f.Put(Connection{Name: "mine", URL: "redis://h:6379"}); err != nil {
		t.Fatal(err)
	}
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	if want := text + "\n[connections.mine]\nurl = \"redis://h:6379\"\n"; string(data) != want {
		t.Fatalf("after add:\n%s\nwant:\n%s", data, want)
	}
	f, err = Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Delete("mine"); err != nil {
		t.Fatal(err)
	}
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(path); string(data) != text {
		t.Fatalf("after delete:\n%s\nwant:\n%s", data, text)
	}
}

func TestRename(t *testing.T) {
	f := loadCopy(t, "mixed.toml")
	flows := mustGet(t, f, "flows")
	if err := f.Rename("flows", "old flows"); err != nil {
		t.Fatal(err)
	}
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(f.Path)
	orig, _ := os.ReadFile(filepath.Join("testdata", "writeback", "mixed.toml"))
	want := strings.Replace(string(orig), "[connections.flows]", `[connections."old flows"]`, 1)
	want = strings.Replace(want, "[connections.flows.extra]", `[connections."old flows".extra]`, 1)
	if string(data) != want {
		t.Fatalf("got:\n%s\nwant:\n%s", data, want)
	}
	flows.Name = "old flows"
	if got := mustGet(t, f, "old flows"); !reflect.DeepEqual(got, flows) {
		t.Errorf("got %+v, want %+v", got, flows)
	}
	for _, tc := range []struct{ old, new, want string }{
		{"old flows", "prod", f.Path + `: there is already a connection named "prod"`},
		{"nope", "x", f.Path + `: no connection named "nope"`},
		{"prod", "", "connections.\"\": the name is empty"},
	} {
		if err := f.Rename(tc.old, tc.new); err == nil || err.Error() != tc.want {
			t.Errorf("Rename(%q, %q): got %v, want %q", tc.old, tc.new, err, tc.want)
		}
	}
}

// TestEditRefused: connections written as inline tables or dotted keys
// are not edited, and the file is left as it was.
func TestEditRefused(t *testing.T) {
	f := loadCopy(t, "inline.toml")
	orig := string(f.data)
	p := f.Path
	for _, tc := range []struct {
		do   func() error
		want string
	}{
		{func() error { return f.Delete("inline") },
			p + `:2: connections.inline is written as an inline table or with dotted keys; kvdeck edits only a [connections.inline] table, so edit this one by hand`},
		{func() error {
			c := mustGet(t, f, "dotted")
			c.ReadOnly = true
			return f.Put(c)
		}, p + `:3: connections.dotted is written as an inline table or with dotted keys; kvdeck edits only a [connections.dotted] table, so edit this one by hand`},
		{func() error { return f.Rename("inline", "x") },
			p + `:2: connections.inline is written as an inline table or with dotted keys; kvdeck edits only a [connections.inline] table, so edit this one by hand`},
		{func() error { return f.Put(Connection{Name: "bad", URL: "redis://u:pw@h"}) },
			`connections.bad.url: redis://u:***@h holds a password: move it to password_env, password_file or password_command`},
		{func() error { return f.Delete("missing") }, p + `: no connection named "missing"`},
	} {
		if err := tc.do(); err == nil || err.Error() != tc.want {
			t.Errorf("got %v\nwant %s", err, tc.want)
		}
		if string(f.data) != orig {
			t.Fatalf("the text changed:\n%s", f.data)
		}
	}
	// The table-form connection of the same file can be edited.
	c := mustGet(t, f, "table")
	c.Match = "a:*"
	if err := f.Put(c); err != nil {
		t.Fatal(err)
	}
	if want := orig + "match = \"a:*\"\n"; string(f.data) != want {
		t.Errorf("got:\n%s\nwant:\n%s", f.data, want)
	}
}

func TestSaveModes(t *testing.T) {
	dir := t.TempDir()
	// A new file, in a folder not there yet: 0600.
	path := filepath.Join(dir, "kvdeck", "config.toml")
	f, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Put(Connection{Name: "a", Path: "/tmp/a.db"}); err != nil {
		t.Fatal(err)
	}
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	assertMode(t, path, 0o600)
	if data, _ := os.ReadFile(path); string(data) != "[connections.a]\npath = \"/tmp/a.db\"\n" {
		t.Errorf("new file:\n%s", data)
	}

	// An existing file keeps its mode.
	if err := os.Chmod(path, 0o640); err != nil {
		t.Fatal(err)
	}
	f, _ = Load(path)
	if err := f.Put(Connection{Name: "b", Path: "/tmp/b.db"}); err != nil {
		t.Fatal(err)
	}
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	assertMode(t, path, 0o640)
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("temporary files left: %v", entries)
	}

	// A symbolic link is followed: the link stays, its target changes.
	real := filepath.Join(dir, "dotfiles", "kvdeck.toml")
	os.MkdirAll(filepath.Dir(real), 0o755)
	os.WriteFile(real, []byte("# mine\n"), 0o644)
	link := filepath.Join(dir, "link.toml")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	f, _ = Load(link)
	f.Put(Connection{Name: "c", Path: "/tmp/c.db"})
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was replaced: %v %v", fi, err)
	}
	if data, _ := os.ReadFile(real); string(data) != "# mine\n\n[connections.c]\npath = \"/tmp/c.db\"\n" {
		t.Errorf("link target:\n%s", data)
	}
	assertMode(t, real, 0o644)
}

func assertMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != want {
		t.Errorf("%s: mode %o, want %o", path, got, want)
	}
}

// TestAddBesideDottedKeys: a new table beside connections written with
// dotted keys at the root is valid TOML (a sub-table may be added to a
// table defined by dotted keys), and is written.
func TestAddBesideDottedKeys(t *testing.T) {
	path := writeConfig(t, "connections.x.url = \"redis://h\"\n")
	f, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Put(Connection{Name: "y", Path: "/y.db"}); err != nil {
		t.Fatal(err)
	}
	if want := "connections.x.url = \"redis://h\"\n\n[connections.y]\npath = \"/y.db\"\n"; string(f.data) != want {
		t.Errorf("got:\n%s", f.data)
	}
}

func TestSaveUnchanged(t *testing.T) {
	// Nothing put: Save makes no file.
	path := filepath.Join(t.TempDir(), "config.toml")
	f, _ := Load(path)
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a file was made: %v", err)
	}
}

func TestSaveChangedOnDisk(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.toml")
	os.WriteFile(path, []byte("[connections.a]\npath = \"/a\"\n"), 0o600)
	f, _ := Load(path)
	f.Put(Connection{Name: "b", Path: "/b"})
	// The user edits the file meanwhile: kvdeck does not overwrite it.
	os.WriteFile(path, []byte("# edited by hand\n[connections.a]\npath = \"/a\"\n"), 0o600)
	if err := f.Save(); !errors.Is(err, ErrChangedOnDisk) {
		t.Fatalf("got %v, want ErrChangedOnDisk", err)
	}
	// A file created since Load (which found none) is not overwritten.
	path2 := filepath.Join(t.TempDir(), "config.toml")
	f2, _ := Load(path2)
	f2.Put(Connection{Name: "b", Path: "/b"})
	os.WriteFile(path2, []byte("# mine\n"), 0o600)
	if err := f2.Save(); !errors.Is(err, ErrChangedOnDisk) {
		t.Fatalf("got %v, want ErrChangedOnDisk", err)
	}
	// Two saves in a row from the same File are fine.
	path3 := filepath.Join(t.TempDir(), "config.toml")
	f3, _ := Load(path3)
	f3.Put(Connection{Name: "a", Path: "/a"})
	if err := f3.Save(); err != nil {
		t.Fatal(err)
	}
	f3.Put(Connection{Name: "b", Path: "/b"})
	if err := f3.Save(); err != nil {
		t.Fatal(err)
	}
}

// TestPutThenDeleteRestores: adding connections with awkward names and
// values, then deleting them, gives back the original text byte for byte;
// each reads back as put in between.
func TestPutThenDeleteRestores(t *testing.T) {
	for _, file := range []string{"mixed.toml", "crlf.toml", "header.toml", "inline.toml"} {
		f := loadCopy(t, file)
		orig := string(f.data)
		conns := []Connection{
			{Name: "a.b", URL: "redis://h:6379/2", Match: `quote" back\ tab	`, SentinelMaster: "m", SentinelAddrs: []string{"a:1", "b:2"}},
			{Name: "中 文", Context: "c", TokenCommand: `sh -c 'echo "x"'`, Color: "cyan"},
			{Name: "x", Path: "C:\\kv\\x.db", ReadOnly: true},
		}
		for _, c := range conns {
			if err := f.Put(c); err != nil {
				t.Fatalf("%s: put %q: %v", file, c.Name, err)
			}
		}
		for _, c := range conns {
			if got := mustGet(t, f, c.Name); !reflect.DeepEqual(got, c) {
				t.Errorf("%s: %q reads back as %+v", file, c.Name, got)
			}
		}
		for i := len(conns) - 1; i >= 0; i-- {
			if err := f.Delete(conns[i].Name); err != nil {
				t.Fatalf("%s: delete %q: %v", file, conns[i].Name, err)
			}
		}
		if string(f.data) != orig {
			t.Errorf("%s: after put and delete:\n%q\nwant\n%q", file, f.data, orig)
		}
	}
}
