package nats

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/kvdeck/kvdeck/backend/nats/natstest"
	"github.com/kvdeck/kvdeck/backend/storetest"
	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// The second writer: nats.go's own jetstream client, never kvdeck's
// driver, as another service or natscli would use the server. Tests use it
// to change a key between kvdeck's read and kvdeck's write, and to check
// afterwards what the server really holds.

// natsClient connects nats.go to url and closes it when the test ends.
func natsClient(t *testing.T, url string) jetstream.JetStream {
	t.Helper()
	nc, err := natsgo.Connect(url)
	if err != nil {
		t.Fatalf("nats.go connect: %v", err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatalf("jetstream.New: %v", err)
	}
	return js
}

// otherKV is storetest.Other over nats.go's KeyValue.
type otherKV struct {
	js jetstream.JetStream
	kv jetstream.KeyValue
}

var _ storetest.Other = (*otherKV)(nil)

func newOther(t *testing.T, url, bucket string) *otherKV {
	t.Helper()
	js := natsClient(t, url)
	kv, err := js.KeyValue(testContext(t), bucket)
	if err != nil {
		t.Fatalf("nats.go KeyValue(%s): %v", bucket, err)
	}
	return &otherKV{js: js, kv: kv}
}

func (o *otherKV) Set(t *testing.T, key string, value []byte) {
	t.Helper()
	if _, err := o.kv.Put(testContext(t), key, value); err != nil {
		t.Fatalf("nats.go Put(%s): %v", key, err)
	}
}

func (o *otherKV) Get(t *testing.T, key string) ([]byte, bool) {
	t.Helper()
	e, err := o.kv.Get(testContext(t), key)
	if errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrKeyDeleted) {
		return nil, false
	}
	if err != nil {
		t.Fatalf("nats.go Get(%s): %v", key, err)
	}
	return e.Value(), true
}

func (o *otherKV) Delete(t *testing.T, key string) {
	t.Helper()
	if err := o.kv.Delete(testContext(t), key); err != nil {
		t.Fatalf("nats.go Delete(%s): %v", key, err)
	}
}

// setTTL writes value with a per-key TTL, as `nats kv put --ttl` does.
func (o *otherKV) setTTL(t *testing.T, key, value string, ttl time.Duration) uint64 {
	t.Helper()
	m := natsgo.NewMsg("$KV." + o.kv.Bucket() + "." + key)
	m.Data = []byte(value)
	m.Header.Set(jetstream.MsgTTLHeader, ttl.String())
	ack, err := o.js.PublishMsg(testContext(t), m)
	if err != nil {
		t.Fatalf("nats.go publish %s with TTL %s: %v", key, ttl, err)
	}
	return ack.Sequence
}

// last reads the key's latest message as stored, headers included.
func (o *otherKV) last(t *testing.T, key string) *jetstream.RawStreamMsg {
	t.Helper()
	st, err := o.js.Stream(testContext(t), "KV_"+o.kv.Bucket())
	if err != nil {
		t.Fatal(err)
	}
	m, err := st.GetLastMsgForSubject(testContext(t), "$KV."+o.kv.Bucket()+"."+key)
	if err != nil {
		t.Fatalf("nats.go last message of %s: %v", key, err)
	}
	return m
}

// streamState is the bucket's stream state as the server reports it.
func (o *otherKV) streamState(t *testing.T) jetstream.StreamState {
	t.Helper()
	st, err := o.js.Stream(testContext(t), "KV_"+o.kv.Bucket())
	if err != nil {
		t.Fatal(err)
	}
	info, err := st.Info(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	return info.State
}

// streamConfig is the bucket's stream configuration as the server holds it.
func streamConfig(t *testing.T, js jetstream.JetStream, bucket string) jetstream.StreamConfig {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	st, err := js.Stream(ctx, "KV_"+bucket)
	if err != nil {
		t.Fatalf("nats.go Stream(KV_%s): %v", bucket, err)
	}
	return st.CachedInfo().Config
}

// newServer starts a server with no bucket and returns its URL.
func newServer(t *testing.T) string {
	t.Helper()
	return natstest.Start(t).URL()
}

var _ storetest.BucketOther = (*otherKV)(nil)

// CreateBucket creates a bucket with nats.go, as natscli's kv add does.
func (o *otherKV) CreateBucket(t *testing.T, name, description string) {
	t.Helper()
	_, err := o.js.CreateKeyValue(testContext(t), jetstream.KeyValueConfig{Bucket: name, Description: description, History: 5, LimitMarkerTTL: time.Second})
	if err != nil {
		t.Fatalf("nats.go CreateKeyValue(%s): %v", name, err)
	}
}

// SetBucketDescription edits the bucket's stream, as natscli's kv edit does.
func (o *otherKV) SetBucketDescription(t *testing.T, name, description string) {
	t.Helper()
	ctx := testContext(t)
	st, err := o.js.Stream(ctx, "KV_"+name)
	if err != nil {
		t.Fatalf("nats.go Stream(KV_%s): %v", name, err)
	}
	cfg := st.CachedInfo().Config
	cfg.Description = description
	if _, err := o.js.UpdateStream(ctx, cfg); err != nil {
		t.Fatalf("nats.go UpdateStream(KV_%s): %v", name, err)
	}
}

func (o *otherKV) BucketDescription(t *testing.T, name string) (string, bool) {
	t.Helper()
	st, err := o.js.Stream(testContext(t), "KV_"+name)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		return "", false
	}
	if err != nil {
		t.Fatalf("nats.go Stream(KV_%s): %v", name, err)
	}
	return st.CachedInfo().Config.Description, true
}

func (o *otherKV) DeleteBucket(t *testing.T, name string) {
	t.Helper()
	if err := o.js.DeleteKeyValue(testContext(t), name); err != nil {
		t.Fatalf("nats.go DeleteKeyValue(%s): %v", name, err)
	}
}
