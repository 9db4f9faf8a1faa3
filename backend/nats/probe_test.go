package nats

import (
	"context"
	"testing"
	"time"

	"github.com/kvdeck/kvdeck/backend/nats/natstest"
	"github.com/nats-io/nats-server/v2/server"
	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

func TestProbe(t *testing.T) {
	ctx := context.Background()
	_, err := natsgo.Connect("nats://127.0.0.1:1", natsgo.Timeout(time.Second))
	t.Logf("unreachable: %v", err)
	a := natstest.Start(t, func(o *server.Options) { o.Username = "u"; o.Password = "p" })
	_, err = natsgo.Connect(a.URL(), natsgo.UserInfo("u", "bad"))
	t.Logf("auth: %v", err)
	nojs := natstest.Start(t, func(o *server.Options) { o.JetStream = false })
	nc, err := natsgo.Connect(nojs.URL())
	js, _ := jetstream.New(nc)
	_, err = js.AccountInfo(ctx)
	t.Logf("nojs: %v %T", err, err)

	s := natstest.Start(t)
	nc, _ = natsgo.Connect(s.URL())
	js, _ = jetstream.New(nc)
	kv, err := js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "b", History: 5, LimitMarkerTTL: time.Second})
	if err != nil { t.Fatal(err) }
	kv.Put(ctx, "k", []byte("v1"))
	m := natsgo.NewMsg("$KV.b.k"); m.Data = []byte("v2")
	pa, err := js.PublishMsg(ctx, m, jetstream.WithMsgTTL(2*time.Second))
	t.Logf("pub %v %v", pa, err)
	st, _ := js.Stream(ctx, "KV_b")
	raw, err := st.GetLastMsgForSubject(ctx, "$KV.b.k")
	t.Logf("raw %v hdr=%v t=%v", err, raw.Header, raw.Time)
	time.Sleep(3500 * time.Millisecond)
	e, err := kv.Get(ctx, "k")
	if err == nil { t.Logf("after expiry: %s rev %d", e.Value(), e.Revision()) } else { t.Logf("after expiry: %v", err) }
	_, err = kv.Create(ctx, "n", []byte("x"), jetstream.KeyTTL(time.Second))
	time.Sleep(2500 * time.Millisecond)
	raw, err = st.GetLastMsgForSubject(ctx, "$KV.b.n")
	t.Logf("marker %v", err)
	_, err = kv.Create(ctx, "n2", []byte("x"), jetstream.KeyTTL(time.Second))
	time.Sleep(1300 * time.Millisecond)
	raw, err = st.GetLastMsgForSubject(ctx, "$KV.b.n2")
	if err == nil { t.Logf("marker2 hdr=%v data=%q", raw.Header, raw.Data) } else { t.Logf("marker2 %v", err) }
	m = natsgo.NewMsg("$KV.b.t"); m.Header.Set("Nats-TTL", "1s")
	_, err = js.PublishMsg(ctx, m)
	t.Logf("ttl pub %v", err)
	kv2, _ := js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "nottl"})
	m = natsgo.NewMsg("$KV.nottl.t"); m.Header.Set("Nats-TTL", "1s")
	_, err = js.PublishMsg(ctx, m)
	t.Logf("ttl on nottl %v", err)
	_ = kv2
	_, err = kv.Update(ctx, "k", []byte("x"), 1)
	t.Logf("update conflict: %v", err)
	_, err = kv.Create(ctx, "k", []byte("x"))
	t.Logf("create conflict: %v", err)
}
