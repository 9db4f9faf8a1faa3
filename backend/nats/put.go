package nats

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/kvdeck/kvdeck/backend"
	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// neverTTL asks publish for a key that outlives the bucket's TTL
// (Nats-TTL: never); it is only ever kept from an existing key.
const neverTTL time.Duration = -1

// keepAttempts bounds how often a write that keeps a key's TTL re-reads the
// key after someone else changed it between the read and the write.
const keepAttempts = 3

// Put writes a value. A per-key TTL is written in the Nats-TTL header, and
// every conditional write uses the expected last subject sequence, so the
// server itself refuses a write over a revision the caller did not see.
//
// TTLKeep (nats.go's Update would drop the TTL) reads the key and publishes
// the new value with the time its expiry has left as a per-key TTL, so the
// expiry instant stays where it was (rounded up to the whole second the
// server counts in), whether it came from the key's own TTL or from the
// bucket's TTL. Where the bucket has a TTL but no per-key TTLs, a write
// necessarily restarts the key's age (Get sets Entry.WriteRestartsTTL). A
// time left shorter than the bucket's marker TTL is raised to it by the
// server; Get then shows the expiry the server applied.
//
// With IfVersion, writing back the bytes the key holds at that revision
// (TTLKeep) writes nothing and returns the same version.
func (s *Store) Put(ctx context.Context, bucket, key string, value []byte, opts backend.PutOptions) (string, error) {
	if err := s.Writable(); err != nil {
		return "", err
	}
	if err := validateKey(key); err != nil {
		return "", err
	}
	var expect *uint64
	if opts.IfVersion != "" {
		rev, err := parseVersion(opts.IfVersion)
		if err != nil {
			return "", err
		}
		expect = &rev
	}
	h, err := s.writable(ctx, bucket)
	if err != nil {
		return "", err
	}
	var cfg jetstream.StreamConfig
	if opts.TTLMode == backend.TTLKeep {
		cfg, err = s.config(ctx, h)
	} else {
		cfg, err = s.freshConfig(ctx, h)
	}
	if err != nil {
		return "", err
	}

	var ttl time.Duration
	switch opts.TTLMode {
	case backend.TTLSet:
		if opts.TTL < 0 {
			return "", backend.Invalid("ttl", "%s is negative", opts.TTL)
		}
		if opts.TTL > 0 {
			if !cfg.AllowMsgTTL {
				return "", perKeyTTLOff(bucket)
			}
			ttl = wholeSeconds(opts.TTL)
			if err := checkKeyTTL(bucket, cfg, ttl); err != nil {
				return "", err
			}
		}
	case backend.TTLNone:
		// Only "never" outlives the bucket's TTL; without per-key TTLs the
		// bucket's TTL applies from this write on.
		if cfg.MaxAge > 0 && cfg.AllowMsgTTL {
			ttl = neverTTL
		}
	case backend.TTLKeep:
		if !opts.IfAbsent {
			return s.putKeeping(ctx, h, cfg, key, value, expect)
		}
	}

	if opts.IfAbsent {
		return s.create(ctx, h, key, value, ttl)
	}
	rev, err := s.publish(ctx, h, key, value, ttl, expect)
	return revisionOf(rev, err), s.writeError(h, key, err)
}

// create writes a key that must not exist. A key whose latest message is a
// delete marker does not exist, so the write expects that marker.
func (s *Store) create(ctx context.Context, h *bucketHandle, key string, value []byte, ttl time.Duration) (string, error) {
	msg, err := s.lastMessage(ctx, h, key)
	if err != nil {
		return "", err
	}
	var seq uint64
	if msg != nil {
		if changeOf(msg.Header) == backend.ChangePut {
			return "", keyExists(h.name, key, nil)
		}
		seq = msg.Sequence
	}
	rev, err := s.publish(ctx, h, key, value, ttl, &seq)
	if err != nil {
		if isWrongLastSequence(err) {
			return "", keyExists(h.name, key, err)
		}
		return "", s.writeError(h, key, err)
	}
	return revisionOf(rev, nil), nil
}

// putKeeping writes value keeping the key's expiry instant, against the
// revision it read. With expect, a key that no longer holds that revision
// is ErrConflict and an unchanged value writes nothing. Without it a
// concurrent change is not the caller's conflict: it reads again and
// retries, so the TTL kept is always the one of the revision replaced.
func (s *Store) putKeeping(ctx context.Context, h *bucketHandle, cfg jetstream.StreamConfig, key string, value []byte, expect *uint64) (string, error) {
	if expect == nil && !cfg.AllowMsgTTL {
		// Nothing to keep: the bucket's TTL, if any, restarts with any write.
		rev, err := s.publish(ctx, h, key, value, 0, nil)
		return revisionOf(rev, err), s.writeError(h, key, err)
	}
	var err error
	for range keepAttempts {
		var msg *jetstream.RawStreamMsg
		msg, err = s.lastMessage(ctx, h, key)
		if err != nil {
			return "", err
		}
		live := msg != nil && changeOf(msg.Header) == backend.ChangePut
		if expect != nil {
			if !live || msg.Sequence != *expect {
				return "", changedSince(h.name, key, msg, nil)
			}
			if bytes.Equal(msg.Data, value) {
				return revisionOf(msg.Sequence, nil), nil
			}
		}
		var seq uint64
		var ttl time.Duration
		if msg != nil {
			seq = msg.Sequence
		}
		if live && cfg.AllowMsgTTL {
			ttl = timeLeft(msg, cfg.MaxAge, time.Now())
		}
		var rev uint64
		rev, err = s.publish(ctx, h, key, value, ttl, &seq)
		if err == nil || !isWrongLastSequence(err) || expect != nil {
			return revisionOf(rev, err), s.writeError(h, key, err)
		}
	}
	return "", s.writeError(h, key, err)
}

// timeLeft is the per-key TTL that keeps a message's expiry instant: what
// is left at now of its own TTL or, without one, of the bucket's (maxAge),
// in whole seconds rounded up; 0 when it never expires, neverTTL when its
// own TTL says never.
func timeLeft(msg *jetstream.RawStreamMsg, maxAge time.Duration, now time.Time) time.Duration {
	if _, never, _ := keyTTL(msg.Header); never {
		return neverTTL
	}
	at := expiresAt(msg.Header, msg.Time, maxAge)
	if at.IsZero() {
		return 0
	}
	return wholeSeconds(at.Sub(now))
}

// checkKeyTTL refuses a per-key TTL the server would not apply as asked,
// so that kvdeck never reports a TTL the key does not have: one longer
// than the bucket's TTL (which removes the message first), and one shorter
// than the bucket's marker TTL (the server raises it to the marker TTL,
// except in a bucket keeping one revision per key).
func checkKeyTTL(bucket string, cfg jetstream.StreamConfig, ttl time.Duration) error {
	if cfg.MaxAge > 0 && ttl > cfg.MaxAge {
		return backend.Invalid("ttl", "%s is longer than the TTL of bucket %s (%s), which removes every value that long after it was written; use at most %s",
			ttl, bucket, cfg.MaxAge, cfg.MaxAge)
	}
	marker := cfg.SubjectDeleteMarkerTTL
	if marker > 0 && cfg.MaxMsgsPerSubject != 1 && int64(ttl/time.Second) < int64(marker.Seconds()) {
		return backend.Invalid("ttl", "%s is shorter than the marker TTL of bucket %s (%s), and NATS raises shorter key TTLs to it; use at least %s, or lower the bucket's marker TTL",
			ttl, bucket, marker, marker)
	}
	return nil
}

// Expire sets a key's TTL to ttl from now by writing its current value
// again with the new TTL, against the revision it read (a change in between
// is ErrConflict, and the other client's value stays). A TTL the server
// would not apply as asked is ErrInvalid naming the bucket's limit (see
// checkKeyTTL). ttl 0 removes the key's expiry: in a bucket with a TTL that
// is a per-key TTL of "never", the only one that outlives the bucket's; in
// a bucket with a TTL but no per-key TTLs it is ErrInvalid, as every key
// there expires. A refresh is the same call again.
func (s *Store) Expire(ctx context.Context, bucket, key string, ttl time.Duration) error {
	if err := s.Writable(); err != nil {
		return err
	}
	if err := validateKey(key); err != nil {
		return err
	}
	if ttl < 0 {
		return backend.Invalid("ttl", "%s is negative", ttl)
	}
	h, err := s.writable(ctx, bucket)
	if err != nil {
		return err
	}
	cfg, err := s.freshConfig(ctx, h)
	if err != nil {
		return err
	}
	if ttl > 0 {
		if !cfg.AllowMsgTTL {
			return perKeyTTLOff(bucket)
		}
		ttl = wholeSeconds(ttl)
		if err := checkKeyTTL(bucket, cfg, ttl); err != nil {
			return err
		}
	}
	msg, err := s.lastMessage(ctx, h, key)
	if err != nil {
		return err
	}
	if msg == nil || changeOf(msg.Header) != backend.ChangePut {
		return keyNotFound(bucket, key, nil)
	}
	if ttl == 0 {
		_, never, has := keyTTL(msg.Header)
		switch {
		case cfg.MaxAge > 0 && !cfg.AllowMsgTTL:
			return backend.Invalid("ttl", "every key in bucket %s expires %s after it was written (the bucket's TTL); enable per-key TTLs to keep a key longer", bucket, cfg.MaxAge)
		case cfg.MaxAge > 0 && never, cfg.MaxAge == 0 && !has:
			return nil // it never expires already
		case cfg.MaxAge > 0:
			ttl = neverTTL
		}
	}
	seq := msg.Sequence
	_, err = s.publish(ctx, h, key, msg.Data, ttl, &seq)
	return s.writeError(h, key, err)
}

// publish stores value for key with an optional TTL (0 none, neverTTL
// never) and, with expect, only if the key's latest revision is expect
// (0: the key has no message).
func (s *Store) publish(ctx context.Context, h *bucketHandle, key string, value []byte, ttl time.Duration, expect *uint64) (uint64, error) {
	m := publishMsg(s.writeSubject(h)+key, value, ttl)
	var opts []jetstream.PublishOpt
	if expect != nil {
		opts = append(opts, jetstream.WithExpectLastSequencePerSubject(*expect))
	}
	ack, err := s.js.PublishMsg(ctx, m, opts...)
	if err != nil {
		return 0, err
	}
	return ack.Sequence, nil
}

// publishMsg is the message that writes value to subject with ttl (see
// publish).
func publishMsg(subject string, value []byte, ttl time.Duration) *natsgo.Msg {
	m := natsgo.NewMsg(subject)
	m.Data = value
	switch {
	case ttl == neverTTL:
		m.Header.Set(jetstream.MsgTTLHeader, "never")
	case ttl > 0:
		m.Header.Set(jetstream.MsgTTLHeader, ttlHeader(ttl))
	}
	return m
}

// writeSubject is the subject prefix writes go to, behind the JetStream
// domain or API prefix as nats.go's KeyValue does. Mirrors are never
// written (see mirrorReason).
func (s *Store) writeSubject(h *bucketHandle) string {
	var b strings.Builder
	switch {
	case s.opts.JSDomain != "":
		b.WriteString("$JS." + s.opts.JSDomain + ".API.")
	case s.opts.JSAPIPrefix != "":
		b.WriteString(strings.TrimSuffix(s.opts.JSAPIPrefix, ".") + ".")
	}
	b.WriteString("$KV." + h.name + ".")
	return b.String()
}

// writeError maps a failed write: a wrong expected revision is ErrConflict.
func (s *Store) writeError(h *bucketHandle, key string, err error) error {
	switch {
	case err == nil:
		return nil
	case isWrongLastSequence(err):
		return conflict(h.name, key, err)
	case isTTLDisabled(err):
		return perKeyTTLOff(h.name)
	case errors.Is(err, jetstream.ErrStreamNotFound), errors.Is(err, jetstream.ErrNoStreamResponse):
		return s.bucketError(h.name, err)
	}
	return describe(err)
}

// revisionOf is the version of a write that stored revision rev.
func revisionOf(rev uint64, err error) string {
	if err != nil {
		return ""
	}
	return strconv.FormatUint(rev, 10)
}

func parseVersion(v string) (uint64, error) {
	rev, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		return 0, backend.Invalid("version", "%q is not a NATS revision", v)
	}
	return rev, nil
}

func isWrongLastSequence(err error) bool {
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) &&
		(apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence ||
			apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequenceConstant)
}

// errCodeMessageTTLDisabled is the server's "per-message TTL is disabled".
const errCodeMessageTTLDisabled = 10166

func isTTLDisabled(err error) bool {
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode == errCodeMessageTTLDisabled
}

func conflict(bucket, key string, cause error) error {
	return &storeError{msg: fmt.Sprintf("key %q in bucket %q changed since it was read", key, bucket), kind: backend.ErrConflict, cause: cause}
}

// changedSince is the conflict of a write conditional on a revision the
// key no longer holds, saying what it holds now (msg, its latest message).
func changedSince(bucket, key string, msg *jetstream.RawStreamMsg, cause error) error {
	var now string
	switch {
	case msg == nil:
		now = "it no longer exists"
	case changeOf(msg.Header) != backend.ChangePut:
		now = fmt.Sprintf("it was %s at revision %d", opVerb(changeOf(msg.Header)), msg.Sequence)
	default:
		now = fmt.Sprintf("it now holds revision %d (%d bytes, written %s)", msg.Sequence, len(msg.Data), msg.Time.Local().Format(time.DateTime))
	}
	return &storeError{msg: fmt.Sprintf("key %q in bucket %q changed since it was read: %s", key, bucket, now), kind: backend.ErrConflict, cause: cause}
}

// opVerb says what a marker did to its key.
func opVerb(op backend.ChangeOp) string {
	switch op {
	case backend.ChangeDelete:
		return "deleted"
	case backend.ChangePurge:
		return "purged"
	case backend.ChangeExpire:
		return "expired"
	}
	return "written"
}

func keyExists(bucket, key string, cause error) error {
	return &storeError{msg: fmt.Sprintf("key %q already exists in bucket %q", key, bucket), kind: backend.ErrConflict, cause: cause}
}

func perKeyTTLOff(bucket string) error {
	return &storeError{msg: fmt.Sprintf("bucket %s does not allow per-key TTL; enable it in the bucket settings", bucket), kind: backend.ErrUnsupported}
}
