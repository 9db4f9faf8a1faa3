package nats

import (
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
// TTLKeep (nats.go's Update would drop the TTL) reads the key's current TTL
// and publishes the new value with the time that remains, so the expiry
// instant stays where it was (rounded up to the whole second the server
// counts in).
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
	h, cfg, err := s.bucketAndConfig(ctx, bucket)
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
		}
	case backend.TTLKeep:
		if cfg.AllowMsgTTL && !opts.IfAbsent {
			return s.putKeepingTTL(ctx, h, key, value, expect)
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

// putKeepingTTL writes value with the time the key's TTL has left, against
// the revision it read. Without an expected version a concurrent change is
// not the caller's conflict: it reads again and retries.
func (s *Store) putKeepingTTL(ctx context.Context, h *bucketHandle, key string, value []byte, expect *uint64) (string, error) {
	var err error
	for range keepAttempts {
		var msg *jetstream.RawStreamMsg
		msg, err = s.lastMessage(ctx, h, key)
		if err != nil {
			return "", err
		}
		live := msg != nil && changeOf(msg.Header) == backend.ChangePut
		if expect != nil && (!live || msg.Sequence != *expect) {
			return "", conflict(h.name, key, nil)
		}
		var seq uint64
		var ttl time.Duration
		if msg != nil {
			seq = msg.Sequence
		}
		if live {
			ttl = remainingTTL(msg, time.Now())
		}
		var rev uint64
		rev, err = s.publish(ctx, h, key, value, ttl, &seq)
		if err == nil || !isWrongLastSequence(err) || expect != nil {
			return revisionOf(rev, err), s.writeError(h, key, err)
		}
	}
	return "", s.writeError(h, key, err)
}

// remainingTTL is what is left of a message's per-key TTL at now, in whole
// seconds rounded up; 0 when it has none, neverTTL when it never expires.
func remainingTTL(msg *jetstream.RawStreamMsg, now time.Time) time.Duration {
	ttl, never, ok := keyTTL(msg.Header)
	switch {
	case never:
		return neverTTL
	case !ok:
		return 0
	}
	return wholeSeconds(msg.Time.Add(ttl).Sub(now))
}

// Expire sets a key's TTL to ttl from now by writing its current value
// again with the new TTL, against the revision it read (a change in between
// is ErrConflict). ttl 0 writes it without a per-key TTL; the bucket's TTL,
// if any, still applies. A refresh is the same call again.
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
	h, cfg, err := s.bucketAndConfig(ctx, bucket)
	if err != nil {
		return err
	}
	if ttl > 0 && !cfg.AllowMsgTTL {
		return perKeyTTLOff(bucket)
	}
	msg, err := s.lastMessage(ctx, h, key)
	if err != nil {
		return err
	}
	if msg == nil || changeOf(msg.Header) != backend.ChangePut {
		return keyNotFound(bucket, key, nil)
	}
	if ttl == 0 {
		if _, _, has := keyTTL(msg.Header); !has {
			return nil // nothing to remove
		}
	} else {
		ttl = wholeSeconds(ttl)
	}
	seq := msg.Sequence
	_, err = s.publish(ctx, h, key, msg.Data, ttl, &seq)
	return s.writeError(h, key, err)
}

// publish stores value for key with an optional TTL (0 none, neverTTL
// never) and, with expect, only if the key's latest revision is expect
// (0: the key has no message).
func (s *Store) publish(ctx context.Context, h *bucketHandle, key string, value []byte, ttl time.Duration, expect *uint64) (uint64, error) {
	m := natsgo.NewMsg(s.writeSubject(ctx, h) + key)
	m.Data = value
	switch {
	case ttl == neverTTL:
		m.Header.Set(jetstream.MsgTTLHeader, "never")
	case ttl > 0:
		m.Header.Set(jetstream.MsgTTLHeader, ttlHeader(ttl))
	}
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

// writeSubject is the subject prefix writes go to: the bucket's, or the
// origin's for a mirror, behind the JetStream domain or API prefix as
// nats.go's KeyValue does.
func (s *Store) writeSubject(ctx context.Context, h *bucketHandle) string {
	var b strings.Builder
	switch {
	case s.opts.JSDomain != "":
		b.WriteString("$JS." + s.opts.JSDomain + ".API.")
	case s.opts.JSAPIPrefix != "":
		b.WriteString(strings.TrimSuffix(s.opts.JSAPIPrefix, ".") + ".")
	}
	cfg, err := s.config(ctx, h)
	if err == nil && cfg.Mirror != nil {
		origin := strings.TrimPrefix(cfg.Mirror.Name, "KV_")
		if ext := cfg.Mirror.External; ext != nil && ext.APIPrefix != "" {
			return ext.APIPrefix + ".$KV." + origin + "."
		}
		b.WriteString("$KV." + origin + ".")
		return b.String()
	}
	b.WriteString(h.prefix)
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

func keyExists(bucket, key string, cause error) error {
	return &storeError{msg: fmt.Sprintf("key %q already exists in bucket %q", key, bucket), kind: backend.ErrConflict, cause: cause}
}

func perKeyTTLOff(bucket string) error {
	return &storeError{msg: fmt.Sprintf("bucket %s does not allow per-key TTL; enable it in the bucket settings", bucket), kind: backend.ErrUnsupported}
}
