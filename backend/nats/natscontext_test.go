package nats

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nkeys"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/kvdeck/kvdeck/backend/nats/natstest"
	"github.com/kvdeck/kvdeck/internal/natshome"
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
	values := make(map[string]any, len(fields))
	for k, v := range fields {
		values[k] = v
	}
	writeContextFields(t, home, name, values)
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

// writeContextFields writes a context whose fields are not all strings.
func writeContextFields(t *testing.T, home, name string, fields map[string]any) {
	t.Helper()
	data, err := json.Marshal(fields)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, "nats", "context", name+".json"), data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// fakeCommand puts an executable shell script named name first on PATH.
func fakeCommand(t *testing.T, name, script string) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"+script), 0o700); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
}

// openContextErr opens a context expecting a failure that does not show
// secret.
func openContextErr(t *testing.T, name, secret string) error {
	t.Helper()
	s, err := Open(testContext(t), Options{Context: name})
	if err == nil {
		s.Close()
		t.Fatalf("Open(context %s) succeeded, want an error", name)
	}
	t.Logf("error: %v", err)
	if secret != "" && strings.Contains(err.Error(), secret) {
		t.Errorf("error %q shows the secret %q", err, secret)
	}
	return err
}

// userCreds splits a .creds file into the user's JWT and seed.
func userCreds(t *testing.T, path string) (jwt, seed string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	jwt, err = nkeys.ParseDecoratedJWT(data)
	if err != nil {
		t.Fatal(err)
	}
	kp, err := nkeys.ParseDecoratedNKey(data)
	if err != nil {
		t.Fatal(err)
	}
	s, err := kp.Seed()
	if err != nil {
		t.Fatal(err)
	}
	return jwt, string(s)
}

func TestContextCredsReferences(t *testing.T) {
	home := natsConfigHome(t)
	creds := filepath.Join(t.TempDir(), "app.creds")
	auth, err := natstest.OperatorAuth(creds, true)
	if err != nil {
		t.Fatal(err)
	}
	srv := natstest.Start(t, auth)
	data, err := os.ReadFile(creds)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("KVDECK_TEST_CREDS", string(data))
	t.Setenv("KVDECK_TEST_DIR", filepath.Dir(creds))
	for name, ref := range map[string]string{
		"file-uri": "file://" + creds,
		"env-path": "$KVDECK_TEST_DIR/app.creds",
		"env":      "env://KVDECK_TEST_CREDS",
		"data":     "data:;base64," + base64.StdEncoding.EncodeToString(data),
	} {
		t.Run(name, func(t *testing.T) {
			writeContext(t, home, name, map[string]string{"url": srv.URL(), "creds": ref})
			useContext(t, Options{Context: name})
		})
	}

	writeContext(t, home, "unset", map[string]string{"url": srv.URL(), "creds": "env://KVDECK_TEST_UNSET"})
	if err := openContextErr(t, "unset", ""); !strings.Contains(err.Error(), "KVDECK_TEST_UNSET is not set") {
		t.Errorf("error %q does not name the unset variable", err)
	}
	_, seed := userCreds(t, creds)
	broken := "data:;base64," + seed + "!"
	writeContext(t, home, "broken", map[string]string{"url": srv.URL(), "creds": broken})
	if err := openContextErr(t, "broken", seed); !strings.Contains(err.Error(), "base64") {
		t.Errorf("error %q does not say the data is not base64", err)
	}
}

func TestContextUserJWTAndSeed(t *testing.T) {
	home := natsConfigHome(t)
	creds := filepath.Join(t.TempDir(), "app.creds")
	auth, err := natstest.OperatorAuth(creds, true)
	if err != nil {
		t.Fatal(err)
	}
	srv := natstest.Start(t, auth)
	jwt, seed := userCreds(t, creds)
	t.Setenv("KVDECK_TEST_SEED", seed)
	writeContext(t, home, "jwt", map[string]string{"url": srv.URL(), "user_jwt": jwt, "user_seed": "env://KVDECK_TEST_SEED"})
	useContext(t, Options{Context: "jwt"})

	// A JWT without its seed cannot answer the server's challenge.
	writeContext(t, home, "bearer", map[string]string{"url": srv.URL(), "user_jwt": jwt})
	openContextErr(t, "bearer", seed)
}

func TestContextNKey(t *testing.T) {
	home := natsConfigHome(t)
	kp, err := nkeys.CreateUser()
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := kp.PublicKey()
	seed, _ := kp.Seed()
	srv := natstest.Start(t, func(o *server.Options) { o.Nkeys = []*server.NkeyUser{{Nkey: pub}} })
	seedFile := filepath.Join(t.TempDir(), "user.nk")
	if err := os.WriteFile(seedFile, seed, 0o600); err != nil {
		t.Fatal(err)
	}
	writeContext(t, home, "nk", map[string]string{"url": srv.URL(), "nkey": seedFile})
	o, err := OptionsFromContext("nk")
	if err != nil {
		t.Fatal(err)
	}
	if o.NKeySeedFile != seedFile {
		t.Errorf("NKeySeedFile = %q, want %q", o.NKeySeedFile, seedFile)
	}
	useContext(t, o)

	t.Setenv("KVDECK_TEST_NKEY", string(seed))
	writeContext(t, home, "nk-env", map[string]string{"url": srv.URL(), "nkey": "env://KVDECK_TEST_NKEY"})
	useContext(t, Options{Context: "nk-env"})

	plain, _ := ParseURL(srv.URL())
	if err := openErr(t, plain); !strings.Contains(err.Error(), "authorization violation") {
		t.Errorf("Open without the nkey = %v, want an authorization violation", err)
	}
}

func TestContextSecretReferences(t *testing.T) {
	home := natsConfigHome(t)
	srv := natstest.Start(t, func(o *server.Options) { o.Username, o.Password = "dan", "pw-from-env" })
	t.Setenv("KVDECK_TEST_PASSWORD", "pw-from-env")
	writeContext(t, home, "env", map[string]string{"url": srv.URL(), "user": "dan", "password": "env://KVDECK_TEST_PASSWORD"})
	useContext(t, Options{Context: "env"})

	// op:// asks 1Password's CLI, which prints the secret and a newline.
	fakeCommand(t, "op", `[ "$1 $2" = "read op://vault/nats/password" ] && echo pw-from-env`)
	writeContext(t, home, "op", map[string]string{"url": srv.URL(), "user": "dan", "password": "op://vault/nats/password"})
	useContext(t, Options{Context: "op"})

	writeContext(t, home, "wrong", map[string]string{"url": srv.URL(), "user": "dan", "password": "not-the-pw"})
	if err := openContextErr(t, "wrong", "not-the-pw"); !strings.Contains(err.Error(), "authorization violation") {
		t.Errorf("error %q does not say authorization violation", err)
	}
}

func TestContextTokenReference(t *testing.T) {
	home := natsConfigHome(t)
	srv := natstest.Start(t, func(o *server.Options) { o.Authorization = "tok-from-file" })
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte("tok-from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	writeContext(t, home, "tok", map[string]string{"url": srv.URL(), "token": "file://" + tokenFile})
	o, err := OptionsFromContext("tok")
	if err != nil {
		t.Fatal(err)
	}
	s := useContext(t, o)
	if addr := s.Info().Address; strings.Contains(addr, "tok-from-file") {
		t.Errorf("Info().Address = %q shows the token", addr)
	}
}

func TestContextTLSFiles(t *testing.T) {
	home := natsConfigHome(t)
	dir := t.TempDir()
	opt, files, err := natstest.MutualTLS(dir)
	if err != nil {
		t.Fatal(err)
	}
	srv := natstest.Start(t, opt)
	url := strings.Replace(srv.URL(), "nats://", "tls://", 1)
	t.Setenv("KVDECK_TEST_TLS", dir)
	writeContext(t, home, "mtls", map[string]string{
		"url":  url,
		"ca":   "$KVDECK_TEST_TLS/" + filepath.Base(files.CA),
		"cert": "file://" + files.ClientCert,
		"key":  files.ClientKey,
	})
	o, err := OptionsFromContext("mtls")
	if err != nil {
		t.Fatal(err)
	}
	if o.TLS.CAFile != files.CA || o.TLS.KeyFile != files.ClientKey {
		t.Errorf("TLS options = %+v, want the expanded paths", o.TLS)
	}
	useContext(t, o)

	// Without the client certificate the server refuses the handshake.
	writeContext(t, home, "ca-only", map[string]string{"url": url, "ca": files.CA})
	openContextErr(t, "ca-only", "")

	writeContext(t, home, "env-cert", map[string]string{"url": url, "ca": files.CA, "cert": "env://CERT", "key": files.ClientKey})
	if err := openContextErr(t, "env-cert", ""); !strings.Contains(err.Error(), "give a file") {
		t.Errorf("error %q does not say TLS files must be files", err)
	}
}

func TestContextTLSFirst(t *testing.T) {
	home := natsConfigHome(t)
	opt, files, err := natstest.MutualTLS(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	// A short TLS timeout: the client that waits for INFO fails sooner.
	srv := natstest.Start(t, opt, func(o *server.Options) { o.TLSHandshakeFirst, o.TLSTimeout = true, 0.5 })
	url := strings.Replace(srv.URL(), "nats://", "tls://", 1)
	fields := map[string]any{"url": url, "ca": files.CA, "cert": files.ClientCert, "key": files.ClientKey}
	writeContextFields(t, home, "late", fields)
	openContextErr(t, "late", "")

	fields["tls_first"] = true
	writeContextFields(t, home, "first", fields)
	useContext(t, Options{Context: "first"})
}

func TestContextJetStreamDomainAndPrefix(t *testing.T) {
	home := natsConfigHome(t)
	srv := natstest.Start(t, func(o *server.Options) { o.JetStreamDomain = "hub" })
	writeContext(t, home, "domain", map[string]string{"url": srv.URL(), "jetstream_domain": "hub"})
	o, err := OptionsFromContext("domain")
	if err != nil {
		t.Fatal(err)
	}
	if o.JSDomain != "hub" {
		t.Errorf("JSDomain = %q", o.JSDomain)
	}
	useContext(t, o)

	writeContext(t, home, "prefix", map[string]string{"url": srv.URL(), "jetstream_api_prefix": "$JS.hub.API"})
	if o, err = OptionsFromContext("prefix"); err != nil || o.JSAPIPrefix != "$JS.hub.API" {
		t.Errorf("OptionsFromContext(prefix) = JSAPIPrefix %q, %v", o.JSAPIPrefix, err)
	}
	useContext(t, o)

	// JetStream in another domain does not answer.
	writeContext(t, home, "elsewhere", map[string]string{"url": srv.URL(), "jetstream_domain": "elsewhere"})
	openContextErr(t, "elsewhere", "")
}

func TestContextInboxPrefix(t *testing.T) {
	home := natsConfigHome(t)
	srv := natstest.Start(t)
	writeContext(t, home, "inbox", map[string]string{"url": srv.URL(), "inbox_prefix": "_KVDECK_INBOX"})
	s := useContext(t, Options{Context: "inbox"})
	if inbox := s.nc.NewInbox(); !strings.HasPrefix(inbox, "_KVDECK_INBOX.") {
		t.Errorf("inbox %q does not use the context's prefix", inbox)
	}
}

func TestContextSOCKSProxy(t *testing.T) {
	home := natsConfigHome(t)
	srv := natstest.Start(t)
	proxyAddr, dials := startSOCKS5(t)
	writeContext(t, home, "socks", map[string]string{"url": srv.URL(), "socks_proxy": "socks5://" + proxyAddr})
	useContext(t, Options{Context: "socks"})
	if dials.Load() == 0 {
		t.Error("the connection did not go through the SOCKS proxy")
	}

	writeContext(t, home, "bad", map[string]string{"url": srv.URL(), "socks_proxy": "socks5://bob:proxy-secret@127.0.0.1:%zz"})
	openContextErr(t, "bad", "proxy-secret")
}

// startSOCKS5 runs a SOCKS5 proxy without authentication that knows only
// CONNECT, and counts the connections it makes.
func startSOCKS5(t *testing.T) (string, *atomic.Int32) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	dials := new(atomic.Int32)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				if target := socksConnect(c); target != nil {
					dials.Add(1)
					defer target.Close()
					go io.Copy(target, c)
					io.Copy(c, target)
				}
			}()
		}
	}()
	return l.Addr().String(), dials
}

// socksConnect answers a client's greeting and CONNECT request (RFC 1928)
// and returns the connection to the target.
func socksConnect(c net.Conn) net.Conn {
	read := func(n int) []byte {
		b := make([]byte, n)
		if _, err := io.ReadFull(c, b); err != nil {
			return nil
		}
		return b
	}
	greeting := read(2) // version, number of methods
	if greeting == nil || greeting[0] != 5 || read(int(greeting[1])) == nil {
		return nil
	}
	c.Write([]byte{5, 0}) // no authentication
	req := read(4)        // version, command, reserved, address type
	if req == nil || req[1] != 1 {
		return nil
	}
	var host string
	switch req[3] {
	case 1:
		host = net.IP(read(4)).String()
	case 3:
		host = string(read(int(read(1)[0])))
	case 4:
		host = net.IP(read(16)).String()
	}
	port := read(2)
	if port == nil {
		return nil
	}
	target, err := net.Dial("tcp", net.JoinHostPort(host, strconv.Itoa(int(port[0])<<8|int(port[1]))))
	if err != nil {
		c.Write([]byte{5, 5, 0, 1, 0, 0, 0, 0, 0, 0}) // connection refused
		return nil
	}
	c.Write([]byte{5, 0, 0, 1, 0, 0, 0, 0, 0, 0})
	return target
}

// TestContextLegacyNSC: the older nsc field asks nsc for the creds and,
// when the context has no url, the servers.
func TestContextLegacyNSC(t *testing.T) {
	home := natsConfigHome(t)
	creds := filepath.Join(t.TempDir(), "app.creds")
	auth, err := natstest.OperatorAuth(creds, true)
	if err != nil {
		t.Fatal(err)
	}
	srv := natstest.Start(t, auth)
	fakeCommand(t, "nsc", fmt.Sprintf(`[ "$1 $2 $3" = "generate profile nsc://acme/app/kvdeck" ] || { echo "no such user" >&2; exit 1; }
printf '{"user_creds": "%s", "operator": {"service": ["%s"]}}'`, creds, srv.URL()))
	writeContext(t, home, "nsc", map[string]string{"nsc": "nsc://acme/app/kvdeck"})
	o, err := OptionsFromContext("nsc")
	if err != nil {
		t.Fatal(err)
	}
	if o.CredsFile != creds || o.Servers[0] != srv.URL() {
		t.Errorf("options from nsc: servers %v creds %q", o.Servers, o.CredsFile)
	}
	useContext(t, o)

	// nsc:// in creds reads the creds nsc names.
	writeContext(t, home, "nsc-creds", map[string]string{"url": srv.URL(), "creds": "nsc://acme/app/kvdeck"})
	useContext(t, Options{Context: "nsc-creds"})

	writeContext(t, home, "unknown", map[string]string{"nsc": "nsc://acme/app/nobody"})
	if _, err := OptionsFromContext("unknown"); err == nil || !strings.Contains(err.Error(), "no such user") {
		t.Errorf("OptionsFromContext(unknown nsc user) = %v, want nsc's message", err)
	}
}

func TestContextFileProblems(t *testing.T) {
	home := natsConfigHome(t)
	path := filepath.Join(home, "nats", "context", "bad.json")
	if err := os.WriteFile(path, []byte(`{"password": "json-secret" x}`), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := OptionsFromContext("bad")
	if err == nil || !strings.Contains(err.Error(), "not valid JSON") || strings.Contains(err.Error(), "json-secret") {
		t.Errorf("OptionsFromContext(bad JSON) = %v", err)
	}

	writeContextFields(t, home, "typed", map[string]any{"token": 42})
	if _, err := OptionsFromContext("typed"); err == nil || !strings.Contains(err.Error(), "token") {
		t.Errorf("OptionsFromContext(number token) = %v, want it to name the field", err)
	}

	_, err = OptionsFromContext("../escape")
	wantErr(t, err, backend.ErrInvalid, "a name with ..")

	writeContext(t, home, "windows", map[string]string{"url": "nats://127.0.0.1:1", "windows_cert_store": "user"})
	if err := openContextErr(t, "windows", ""); !strings.Contains(err.Error(), "Windows certificate store") {
		t.Errorf("error %q does not say the Windows store is unsupported", err)
	}

	// No url: natscli's default server.
	writeContext(t, home, "default", map[string]string{"description": "local"})
	if o, err := OptionsFromContext("default"); err != nil || o.Servers[0] != "nats://127.0.0.1:4222" {
		t.Errorf("OptionsFromContext(no url) = %v, %v; want nats://127.0.0.1:4222", o.Servers, err)
	}
}

func TestContextSelectionAndKnownList(t *testing.T) {
	home := natsConfigHome(t)
	// A blank context.txt selects nothing.
	selectContext(t, home, " \n")
	_, err := OptionsFromContext("")
	wantErr(t, err, backend.ErrInvalid, "blank selection")

	writeContext(t, home, "zeta", map[string]string{"url": "nats://127.0.0.1:1"})
	writeContext(t, home, "alpha", map[string]string{"url": "nats://127.0.0.1:1"})
	// natscli lists neither empty files nor other files.
	for _, name := range []string{"empty.json", "notes.txt"} {
		if err := os.WriteFile(filepath.Join(home, "nats", "context", name), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	selectContext(t, home, "gone\n")
	_, err = OptionsFromContext("")
	wantErr(t, err, backend.ErrInvalid, "selected context without a file")
	if !strings.Contains(err.Error(), `"gone" (known: alpha, zeta)`) {
		t.Errorf("error %q does not name the known contexts, sorted", err)
	}

	selectContext(t, home, "alpha\n")
	if o, err := OptionsFromContext(""); err != nil || o.Context != "alpha" {
		t.Errorf("OptionsFromContext(selected alpha) = %q, %v", o.Context, err)
	}

	// With XDG_CONFIG_HOME unset natscli looks in ~/.config/nats.
	t.Setenv("XDG_CONFIG_HOME", "")
	if dir, err := natshome.ConfigHome(); err != nil || !strings.HasSuffix(dir, filepath.Join(".config", "nats")) {
		t.Errorf("natshome.ConfigHome() without XDG = %q, %v", dir, err)
	}
}
