package sshtunnel

import (
	"net"
	"net/url"
	"testing"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/kvdeck/kvdeck/backend/nats"
	"github.com/kvdeck/kvdeck/internal/sshtest"
	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// kvdeck's NATS store works through the tunnel, and only through it.
func TestNATSThroughTunnel(t *testing.T) {
	t.Parallel()
	srv := sshtest.Start(t, sshtest.Options{NATS: true})
	u, err := url.Parse(srv.NATSURL)
	if err != nil {
		t.Fatal(err)
	}
	sshtest.RequireUnreachable(t, u.Host)
	tun := dial(t, config(t, srv))
	ctx := ctxFor(t)

	st, err := nats.Open(ctx, nats.Options{Servers: []string{srv.NATSURL}, Dialer: tun.DialContext})
	if err != nil {
		t.Fatalf("nats.Open through the tunnel: %v", err)
	}
	defer st.Close()
	if err := st.CreateBucket(ctx, backend.BucketConfig{Name: "tunnelled", History: 1, Storage: "memory", Replicas: 1}); err != nil {
		t.Fatalf("CreateBucket: %v", err)
	}
	if _, err := st.Put(ctx, "tunnelled", "greeting", []byte("hello through ssh"), backend.PutOptions{}); err != nil {
		t.Fatalf("Put: %v", err)
	}
	e, err := st.Get(ctx, "tunnelled", "greeting", backend.GetOptions{})
	if err != nil || string(e.Value) != "hello through ssh" {
		t.Fatalf("Get = %q, %v", e.Value, err)
	}

	// nats.go on its own, with the tunnel as its CustomDialer, sees it.
	nc, err := natsgo.Connect(srv.NATSURL, natsgo.SetCustomDialer(tun))
	if err != nil {
		t.Fatalf("nats.go through the tunnel: %v", err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	kv, err := js.KeyValue(ctx, "tunnelled")
	if err != nil {
		t.Fatal(err)
	}
	got, err := kv.Get(ctx, "greeting")
	if err != nil || string(got.Value()) != "hello through ssh" {
		t.Fatalf("kv.Get = %v, %v", got, err)
	}
}

// A name only the far end resolves reaches it unresolved: "localhost" is
// looked up by sshd, inside the namespace.
func TestNATSNameResolvedAtTheFarEnd(t *testing.T) {
	t.Parallel()
	srv := sshtest.Start(t, sshtest.Options{NATS: true})
	u, _ := url.Parse(srv.NATSURL)
	_, port, _ := net.SplitHostPort(u.Host)
	tun := dial(t, config(t, srv))
	ctx := ctxFor(t)
	st, err := nats.Open(ctx, nats.Options{Servers: []string{"nats://localhost:" + port}, Dialer: tun.DialContext})
	if err != nil {
		t.Fatalf("nats.Open of localhost through the tunnel: %v", err)
	}
	st.Close()
}
