package config

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const secret = "s3cr3t-Value"

func TestPasswordFromEnv(t *testing.T) {
	t.Setenv("KVDECK_TEST_PW", secret)
	t.Setenv("KVDECK_TEST_EMPTY", "")
	ctx := context.Background()
	got, err := Connection{PasswordEnv: "KVDECK_TEST_PW"}.Password(ctx)
	if err != nil || got != secret {
		t.Fatalf("got %q, %v", got, err)
	}
	for _, tc := range []struct{ name, want string }{
		{"KVDECK_TEST_UNSET_VARIABLE", "password_env: the environment variable KVDECK_TEST_UNSET_VARIABLE is not set"},
		{"KVDECK_TEST_EMPTY", "password_env: the environment variable KVDECK_TEST_EMPTY is empty"},
	} {
		_, err := Connection{PasswordEnv: tc.name}.Password(ctx)
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s: got %v, want %q", tc.name, err, tc.want)
		}
	}
	got, err = Connection{TokenEnv: "KVDECK_TEST_PW"}.Token(ctx)
	if err != nil || got != secret {
		t.Fatalf("token: got %q, %v", got, err)
	}
}

func TestNoReferenceIsNoSecret(t *testing.T) {
	for _, get := range []func(Connection, context.Context) (string, error){Connection.Password, Connection.Token} {
		if got, err := get(Connection{URL: "redis://h"}, context.Background()); got != "" || err != nil {
			t.Errorf("got %q, %v; want nothing", got, err)
		}
	}
}

func TestPasswordFromFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	ctx := context.Background()
	for _, tc := range []struct{ content, want string }{
		{secret + "\n", secret},
		{secret, secret},
		{secret + "\r\nsecond line\n", secret},
		{"with spaces kept \n", "with spaces kept "},
	} {
		p := write("pw", tc.content)
		got, err := Connection{PasswordFile: p}.Password(ctx)
		if err != nil || got != tc.want {
			t.Errorf("%q: got %q, %v; want %q", tc.content, got, err, tc.want)
		}
	}
	empty := write("empty", "\nnot the first line "+secret+"\n")
	_, err := Connection{PasswordFile: empty}.Password(ctx)
	if want := "password_file " + empty + ": the first line is empty"; err == nil || err.Error() != want {
		t.Errorf("got %v, want %q", err, want)
	}
	missing := filepath.Join(dir, "missing")
	_, err = Connection{TokenFile: missing}.Token(ctx)
	if want := "token_file " + missing + ": no such file or directory"; err == nil || err.Error() != want {
		t.Errorf("got %v, want %q", err, want)
	}

	// ~ is the home folder, at use.
	t.Setenv("HOME", dir)
	write("home-pw", secret+"\n")
	got, err := Connection{PasswordFile: "~/home-pw"}.Password(ctx)
	if err != nil || got != secret {
		t.Errorf("~/home-pw: got %q, %v", got, err)
	}
}

func TestPasswordFromCommand(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct{ command, want string }{
		{"printf '%s\\n' " + secret, secret},
		{"printf " + secret, secret},
		{`printf "a b\nsecond"`, "a b"},
		// The user's own shell, asked for by name.
		{`sh -c 'printf "%s" "$0" | tr a-z A-Z' abc`, "ABC"},
	} {
		got, err := Connection{PasswordCommand: tc.command}.Password(ctx)
		if err != nil || got != tc.want {
			t.Errorf("%s: got %q, %v; want %q", tc.command, got, err, tc.want)
		}
	}
	for _, tc := range []struct{ command, want string }{
		{`sh -c 'echo ` + secret + `; echo first >&2; echo "err line" >&2; exit 3'`,
			"password_command (sh): exit status 3: err line"},
		{`sh -c 'exit 1'`, "password_command (sh): exit status 1"},
		{`sh -c 'echo; echo ` + secret + `'`, "password_command (sh): printed nothing on its first line"},
		{"true", "password_command (true): printed nothing on its first line"},
		{"/nonexistent/kvdeck-pw", `password_command (/nonexistent/kvdeck-pw): fork/exec /nonexistent/kvdeck-pw: no such file or directory`},
		{"kvdeck-no-such-program", `password_command (kvdeck-no-such-program): exec: "kvdeck-no-such-program": executable file not found in $PATH`},
		{"pass show x | head -1", `password_command: '|' is shell syntax, and the command is not run by a shell: write sh -c '...' to use one`},
	} {
		_, err := Connection{PasswordCommand: tc.command}.Password(ctx)
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s:\n got %v\nwant %s", tc.command, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), secret) {
			t.Errorf("%s: the error shows the secret: %v", tc.command, err)
		}
	}
}

func TestCommandTimeout(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	// The shell's child keeps stdout open after the shell is killed.
	_, err := Connection{TokenCommand: `sh -c 'sleep 30; echo late'`}.Token(ctx)
	if want := "token_command (sh): no answer in time; killed"; err == nil || err.Error() != want {
		t.Fatalf("got %v, want %q", err, want)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
}

func TestCommandHasNoStdin(t *testing.T) {
	// A command that reads a prompt's answer gets end of file at once.
	got, err := Connection{PasswordCommand: `sh -c 'read x || echo eof'`}.Password(context.Background())
	if err != nil || got != "eof" {
		t.Fatalf("got %q, %v", got, err)
	}
}

func TestSplitWords(t *testing.T) {
	for _, tc := range []struct {
		line string
		want []string
	}{
		{"pass show redis/prod", []string{"pass", "show", "redis/prod"}},
		{"  a\t b  ", []string{"a", "b"}},
		{`sh -c 'echo "$X" | tr a b'`, []string{"sh", "-c", `echo "$X" | tr a b`}},
		{`a "b c" d`, []string{"a", "b c", "d"}},
		{`a "q\"uote\\d\n"`, []string{"a", `q"uote\d\n`}},
		{`a\ b c\'d`, []string{"a b", "c'd"}},
		{`x''y ""`, []string{"xy", ""}},
		{"op read op://vault/item/password#x", []string{"op", "read", "op://vault/item/password#x"}},
		{"a ~/b *.c", []string{"a", "~/b", "*.c"}},
	} {
		got, err := splitWords(tc.line)
		if err != nil || strings.Join(got, "\x00") != strings.Join(tc.want, "\x00") || len(got) != len(tc.want) {
			t.Errorf("%s: got %q, %v; want %q", tc.line, got, err, tc.want)
		}
	}
	for _, tc := range []struct{ line, want string }{
		{"a 'b", "a ' is not closed"},
		{`a "b`, `a " is not closed`},
		{`a \`, `the command ends with a lone \`},
		{"a > f", `'>' is shell syntax, and the command is not run by a shell: write sh -c '...' to use one`},
		{"a; b", `';' is shell syntax, and the command is not run by a shell: write sh -c '...' to use one`},
		{"echo $HOME", `'$' is shell syntax, and the command is not run by a shell: write sh -c '...' to use one`},
		{`echo "$(id)"`, `'$' is shell syntax, and the command is not run by a shell: write sh -c '...' to use one`},
		{"a `b`", "'`' is shell syntax, and the command is not run by a shell: write sh -c '...' to use one"},
		{"a # comment", `'#' is shell syntax, and the command is not run by a shell: write sh -c '...' to use one`},
		{" \t", "the command is empty"},
	} {
		_, err := splitWords(tc.line)
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s: got %v, want %q", tc.line, err, tc.want)
		}
	}
}
