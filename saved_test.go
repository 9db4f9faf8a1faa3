package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kvdeck/kvdeck/internal/testsecret"
)

// Issue 12: saved connections and --ssh on the command line refuse what
// cannot work in one line, naming the file or flag, and never showing a
// secret.
func TestSavedConnectionRefusals(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(cfg, []byte(`# mine
[connections.prod]
url = "redis://127.0.0.1:1/0"
password_file = "`+filepath.Join(dir, "missing-pw")+`"

[connections.flows]
url = "nats://127.0.0.1:1"
`), 0o600); err != nil {
		t.Fatal(err)
	}
	broken := filepath.Join(dir, "broken.toml")
	if err := os.WriteFile(broken, []byte("[connections.prod]\nurl = \"redis://app:"+testsecret.RedisPassword+"@h:6379\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	localFile := filepath.Join(dir, "state.db")
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"a name that is neither saved nor a file", []string{"--config", cfg, "prdo"},
			`kvdeck: invalid target: "prdo" is neither a saved connection (` + cfg + ` has prod, flows) nor a file; a new local store needs --create`},
		{"a saved connection whose password file is missing", []string{"--config", cfg, "prod"},
			"kvdeck: prod: password_file " + filepath.Join(dir, "missing-pw") + ": no such file or directory"},
		{"a config file with a password in a URL", []string{"--config", broken},
			"kvdeck: " + broken + ":2: connections.prod.url: redis://app:***@h:6379 holds a password: move it to password_env, password_file or password_command"},
		{"--ssh with a local file", []string{"--ssh", "root@bastion", "--create", localFile},
			"kvdeck: invalid --ssh: reaches a Redis or NATS server through a bastion; a local file has no server"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var stderr bytes.Buffer
			if code := run(c.args, &stderr); code != 2 {
				t.Errorf("exit code %d, want 2", code)
			}
			if got := strings.TrimSuffix(stderr.String(), "\n"); got != c.want {
				t.Errorf("stderr:\n got %q\nwant %q", got, c.want)
			}
			if leaked := testsecret.Leaked(stderr.String()); leaked != "" {
				t.Errorf("the secret %q reached stderr", leaked)
			}
		})
	}
	if _, err := os.Stat(localFile); err == nil {
		t.Errorf("a refused start left a store at %s", localFile)
	}
}

// Issue 12: --token is a secret in argv too: it works, with a warning.
func TestTokenFlagWarns(t *testing.T) {
	var stderr bytes.Buffer
	run([]string{"--token", testsecret.NATSToken, "nats://127.0.0.1:1", "--timeout", "1s"}, &stderr)
	first, _, _ := strings.Cut(stderr.String(), "\n")
	if first != argvTokenWarning {
		t.Errorf("first line %q, want the warning", first)
	}
	if leaked := testsecret.Leaked(stderr.String()); leaked != "" {
		t.Errorf("the token reached stderr: %q", stderr.String())
	}
}
