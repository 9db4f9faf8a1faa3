package nats

import (
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/kvdeck/kvdeck/backend/nats/natstest"
	"github.com/nats-io/nats-server/v2/server"
)

// openErr opens a store expecting a failure and checks it is one line.
func openErr(t *testing.T, o Options) error {
	t.Helper()
	s, err := Open(testContext(t), o)
	if err == nil {
		s.Close()
		t.Fatalf("Open succeeded, want an error")
	}
	t.Logf("error: %v", err)
	if strings.Contains(err.Error(), "\n") {
		t.Errorf("error is not one line: %q", err)
	}
	return err
}

func TestOpenWithoutJetStream(t *testing.T) {
	srv := natstest.Start(t, func(o *server.Options) { o.JetStream = false })
	o, _ := ParseURL(srv.URL())
	err := openErr(t, o)
	if !strings.Contains(err.Error(), "JetStream is not enabled on this server") {
		t.Errorf("error %q does not say JetStream is off", err)
	}
}

func TestOpenAuthorization(t *testing.T) {
	srv := natstest.Start(t, func(o *server.Options) { o.Username, o.Password = "alice", "right-pass" })
	host := strings.TrimPrefix(srv.URL(), "nats://")

	o, _ := ParseURL("nats://alice:wrong-pass@" + host)
	err := openErr(t, o)
	if !strings.Contains(err.Error(), "authorization violation") {
		t.Errorf("error %q does not say authorization violation", err)
	}
	if strings.Contains(err.Error(), "wrong-pass") {
		t.Errorf("error %q shows the password", err)
	}

	s := openURL(t, "nats://alice:right-pass@"+host, false)
	if addr := s.Info().Address; strings.Contains(addr, "right-pass") || !strings.Contains(addr, "alice") {
		t.Errorf("Info().Address = %q, want the user without the password", addr)
	}
	bucket := newBucket(t, s)
	mustPut(t, s, bucket, "k", "v", backend.PutOptions{})
}

func TestOpenToken(t *testing.T) {
	srv := natstest.Start(t, func(o *server.Options) { o.Authorization = "s3cret-token" })
	host := strings.TrimPrefix(srv.URL(), "nats://")

	o, _ := ParseURL("nats://not-the-token@" + host)
	if err := openErr(t, o); !strings.Contains(err.Error(), "authorization violation") {
		t.Errorf("wrong token: error %q does not say authorization violation", err)
	}
	s := openURL(t, "nats://s3cret-token@"+host, false)
	if addr := s.Info().Address; strings.Contains(addr, "s3cret-token") {
		t.Errorf("Info().Address = %q shows the token", addr)
	}
}

func TestOpenUnreachable(t *testing.T) {
	// A port that was free a moment ago and has no listener now.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()

	o, _ := ParseURL(fmt.Sprintf("nats://u:hidden@127.0.0.1:%d", port))
	err = openErr(t, o)
	if !strings.Contains(err.Error(), "cannot reach NATS") || !strings.Contains(err.Error(), fmt.Sprint(port)) {
		t.Errorf("error %q does not say which server cannot be reached", err)
	}
	if strings.Contains(err.Error(), "hidden") {
		t.Errorf("error %q shows the password", err)
	}
}

func TestOpenCancelled(t *testing.T) {
	srv := natstest.Start(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	o, _ := ParseURL(srv.URL())
	if _, err := Open(ctx, o); !errors.Is(err, context.Canceled) {
		t.Errorf("Open with a cancelled context = %v, want context.Canceled", err)
	}
}

func TestOpenMutualTLS(t *testing.T) {
	opt, files, err := natstest.MutualTLS(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	srv := natstest.Start(t, opt)
	tlsURL := strings.Replace(srv.URL(), "nats://", "tls://", 1)

	// Without the CA the server's certificate is not trusted.
	o, _ := ParseURL(tlsURL)
	o.TLS = TLSOptions{CertFile: files.ClientCert, KeyFile: files.ClientKey}
	if err := openErr(t, o); !strings.Contains(err.Error(), "TLS failure") {
		t.Errorf("unknown CA: error %q does not say TLS failure", err)
	}

	// Without a client certificate the server refuses the handshake.
	o.TLS = TLSOptions{CAFile: files.CA}
	if err := openErr(t, o); !strings.Contains(err.Error(), "TLS failure") && !strings.Contains(err.Error(), "cannot reach") {
		t.Errorf("no client cert: error %q does not say TLS failure", err)
	}

	o.TLS = TLSOptions{CAFile: files.CA, CertFile: files.ClientCert, KeyFile: files.ClientKey}
	s, err := Open(testContext(t), o)
	if err != nil {
		t.Fatalf("Open with CA and client certificate: %v", err)
	}
	defer s.Close()
	bucket := newBucket(t, s)
	mustPut(t, s, bucket, "k", "over tls", backend.PutOptions{})
	if got := mustGet(t, s, bucket, "k"); string(got.Value) != "over tls" {
		t.Errorf("Get = %q", got.Value)
	}
}

func TestOpenHalfClientCertificateIsInvalid(t *testing.T) {
	o, _ := ParseURL("tls://127.0.0.1:1")
	o.TLS = TLSOptions{CertFile: "client.pem"}
	_, err := Open(testContext(t), o)
	wantErr(t, err, backend.ErrInvalid, "cert without key")
}

func TestInfo(t *testing.T) {
	_, s, _ := startStore(t)
	info := s.Info()
	if info.Kind != "nats" || info.Delimiter != "." || info.ReadOnly || !strings.Contains(info.PatternHelp, "*") {
		t.Errorf("Info() = %+v", info)
	}
}

func TestOpenAccountWithoutJetStream(t *testing.T) {
	creds := filepath.Join(t.TempDir(), "nojs.creds")
	auth, err := natstest.OperatorAuth(creds, false)
	if err != nil {
		t.Fatal(err)
	}
	srv := natstest.Start(t, auth)
	o, _ := ParseURL(srv.URL())
	o.CredsFile = creds
	err = openErr(t, o)
	if !strings.Contains(err.Error(), "JetStream is not enabled for this account") {
		t.Errorf("error %q does not say JetStream is off for the account", err)
	}
}
