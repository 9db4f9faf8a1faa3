package redis

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	goredis "github.com/redis/go-redis/v9"

	"github.com/kvdeck/kvdeck/backend"
)

func backendErr(kind error, format string, args ...any) error {
	return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), kind)
}

func isNetErr(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, goredis.ErrClosed) || strings.Contains(err.Error(), "connection refused")
}

// describe turns a connection or command error into one clear line.
func describe(err error, addr string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	var certErr *tls.CertificateVerificationError
	var unknownAuth x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var recordErr tls.RecordHeaderError
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	case strings.HasPrefix(msg, "WRONGPASS"), strings.Contains(msg, "invalid password"), strings.Contains(msg, "invalid username-password"):
		return fmt.Errorf("%s: wrong user name or password (WRONGPASS)", addr)
	case strings.HasPrefix(msg, "NOAUTH"):
		return fmt.Errorf("%s: the server needs a password; put it in the URL: redis://:PASSWORD@host:port", addr)
	case strings.HasPrefix(msg, "NOPERM"):
		return fmt.Errorf("permission denied by the server's ACL (NOPERM): %s", strings.TrimPrefix(msg, "NOPERM "))
	case errors.As(err, &certErr), errors.As(err, &unknownAuth), errors.As(err, &hostErr):
		return fmt.Errorf("%s: TLS certificate not trusted: %v (pass --tls-ca, or --tls-skip-verify to ignore)", addr, err)
	case errors.As(err, &recordErr), strings.Contains(msg, "tls:"):
		return fmt.Errorf("%s: TLS handshake failed: %v", addr, err)
	case strings.Contains(msg, "connection refused"):
		return fmt.Errorf("%s: connection refused: is Redis running there?", addr)
	case strings.Contains(msg, "no such host"):
		return fmt.Errorf("%s: unknown host", addr)
	case isNetErr(err):
		return fmt.Errorf("%s: cannot reach the server: %v", addr, err)
	}
	return err
}

// conflictMarker starts errors our Lua scripts raise for a lost race.
const conflictMarker = "KVDECK_CONFLICT"

// cmdErr maps a command's error to the contract's errors.
func (s *Store) cmdErr(err error, key string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, conflictMarker):
		return backendErr(backend.ErrConflict, "key %q %s", key, strings.TrimSpace(strings.SplitN(msg, conflictMarker, 2)[1]))
	case strings.HasPrefix(msg, "WRONGTYPE"):
		return backend.Invalid("type", "key %q holds another type: %s", key, msg)
	case strings.HasPrefix(msg, "CROSSSLOT"):
		return backendErr(backend.ErrUnsupported, "keys in different Cluster slots")
	}
	return describe(err, s.address)
}
