package nats

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/kvdeck/kvdeck/backend"
	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// storeError is an error with one clear line for the status bar, still
// matching both the kvdeck sentinel it stands for and the client error it
// came from with errors.Is and errors.As.
type storeError struct {
	msg   string
	kind  error // a backend sentinel, or nil
	cause error
}

func (e *storeError) Error() string { return e.msg }

func (e *storeError) Unwrap() []error {
	var errs []error
	if e.kind != nil {
		errs = append(errs, e.kind)
	}
	if e.cause != nil {
		errs = append(errs, e.cause)
	}
	return errs
}

// Messages of the connection and JetStream failures users meet.
const (
	msgNoJetStream = "JetStream is not enabled on this server"
	msgNoJSAccount = "JetStream is not enabled for this account"
	msgAuth        = "authorization violation: the server refused these credentials"
	msgAuthExpired = "authorization expired: the credentials are no longer valid"
	msgNoResponder = "no responders: nothing answered the JetStream request (JetStream may be off for this account, or the server is not ready)"
	msgNotConnect  = "not connected to NATS; reconnecting"
	msgTimeout     = "NATS did not answer in time"
)

// describe maps a client error to one clear line. Cancellation and errors
// already described pass through unchanged.
func describe(err error) error {
	var se *storeError
	var ie *backend.InputError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &se), errors.As(err, &ie),
		errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	case errors.Is(err, jetstream.ErrJetStreamNotEnabled), errors.Is(err, natsgo.ErrJetStreamNotEnabled):
		return &storeError{msg: msgNoJetStream, kind: backend.ErrUnsupported, cause: err}
	case errors.Is(err, jetstream.ErrJetStreamNotEnabledForAccount), errors.Is(err, natsgo.ErrJetStreamNotEnabledForAccount):
		return &storeError{msg: msgNoJSAccount, kind: backend.ErrUnsupported, cause: err}
	case errors.Is(err, natsgo.ErrAuthorization):
		return &storeError{msg: msgAuth, kind: backend.ErrAuth, cause: err}
	case errors.Is(err, natsgo.ErrAuthExpired), errors.Is(err, natsgo.ErrAuthRevoked):
		return &storeError{msg: msgAuthExpired, cause: err}
	case errors.Is(err, natsgo.ErrNoResponders), errors.Is(err, jetstream.ErrNoStreamResponse):
		return &storeError{msg: msgNoResponder, cause: err}
	case errors.Is(err, natsgo.ErrConnectionClosed), errors.Is(err, natsgo.ErrConnectionReconnecting),
		errors.Is(err, natsgo.ErrDisconnected), errors.Is(err, natsgo.ErrConnectionDraining),
		errors.Is(err, natsgo.ErrReconnectBufExceeded):
		return &storeError{msg: msgNotConnect, cause: err}
	case errors.Is(err, natsgo.ErrTimeout), errors.Is(err, jetstream.ErrJetStreamPublisherClosed):
		return &storeError{msg: msgTimeout, cause: err}
	}
	var apiErr *jetstream.APIError
	if errors.As(err, &apiErr) && apiErr.Description != "" {
		return &storeError{msg: "NATS refused: " + apiErr.Description, cause: err}
	}
	return &storeError{msg: oneLine(strings.TrimPrefix(err.Error(), "nats: ")), cause: err}
}

// connectError describes a failed first connection, naming the (masked)
// server.
func (s *Store) connectError(err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	if isTLSError(err) {
		return &storeError{msg: fmt.Sprintf("TLS failure with %s: %s", s.address, tlsReason(err)), cause: err}
	}
	if errors.Is(err, natsgo.ErrNoServers) || isNetError(err) {
		return &storeError{msg: fmt.Sprintf("cannot reach NATS at %s: no server accepted the connection", s.address), cause: err}
	}
	d := describe(err)
	var kind error
	if se, ok := d.(*storeError); ok {
		kind = se.kind // ErrAuth stays ErrAuth with the address added
	}
	return &storeError{msg: fmt.Sprintf("%s (%s)", d.Error(), s.address), kind: kind, cause: err}
}

func isTLSError(err error) bool {
	var (
		unknown  x509.UnknownAuthorityError
		hostname x509.HostnameError
		invalid  x509.CertificateInvalidError
		verify   *tls.CertificateVerificationError
		record   tls.RecordHeaderError
	)
	return errors.As(err, &unknown) || errors.As(err, &hostname) || errors.As(err, &invalid) ||
		errors.As(err, &verify) || errors.As(err, &record) ||
		errors.Is(err, natsgo.ErrSecureConnRequired) || errors.Is(err, natsgo.ErrSecureConnWanted) ||
		strings.Contains(err.Error(), "tls:") || strings.Contains(err.Error(), "x509:")
}

// tlsReason keeps the last, most specific part of a TLS error chain.
func tlsReason(err error) string {
	switch {
	case errors.Is(err, natsgo.ErrSecureConnRequired):
		return "the server requires TLS; use tls:// or give a CA"
	case errors.Is(err, natsgo.ErrSecureConnWanted):
		return "the server does not offer TLS; use nats://"
	}
	msg := err.Error()
	if i := strings.LastIndex(msg, "x509: "); i >= 0 {
		return oneLine(msg[i+len("x509: "):])
	}
	if i := strings.LastIndex(msg, "tls: "); i >= 0 {
		return oneLine(msg[i+len("tls: "):])
	}
	return oneLine(msg)
}

func isNetError(err error) bool {
	var opErr *net.OpError
	return errors.As(err, &opErr)
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
