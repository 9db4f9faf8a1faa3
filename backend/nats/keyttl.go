package nats

import (
	"strconv"
	"strings"
	"time"

	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Per-key TTLs live in the Nats-TTL header of a key's latest message: the
// server removes the message that long after it was stored. The server
// counts whole seconds and refuses anything under one second.

// keyTTL reads a message's per-key TTL: the duration, or never set when
// the message must outlive even the bucket's TTL ("never"). ok is false
// when the message has no per-key TTL.
func keyTTL(h natsgo.Header) (ttl time.Duration, never, ok bool) {
	v := h.Get(jetstream.MsgTTLHeader)
	if v == "" {
		return 0, false, false
	}
	if strings.EqualFold(v, "never") {
		return 0, true, true
	}
	if d, err := time.ParseDuration(v); err == nil {
		return d.Truncate(time.Second), false, d >= time.Second
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil && n > 0 {
		return time.Duration(n) * time.Second, false, true
	}
	return 0, false, false
}

// expiresAt is when a message stored at created expires: after its own TTL
// if it has one, else after the bucket's TTL (maxAge), else never (zero).
// The bucket's TTL removes a message with a longer TTL of its own too; only
// "never" outlives it.
func expiresAt(h natsgo.Header, created time.Time, maxAge time.Duration) time.Time {
	ttl, never, ok := keyTTL(h)
	switch {
	case never:
		return time.Time{}
	case ok && (maxAge <= 0 || ttl < maxAge):
		return created.Add(ttl)
	case maxAge > 0:
		return created.Add(maxAge)
	}
	return time.Time{}
}

// wholeSeconds rounds a TTL up to whole seconds, at least one, as the
// server requires; rounding up keeps an expiry instant from moving earlier.
func wholeSeconds(d time.Duration) time.Duration {
	if d <= time.Second {
		return time.Second
	}
	// Not (d + 1s - 1).Truncate: at backend.MaxTTL that wraps negative.
	if r := d % time.Second; r != 0 {
		return d - r + time.Second
	}
	return d
}

// ttlHeader is the Nats-TTL value for ttl, in the whole seconds the server
// counts ("90s").
func ttlHeader(ttl time.Duration) string {
	return strconv.FormatInt(int64(wholeSeconds(ttl)/time.Second), 10) + "s"
}
