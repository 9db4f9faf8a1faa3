package nats

import (
	"fmt"
	"testing"
	"time"

	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/kvdeck/kvdeck/backend"
)

// Both subject shapes nats.go knows are read; any other falls back.
func TestParseAckReplyReadsBothShapes(t *testing.T) {
	for _, c := range []struct {
		reply string
		ok    bool
		want  ackMeta
	}{
		{"$JS.ACK.KV_b.c1.1.42.7.1700000000000000001.3", true, ackMeta{42, time.Unix(0, 1700000000000000001), 3}},
		{"$JS.ACK._.ABCHASH.KV_b.c1.1.42.7.1700000000000000001.0", true, ackMeta{42, time.Unix(0, 1700000000000000001), 0}},
		{"$JS.ACK.dom.ABCHASH.KV_b.c1.1.42.7.1700000000000000001.9.rnd", true, ackMeta{42, time.Unix(0, 1700000000000000001), 9}},
		{"$JS.ACK.dom.ABCHASH.KV_b.c1.1.42.7.1700000000000000001.9.rnd.more", true, ackMeta{42, time.Unix(0, 1700000000000000001), 9}},
		{"$JS.ACK.KV_b.c1.1.42.7.17.3.x", false, ackMeta{}},                 // 8 tokens
		{"$JS.ACK.KV_b.c1.1.4x2.7.17.3", false, ackMeta{}},                  // not a number
		{"$JS.ACK.KV_b.c1.1.42.7.17.", false, ackMeta{}},                    // empty pending
		{"_INBOX.abc.KV_b.c1.1.42.7.17.3", false, ackMeta{}},                // not an ack
		{"$JS.ACK.KV_b.c1.1.42.7.99999999999999999999.3", false, ackMeta{}}, // too long
	} {
		got, ok := parseAckReply(c.reply)
		if ok != c.ok || ok && (got.streamSeq != c.want.streamSeq || !got.stored.Equal(c.want.stored) || got.pending != c.want.pending) {
			t.Errorf("%s: %+v %v, want %+v %v", c.reply, got, ok, c.want, c.ok)
		}
	}
}

// On the server the listing runs against, every message's reply reads as
// jetstream's own Metadata reads it.
func TestParseAckReplyAgreesWithMetadata(t *testing.T) {
	srv, s, bucket := startStore(t)
	for i := range 20 {
		mustPut(t, s, bucket, fmt.Sprintf("k%d", i), "v", backend.PutOptions{})
	}
	nc, err := natsgo.Connect(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx := testContext(t)
	cons, err := js.OrderedConsumer(ctx, streamName(bucket), jetstream.OrderedConsumerConfig{HeadersOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	batch, err := cons.Fetch(20)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for m := range batch.Messages() {
		n++
		full, err := m.Metadata()
		if err != nil {
			t.Fatal(err)
		}
		got, ok := parseAckReply(m.Reply())
		if !ok || got.streamSeq != full.Sequence.Stream || !got.stored.Equal(full.Timestamp) || got.pending != full.NumPending {
			t.Fatalf("%s: %+v %v, Metadata says seq %d, stored %v, pending %d", m.Reply(), got, ok, full.Sequence.Stream, full.Timestamp, full.NumPending)
		}
	}
	if n != 20 {
		t.Fatalf("%d messages, want 20", n)
	}
}
