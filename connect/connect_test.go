package connect_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	natsgo "github.com/nats-io/nats.go"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/kvdeck/kvdeck/backend/nats/natstest"
	"github.com/kvdeck/kvdeck/backend/redis/redistest"
	"github.com/kvdeck/kvdeck/connect"
	"github.com/kvdeck/kvdeck/internal/sshtest"
	"github.com/kvdeck/kvdeck/internal/testsecret"
)

// answers is a Prompter with scripted answers that records each question.
type answers struct {
	secret  string
	confirm bool
	asked   []string
}

func (a *answers) Secret(prompt string) (string, error) {
	a.asked = append(a.asked, prompt)
	return a.secret, nil
}

func (a *answers) Confirm(question string) (bool, error) {
	a.asked = append(a.asked, question)
	return a.confirm, nil
}

// noSecret fails the test when err's message holds a test secret.
func noSecret(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		if leaked := testsecret.Leaked(err.Error()); leaked != "" {
			t.Errorf("the error holds the secret %q: %v", leaked, err)
		}
	}
}

func roundTrip(t *testing.T, conn *connect.Conn, bucket string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := conn.Store.Put(ctx, bucket, "through", []byte("ssh"), backend.PutOptions{}); err != nil {
		t.Fatalf("put: %v", err)
	}
	e, err := conn.Store.Get(ctx, bucket, "through", backend.GetOptions{})
	if err != nil || string(e.Value) != "ssh" {
		t.Fatalf("get: %v %q", err, e.Value)
	}
}

// Issue 12: a connection with ssh set reaches Redis, Redis Sentinel (its
// announced master too) and NATS through the SSH server, which alone can
// reach them; closing the connection closes the tunnel.
func TestOpenThroughSSH(t *testing.T) {
	srv := sshtest.Start(t, sshtest.Options{Redis: true, NATS: true, Sentinel: true})
	sshtest.RequireUnreachable(t, srv.RedisAddr)
	base := connect.Spec{SSH: srv.Target, SSHKnownHosts: srv.KnownHosts, SSHIdentity: srv.KeyFile, Timeout: 5 * time.Second}
	cases := []struct {
		name, kind, target, bucket string
	}{
		{"redis", connect.KindRedis, "redis://" + srv.RedisAddr + "/0", "0"},
		{"sentinel", connect.KindRedis, "redis+sentinel://" + srv.SentinelAddr + "/" + sshtest.SentinelMaster, "0"},
		{"nats", connect.KindNATS, srv.NATSURL, "tunnelled"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			spec := base
			spec.Kind, spec.Target = c.kind, c.target
			before := srv.Sessions()
			conn, err := connect.Open(context.Background(), spec, &answers{})
			if err != nil {
				t.Fatalf("open through ssh: %v", err)
			}
			defer conn.Close()
			if srv.Sessions() != before+1 {
				t.Fatalf("the connection did not go through the SSH server (sessions %d → %d)", before, srv.Sessions())
			}
			if c.kind == connect.KindNATS {
				admin := conn.Store.(backend.BucketAdmin)
				if err := admin.CreateBucket(context.Background(), backend.BucketConfig{Name: c.bucket}); err != nil {
					t.Fatal(err)
				}
			}
			roundTrip(t, conn, c.bucket)
		})
	}
}

// Issue 12: a Redis Cluster through one tunnel. Its nodes announce
// addresses only the bastion can reach; every connection to them (the
// seed and the nodes MOVED points to) is dialled from the bastion's side,
// so keys in every slot range read and write.
func TestClusterThroughSSH(t *testing.T) {
	srv := sshtest.Start(t, sshtest.Options{Cluster: true})
	for _, addr := range srv.ClusterAddrs {
		sshtest.RequireUnreachable(t, addr)
	}
	spec := connect.Spec{Kind: connect.KindRedis, Target: "redis://" + srv.ClusterAddrs[0], Cluster: true,
		SSH: srv.Target, SSHKnownHosts: srv.KnownHosts, SSHIdentity: srv.KeyFile, Timeout: 5 * time.Second}
	conn, err := connect.Open(context.Background(), spec, &answers{})
	if err != nil {
		t.Fatalf("cluster through ssh: %v", err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	bucket := "cluster" // a Cluster has one database, shown as one bucket
	for i := range 30 { // 30 keys land on all three masters' slots
		key := fmt.Sprintf("user:%d", i)
		if _, err := conn.Store.Put(ctx, bucket, key, []byte(key), backend.PutOptions{}); err != nil {
			t.Fatalf("put %s: %v", key, err)
		}
	}
	// Checked on each node from inside the namespace, not through kvdeck:
	// the keys are spread over the three masters.
	for _, addr := range srv.ClusterAddrs {
		c, err := srv.DialInside("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		c.Write([]byte("DBSIZE\r\n"))
		buf := make([]byte, 32)
		n, _ := c.Read(buf)
		c.Close()
		if reply := string(buf[:n]); reply == ":0\r\n" || !strings.HasPrefix(reply, ":") {
			t.Errorf("node %s holds no keys: %q", addr, reply)
		}
	}
	for i := range 30 {
		key := fmt.Sprintf("user:%d", i)
		e, err := conn.Store.Get(ctx, bucket, key, backend.GetOptions{})
		if err != nil || string(e.Value) != key {
			t.Fatalf("get %s: %v %q", key, err, e.Value)
		}
	}
}

// Issue 12: an unknown host key is shown with its fingerprint and asked
// about before anything is sent; a changed one is refused without asking;
// inside the UI (NeedsTerminal) the question sends the picker to the
// terminal.
func TestSSHHostKeyQuestions(t *testing.T) {
	srv := sshtest.Start(t, sshtest.Options{Redis: true})
	empty := filepath.Join(t.TempDir(), "known_hosts")
	spec := connect.Spec{Kind: connect.KindRedis, Target: "redis://" + srv.RedisAddr, SSH: srv.Target,
		SSHKnownHosts: empty, SSHIdentity: srv.KeyFile, Timeout: 5 * time.Second}

	if _, err := connect.Open(context.Background(), spec, connect.NeedsTerminal{}); !errors.Is(err, connect.ErrNeedsTerminal) {
		t.Fatalf("inside the UI an unknown host must go to the terminal: %v", err)
	}
	no := &answers{confirm: false}
	if _, err := connect.Open(context.Background(), spec, no); err == nil {
		t.Fatal("connected to a host the user did not accept")
	}
	if len(no.asked) != 1 || !strings.Contains(no.asked[0], srv.HostKeyFingerprint) || !strings.Contains(no.asked[0], "(yes/no)") {
		t.Fatalf("the question does not show the fingerprint %s: %q", srv.HostKeyFingerprint, no.asked)
	}
	if b, _ := os.ReadFile(empty); len(b) != 0 {
		t.Fatalf("a refused key was written to known_hosts: %s", b)
	}
	yes := &answers{confirm: true}
	conn, err := connect.Open(context.Background(), spec, yes)
	if err != nil {
		t.Fatalf("accepted host: %v", err)
	}
	roundTrip(t, conn, "0")
	conn.Close()
	// Known now: no question.
	again := &answers{}
	conn, err = connect.Open(context.Background(), spec, again)
	if err != nil || len(again.asked) != 0 {
		t.Fatalf("a known host was asked about again: %v %q", err, again.asked)
	}
	conn.Close()

	// Changed: known_hosts holds another key for this address.
	other := sshtest.Start(t, sshtest.Options{})
	changed := filepath.Join(t.TempDir(), "known_hosts")
	line, err := os.ReadFile(other.KnownHosts)
	if err != nil {
		t.Fatal(err)
	}
	swapped := strings.ReplaceAll(string(line), fmt.Sprintf("]:%d ", other.Port), fmt.Sprintf("]:%d ", srv.Port))
	if swapped == string(line) {
		t.Fatalf("no [host]:port in %s: %s", other.KnownHosts, line)
	}
	if err := os.WriteFile(changed, []byte(swapped), 0o600); err != nil {
		t.Fatal(err)
	}
	spec.SSHKnownHosts = changed
	asked := &answers{confirm: true}
	_, err = connect.Open(context.Background(), spec, asked)
	if err == nil || !strings.Contains(err.Error(), "HAS CHANGED") || len(asked.asked) != 0 {
		t.Fatalf("a changed host key must be refused without a question: %v %q", err, asked.asked)
	}
}

// Issue 12: with no password given, a server's NOAUTH gets a prompt (in
// the UI: the terminal), and --askpass asks before connecting; a wrong
// answer is refused without being shown.
func TestPasswordPromptWhenTheServerAsks(t *testing.T) {
	srv := redistest.Start(t, "--requirepass", testsecret.RedisPassword)
	spec := connect.Spec{Kind: connect.KindRedis, Target: srv.URL(), Timeout: 3 * time.Second}
	if _, err := connect.Open(context.Background(), spec, connect.NeedsTerminal{}); !errors.Is(err, connect.ErrNeedsTerminal) {
		t.Fatalf("NOAUTH inside the UI must go to the terminal: %v", err)
	}
	right := &answers{secret: testsecret.RedisPassword}
	conn, err := connect.Open(context.Background(), spec, right)
	if err != nil {
		t.Fatalf("prompted password: %v", err)
	}
	conn.Close()
	if want := fmt.Sprintf("Password for %s: ", srv.URL()); len(right.asked) != 1 || right.asked[0] != want {
		t.Fatalf("asked %q, want %q", right.asked, want)
	}
	wrong := &answers{secret: testsecret.WrongPassword}
	_, err = connect.Open(context.Background(), spec, wrong)
	if !errors.Is(err, backend.ErrAuth) {
		t.Fatalf("a wrong password: %v", err)
	}
	noSecret(t, err)
	// --askpass: asked before connecting, once.
	spec.AskPass = true
	ask := &answers{secret: testsecret.RedisPassword}
	if conn, err = connect.Open(context.Background(), spec, ask); err != nil || len(ask.asked) != 1 {
		t.Fatalf("--askpass: %v, asked %q", err, ask.asked)
	}
	conn.Close()
	// A password given (from the environment, say) is used, not asked for.
	spec.AskPass = false
	spec.Password = connect.Literal(testsecret.RedisPassword)
	never := &answers{}
	if conn, err = connect.Open(context.Background(), spec, never); err != nil || len(never.asked) != 0 {
		t.Fatalf("a given password: %v, asked %q", err, never.asked)
	}
	conn.Close()
}

// Issue 12, NATS: the token and the user's password come from outside
// the URL, or from a prompt when the server refuses.
func TestNATSSecretsOutsideTheURL(t *testing.T) {
	tokenSrv := natstest.Start(t, func(o *server.Options) { o.Authorization = testsecret.NATSToken })
	spec := connect.Spec{Kind: connect.KindNATS, Target: tokenSrv.URL(), Timeout: 3 * time.Second,
		Token: connect.Literal(testsecret.NATSToken)}
	conn, err := connect.Open(context.Background(), spec, &answers{})
	if err != nil {
		t.Fatalf("token from outside the URL: %v", err)
	}
	conn.Close()
	spec.Token = nil
	asked := &answers{secret: testsecret.NATSToken}
	if conn, err = connect.Open(context.Background(), spec, asked); err != nil {
		t.Fatalf("prompted token: %v", err)
	}
	conn.Close()
	if len(asked.asked) != 1 || !strings.HasPrefix(asked.asked[0], "Token for ") {
		t.Fatalf("asked %q", asked.asked)
	}

	userSrv := natstest.Start(t, func(o *server.Options) { o.Username, o.Password = "app", testsecret.NATSPassword })
	spec = connect.Spec{Kind: connect.KindNATS, Target: userSrv.URL(), Username: "app", Timeout: 3 * time.Second}
	asked = &answers{secret: testsecret.WrongPassword}
	_, err = connect.Open(context.Background(), spec, asked)
	if !errors.Is(err, backend.ErrAuth) || len(asked.asked) != 1 || !strings.HasPrefix(asked.asked[0], "Password for app at ") {
		t.Fatalf("a wrong prompted password: %v, asked %q", err, asked.asked)
	}
	noSecret(t, err)
	spec.Password = connect.Literal(testsecret.NATSPassword)
	if conn, err = connect.Open(context.Background(), spec, &answers{}); err != nil {
		t.Fatalf("user and password from outside the URL: %v", err)
	}
	defer conn.Close()
	// The server's own client agrees the user is app.
	nc, err := natsgo.Connect(userSrv.URL(), natsgo.UserInfo("app", testsecret.NATSPassword))
	if err != nil {
		t.Fatal(err)
	}
	nc.Close()
}
