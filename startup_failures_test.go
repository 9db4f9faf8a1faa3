package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/kvdeck/kvdeck/backend/nats/natstest"
	"github.com/kvdeck/kvdeck/backend/redis/redistest"
	"github.com/kvdeck/kvdeck/internal/testsecret"
)

// Every start-up refusal of issue 11's items 9-13: one line on stderr,
// exit code 2, no password in it, and nothing left on disk.
func TestStartupFailuresSayWhatIsWrongInOneLine(t *testing.T) {
	srv := redistest.Start(t)
	dir := t.TempDir()
	emptyFile := filepath.Join(dir, "empty.db")
	textFile := filepath.Join(dir, "notes.txt")
	sqliteFile := filepath.Join(dir, "app.sqlite")
	for path, data := range map[string]string{emptyFile: "", textFile: "just some notes\n", sqliteFile: "SQLite format 3\x00" + strings.Repeat("\x00", 100)} {
		if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cert := filepath.Join(dir, "client.pem")
	if err := os.WriteFile(cert, []byte("not really a cert"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		args []string
		want string // the whole line
	}{
		// 9: flags that start the UI instead of refusing.
		{"redis database that is not there", []string{srv.URL(), "--bucket", "99"},
			"kvdeck: --bucket: " + srv.URL() + ` has no database 99 (ERR DB index is out of range; the server's "databases" setting says how many it has, 16 by default): not found`},
		{"redis bucket that is not a number", []string{srv.URL(), "--bucket", "sessions"},
			`kvdeck: invalid --bucket: "sessions": a Redis database is a number, 0, 1, 2…`},
		{"unclosed class in --match", []string{srv.URL(), "--match", "["},
			`kvdeck: --match: invalid pattern: "[" has an unclosed [; write \[ for a literal [`},
		{"bad NATS subject in --match", []string{"nats://127.0.0.1:1", "--match", "a..b"},
			`kvdeck: --match: invalid pattern: "a..b" has an empty token (two dots, or a dot at an end)`},
		{"unknown theme", []string{"--demo", "--theme", "purple"},
			`kvdeck: invalid --theme: "purple": use auto, dark or light`},
		{"negative timeout", []string{"--demo", "--timeout", "-1s"},
			"kvdeck: invalid --timeout: -1s: it must be more than 0, like 10s"},
		{"zero timeout", []string{"--demo", "--timeout", "0"},
			"kvdeck: invalid --timeout: 0s: it must be more than 0, like 10s"},
		// 10: targets that look like URLs, files that are not stores.
		{"redis URL without //", []string{"redis:127.0.0.1:6421"},
			`kvdeck: invalid target: "redis:127.0.0.1:6421" is not a URL kvdeck can read: did you mean redis://127.0.0.1:6421? (for a local file with a colon in its name, write ./ before it)`},
		{"password in a URL without //", []string{"redis:app:hunter2@127.0.0.1:6421"},
			`kvdeck: invalid target: "redis:***@127.0.0.1:6421" is not a URL kvdeck can read: did you mean redis://app:***@127.0.0.1:6421? (for a local file with a colon in its name, write ./ before it)`},
		{"unknown scheme", []string{"gopher://x"},
			`kvdeck: invalid target: "gopher://x": unknown scheme "gopher"; use a path, file://, redis://, rediss://, unix://, redis+sentinel:// or nats://`},
		{"bare address", []string{"localhost:6379"},
			`kvdeck: invalid target: "localhost:6379" is an address, not a file: say which server, redis://localhost:6379 or nats://localhost:6379`},
		{"missing file", []string{filepath.Join(dir, "typo.db")},
			"kvdeck: " + filepath.Join(dir, "typo.db") + " does not exist; to make a new store there, add --create"},
		{"empty file", []string{emptyFile},
			"kvdeck: " + emptyFile + " is an empty file, not a bbolt database; kvdeck leaves it as it is"},
		{"text file", []string{textFile},
			"kvdeck: " + textFile + " is a text file (text/plain; charset=utf-8), not a bbolt database; kvdeck leaves it as it is"},
		{"sqlite file", []string{sqliteFile, "--read-only"},
			"kvdeck: " + sqliteFile + " is an SQLite database, not a bbolt database; kvdeck leaves it as it is"},
		// 11: what failed, not "context deadline exceeded".
		{"rediss to a plain-text server", []string{"rediss://" + srv.Addr},
			"kvdeck: TLS handshake with " + srv.Addr + " got no TLS answer: the server there speaks plain Redis (it answered PING without TLS); use redis:// instead of rediss://"},
		{"no Sentinel answers", []string{"redis+sentinel://127.0.0.1:1/mymaster"},
			`kvdeck: master "mymaster" through the Sentinels 127.0.0.1:1: redis: all sentinels specified in configuration are unreachable: dial tcp 127.0.0.1:1: connect: connection refused`},
		// 12: errors with their context; a bad flag in one line.
		{"certificate without its key", []string{srv.URL(), "--tls-cert", cert},
			"kvdeck: invalid --tls-cert: needs --tls-key, the client certificate's private key"},
		{"missing creds file", []string{"nats://127.0.0.1:1", "--creds", filepath.Join(dir, "nope.creds")},
			"kvdeck: --creds " + filepath.Join(dir, "nope.creds") + ": cannot read the NATS credentials file: no such file or directory"},
		{"redis URL naming a database that is not there", []string{srv.URL() + "/99"},
			"kvdeck: " + srv.URL() + ` has no database 99 (ERR DB index is out of range; the server's "databases" setting says how many it has, 16 by default): not found`},
		{"unknown flag", []string{"--no-such-flag"},
			"kvdeck: flag provided but not defined: -no-such-flag (kvdeck --help lists the flags)"},
		{"flag without its value", []string{"--bucket"},
			"kvdeck: flag needs an argument: -bucket (kvdeck --help lists the flags)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var stderr bytes.Buffer
			start := time.Now()
			code := run(c.args, &stderr)
			if code != 2 {
				t.Errorf("exit code %d, want 2", code)
			}
			if got := strings.TrimSuffix(stderr.String(), "\n"); got != c.want {
				t.Errorf("stderr:\n got %q\nwant %q", got, c.want)
			}
			if strings.Contains(stderr.String(), "hunter2") {
				t.Errorf("the password reached stderr: %q", stderr.String())
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %s to refuse", d) // a hang, not a timing figure
			}
		})
	}
	// Nothing was written: no store where a typo pointed, the empty file
	// still empty, the other files as they were.
	if _, err := os.Stat(filepath.Join(dir, "typo.db")); err == nil {
		t.Errorf("a store was created at the mistyped path")
	}
	if _, err := os.Stat("redis:127.0.0.1:6421"); err == nil {
		t.Errorf("a store named redis:127.0.0.1:6421 was created")
	}
	if st, err := os.Stat(emptyFile); err != nil || st.Size() != 0 {
		t.Errorf("the empty file was changed: %v, %v", st, err)
	}
	if b, _ := os.ReadFile(textFile); string(b) != "just some notes\n" {
		t.Errorf("the text file was changed: %q", b)
	}
}

// --create makes the store a missing path or an empty file asked for.
func TestCreateMakesANewLocalStore(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.db")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{filepath.Join(dir, "new.db"), empty} {
		s, cleanup, err := openStore(path, flags{create: true, timeout: time.Second, theme: "auto"}, nil)
		if err != nil {
			t.Fatalf("--create %s: %v", path, err)
		}
		s.Close()
		cleanup()
		if st, err := os.Stat(path); err != nil || st.Size() == 0 {
			t.Errorf("--create %s left no store: %v %v", path, st, err)
		}
		// Opened again without --create, it is a store like any other.
		s, cleanup, err = openStore(path, flags{timeout: time.Second, theme: "auto"}, nil)
		if err != nil {
			t.Fatalf("reopening %s: %v", path, err)
		}
		s.Close()
		cleanup()
	}
}

// Issue 12 (secrets never in argv), Redis: the password can come from
// $REDISCLI_AUTH or --password-file instead of the URL; a URL with one in
// argv gets redis-cli's kind of warning; a wrong one is refused without
// showing it.
func TestRedisPasswordFromOutsideArgv(t *testing.T) {
	srv := redistest.Start(t, "--requirepass", testsecret.RedisPassword)
	file := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(file, []byte(testsecret.RedisPassword+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	open := func(f flags) error {
		f.timeout, f.theme = 3*time.Second, "auto"
		s, cleanup, err := openStore(srv.URL(), f, nil)
		if err == nil {
			s.Close()
			cleanup()
		}
		return err
	}
	if err := open(flags{passwordFile: file}); err != nil {
		t.Errorf("--password-file: %v", err)
	}
	t.Setenv("REDISCLI_AUTH", testsecret.RedisPassword)
	if err := open(flags{}); err != nil {
		t.Errorf("REDISCLI_AUTH: %v", err)
	}
	t.Setenv("REDISCLI_AUTH", testsecret.WrongPassword)
	err := open(flags{})
	if err == nil || !strings.Contains(err.Error(), "WRONGPASS") || testsecret.Leaked(err.Error()) != "" {
		t.Errorf("a wrong REDISCLI_AUTH: %v", err)
	}
	var stderr bytes.Buffer
	warnArgvSecret("redis://:"+testsecret.RedisPassword+"@"+srv.Addr, &stderr)
	if got := stderr.String(); got != argvPasswordWarning+"\n" || testsecret.Leaked(got) != "" {
		t.Errorf("warning for a password in argv: %q", got)
	}
	stderr.Reset()
	warnArgvSecret(srv.URL(), &stderr)
	if stderr.Len() != 0 {
		t.Errorf("a warning without a password: %q", stderr.String())
	}
}

// Issue 12, NATS: the user's password from NATS_PASSWORD or
// --password-file, the token from NATS_TOKEN or --token-file, none of
// them in argv.
func TestNATSSecretsFromOutsideArgv(t *testing.T) {
	userSrv := natstest.Start(t, func(o *server.Options) { o.Username, o.Password = "app", testsecret.NATSPassword })
	tokenSrv := natstest.Start(t, func(o *server.Options) { o.Authorization = testsecret.NATSToken })
	dir := t.TempDir()
	pwFile, tokenFile := filepath.Join(dir, "pw"), filepath.Join(dir, "token")
	os.WriteFile(pwFile, []byte(testsecret.NATSPassword+"\n"), 0o600)
	os.WriteFile(tokenFile, []byte(testsecret.NATSToken+"\n"), 0o600)
	open := func(target string, f flags) error {
		f.timeout, f.theme = 3*time.Second, "auto"
		conn, cleanup, err := openStore(target, f, nil)
		if err == nil {
			conn.Close()
			cleanup()
		}
		return err
	}
	if err := open(userSrv.URL(), flags{user: "app", passwordFile: pwFile}); err != nil {
		t.Errorf("--user with --password-file: %v", err)
	}
	if err := open(tokenSrv.URL(), flags{tokenFile: tokenFile}); err != nil {
		t.Errorf("--token-file: %v", err)
	}
	t.Setenv("NATS_PASSWORD", testsecret.NATSPassword)
	t.Setenv("NATS_TOKEN", testsecret.NATSToken)
	if err := open(userSrv.URL(), flags{user: "app"}); err != nil {
		t.Errorf("NATS_PASSWORD: %v", err)
	}
	t.Setenv("NATS_USER", "app")
	if err := open(userSrv.URL(), flags{}); err != nil {
		t.Errorf("NATS_USER and NATS_PASSWORD: %v", err)
	}
	t.Setenv("NATS_USER", "")
	if err := open(tokenSrv.URL(), flags{}); err != nil {
		t.Errorf("NATS_TOKEN: %v", err)
	}
	t.Setenv("NATS_TOKEN", testsecret.WrongPassword)
	err := open(tokenSrv.URL(), flags{})
	if err == nil || testsecret.Leaked(err.Error()) != "" {
		t.Errorf("a wrong NATS_TOKEN: %v", err)
	}
}
