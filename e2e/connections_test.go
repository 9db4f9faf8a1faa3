package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	goredis "github.com/redis/go-redis/v9"

	"github.com/kvdeck/kvdeck/backend/nats/natstest"
	"github.com/kvdeck/kvdeck/backend/redis/redistest"
	"github.com/kvdeck/kvdeck/internal/sshtest"
	"github.com/kvdeck/kvdeck/internal/testsecret"
	"github.com/kvdeck/kvdeck/internal/tmuxtest"
)

// seedWithPassword writes keys into a Redis that wants a password.
func seedWithPassword(t *testing.T, addr, password string, keys ...string) {
	t.Helper()
	c := goredis.NewClient(&goredis.Options{Addr: addr, Password: password})
	defer c.Close()
	for _, k := range keys {
		if err := c.Set(context.Background(), k, "v", 0).Err(); err != nil {
			t.Fatal(err)
		}
	}
}

// Issue 12: --askpass asks for the password on the terminal before the
// UI starts, and a server's NOAUTH with no password given gets the same
// prompt; the answer is never echoed (startPty's check reads every byte
// kvdeck wrote for the secret).
func TestPasswordAskedOnTheTerminal(t *testing.T) {
	srv := redistest.Start(t, "--requirepass", testsecret.RedisPassword)
	seedWithPassword(t, srv.Addr, testsecret.RedisPassword, "session:1")
	for _, args := range [][]string{{"--askpass", srv.URL(), "--bucket", "0"}, {srv.URL(), "--bucket", "0"}} {
		t.Run(strings.Join(args[:1], ""), func(t *testing.T) {
			pt := startPty(t, env(t), append([]string{binary}, args...)...)
			pt.waitForText(t, "Password for "+srv.URL()+":", 10*time.Second)
			pt.pty.Write([]byte(testsecret.RedisPassword + "\r"))
			pt.waitForText(t, "1 keys", 15*time.Second)
			pt.pty.Write([]byte("q"))
			if code := pt.exitCode(t, 5*time.Second); code != 0 {
				t.Fatalf("exit code %d", code)
			}
		})
	}
}

// connectionsEnv is env with the test's own config, natscli and state
// folders (config.toml in the first).
func connectionsEnv(t *testing.T, config string, extra ...string) []string {
	t.Helper()
	dir := t.TempDir()
	cfgHome := filepath.Join(dir, "config")
	if err := os.MkdirAll(filepath.Join(cfgHome, "kvdeck"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(cfgHome, "kvdeck", "config.toml"), []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	return append(env(t), append([]string{"XDG_CONFIG_HOME=" + cfgHome, "XDG_STATE_HOME=" + filepath.Join(dir, "state")}, extra...)...)
}

// Issue 12's "done when", with the built binary: the README's kind of
// config, `kvdeck` with no target shows the picker, prod is picked (its
// password from the environment), its name is in the header, :connect
// switches to a natscli context, and ] goes back.
func TestPickerTabsAndNATSContextFromTheBinary(t *testing.T) {
	rsrv := redistest.Start(t, "--requirepass", testsecret.RedisPassword)
	seedWithPassword(t, rsrv.Addr, testsecret.RedisPassword, "session:1", "session:2")
	nsrv := natstest.Start(t)
	nc, err := natsgo.Connect(nsrv.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	kv, err := js.CreateKeyValue(context.Background(), jetstream.KeyValueConfig{Bucket: "flows"})
	if err != nil {
		t.Fatal(err)
	}
	kv.PutString(context.Background(), "flow.order.1", "pending")

	e := connectionsEnv(t, `# kvdeck saved connections
[connections.prod]
url = "`+rsrv.URL()+`/0"
password_env = "PROD_REDIS_PASSWORD"
read_only = true
color = "red"
`, "PROD_REDIS_PASSWORD="+testsecret.RedisPassword)
	var cfgHome string
	for _, kv := range e {
		if v, ok := strings.CutPrefix(kv, "XDG_CONFIG_HOME="); ok {
			cfgHome = v
		}
	}
	ctxDir := filepath.Join(cfgHome, "nats", "context")
	os.MkdirAll(ctxDir, 0o700)
	os.WriteFile(filepath.Join(ctxDir, "dev.json"), []byte(`{"url":"`+nsrv.URL()+`"}`), 0o600)

	s := tmuxtest.Start(t, 120, 30, e, binary)
	s.WaitFor("Connections", 10*time.Second)
	s.WaitFor("natscli", 5*time.Second)
	s.Send("/")
	s.Type("prod")
	s.Send("Enter")
	s.WaitFor("1 prod RO", 10*time.Second)
	s.WaitFor("session:2", 10*time.Second)
	s.Send(":")
	s.Type("connect")
	s.Send("Enter")
	s.WaitFor("Connections", 5*time.Second)
	s.Send("/")
	s.Type("dev")
	s.Send("Enter")
	s.WaitFor("2 dev", 10*time.Second)
	s.WaitFor("flows", 10*time.Second)
	s.Send("]")
	screen := s.WaitFor("session:2", 5*time.Second)
	if !strings.Contains(screen, "1 prod RO") || !strings.Contains(screen, "2 dev") || strings.Contains(screen, "flows") {
		t.Fatalf("back on prod, the header should show both tabs and the keys prod's:\n%s", screen)
	}
	s.Send("q")
	s.WaitExit(5 * time.Second)
}

// Issue 12: a saved connection through SSH to a host not yet known, picked
// inside the UI: kvdeck hands the terminal over, shows OpenSSH's question
// with the host key's fingerprint, and on "yes" opens the tab, the key now
// in known_hosts.
func TestSSHUnknownHostAskedOnTheTerminalFromThePicker(t *testing.T) {
	srv := sshtest.Start(t, sshtest.Options{Redis: true})
	c, err := srv.DialInside("tcp", srv.RedisAddr)
	if err != nil {
		t.Fatal(err)
	}
	c.Write([]byte("SET behind:ssh yes\r\n"))
	buf := make([]byte, 16)
	c.Read(buf)
	c.Close()
	known := filepath.Join(t.TempDir(), "known_hosts")
	e := connectionsEnv(t, `[connections.behind]
url = "redis://`+srv.RedisAddr+`/0"
ssh = "`+srv.Target+`"
ssh_identity = "`+srv.KeyFile+`"
ssh_known_hosts = "`+known+`"
`)
	pt := startPty(t, e, binary)
	pt.waitForText(t, "behind", 10*time.Second)
	pt.pty.Write([]byte("/behind\r"))
	pt.waitForText(t, srv.HostKeyFingerprint, 10*time.Second)
	pt.waitForText(t, "(yes/no)?", 2*time.Second)
	pt.pty.Write([]byte("yes\r"))
	pt.waitForText(t, "1 behind", 15*time.Second)
	pt.waitForText(t, "behind:ssh", 10*time.Second)
	if b, _ := os.ReadFile(known); !strings.Contains(string(b), srv.HostKey.Type()) {
		t.Errorf("the accepted key is not in known_hosts: %q", b)
	}
	pt.pty.Write([]byte("q"))
	pt.exitCode(t, 5*time.Second)
}
