package nats

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/kvdeck/kvdeck/backend"
	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

func TestDescribeGivesOneClearLine(t *testing.T) {
	for _, c := range []struct {
		err  error
		want string
		kind error
	}{
		{natsgo.ErrNoResponders, "no responders", nil},
		{fmt.Errorf("stream info: %w", jetstream.ErrJetStreamNotEnabled), "JetStream is not enabled on this server", backend.ErrUnsupported},
		{jetstream.ErrJetStreamNotEnabledForAccount, "JetStream is not enabled for this account", backend.ErrUnsupported},
		{natsgo.ErrAuthorization, "authorization violation", nil},
		{natsgo.ErrReconnectBufExceeded, "not connected to NATS", nil},
		{natsgo.ErrConnectionClosed, "not connected to NATS", nil},
		{natsgo.ErrTimeout, "did not answer in time", nil},
		{&jetstream.APIError{Code: 400, ErrorCode: 10054, Description: "maximum messages exceeded"}, "NATS refused: maximum messages exceeded", nil},
		{errors.New("nats: something\nwith a second line"), "something with a second line", nil},
	} {
		got := describe(c.err)
		if !strings.Contains(got.Error(), c.want) || strings.Contains(got.Error(), "\n") {
			t.Errorf("describe(%q) = %q, want one line with %q", c.err, got, c.want)
		}
		if !errors.Is(got, c.err) {
			t.Errorf("describe(%q) lost the original error", c.err)
		}
		if c.kind != nil && !errors.Is(got, c.kind) {
			t.Errorf("describe(%q) does not match %v", c.err, c.kind)
		}
	}
	if got := describe(context.Canceled); got != context.Canceled {
		t.Errorf("describe(context.Canceled) = %v, want it unchanged", got)
	}
	in := backend.Invalid("key", "bad")
	if got := describe(in); got != in {
		t.Errorf("describe(InputError) = %v, want it unchanged", got)
	}
}
