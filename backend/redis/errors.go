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
		return backend.AuthFailed("%s: wrong user name or password (WRONGPASS)", addr)
	case strings.HasPrefix(msg, "NOAUTH"):
		return backend.AuthFailed("%s: the server needs a password: set REDISCLI_AUTH or pass --password-file or --askpass (not the URL, which other users can read in ps)", addr)
	case strings.HasPrefix(msg, "NOPERM"):
		return fmt.Errorf("permission denied by the server's ACL (NOPERM): %s", strings.TrimPrefix(firstLine(err), "NOPERM "))
	case strings.Contains(msg, scriptACLDenied):
		return errors.New("permission denied by the server's ACL (NOPERM): this user may not run a command this change needs")
	case errors.As(err, &certErr), errors.As(err, &unknownAuth), errors.As(err, &hostErr):
		return fmt.Errorf("%s: TLS certificate not trusted: %v (pass --tls-ca, or --tls-skip-verify to ignore)", addr, err)
	case errors.As(err, &recordErr), strings.Contains(msg, "tls:"):
		return fmt.Errorf("%s: TLS handshake failed: %v", addr, err)
	case strings.Contains(msg, "connection refused"):
		return fmt.Errorf("%s: connection refused: is Redis running there?", addr)
	case strings.Contains(msg, "no such host"):
		return fmt.Errorf("%s: unknown host", addr)
	case isTimeout(err):
		return fmt.Errorf("%s: no answer in time (timeout): is the address right and the server up?", addr)
	case isNetErr(err):
		return fmt.Errorf("%s: connection lost: %s", addr, firstLine(err))
	}
	if strings.Contains(msg, "\n") {
		return errors.New(firstLine(err))
	}
	return err
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// firstLine keeps an error to one line for the status bar.
func firstLine(err error) string {
	m, _, _ := strings.Cut(err.Error(), "\n")
	return strings.TrimSpace(m)
}

func conflict(key, why string) error {
	return backendErr(backend.ErrConflict, "key %q %s", key, why)
}

// wrongType refuses a write of one type over a key of another (Redis's
// WRONGTYPE), rather than silently replacing it.
func wrongType(key, typ string) error {
	return backend.Invalid("type", "key %q holds a %s, not a string (WRONGTYPE); delete it first to replace it", key, typ)
}

// Markers that start the errors kvdeck's Lua scripts raise: a lost race,
// a key that is gone, an expiry instant that has passed.
const (
	conflictMarker = "KVDECK_CONFLICT"
	notFoundMarker = "KVDECK_NOTFOUND"
	expiredMarker  = "KVDECK_EXPIRED"
)

// cmdErr maps a command's error to the contract's errors.
func (s *Store) cmdErr(err error, key string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, conflictMarker):
		_, why, _ := strings.Cut(firstLine(err), conflictMarker)
		return conflict(key, strings.TrimSpace(why))
	case strings.Contains(msg, notFoundMarker):
		return notFound(key)
	case strings.Contains(msg, expiredMarker):
		return backendErr(backend.ErrNotFound, "key %q: its expiry instant has passed, so there is nothing to put back", key)
	case strings.HasPrefix(msg, "WRONGTYPE"):
		return backend.Invalid("type", "key %q holds another type (%s)", key, firstLine(err))
	case strings.HasPrefix(msg, "CROSSSLOT"):
		return backendErr(backend.ErrUnsupported, "keys in different Cluster slots")
	case key != "" && isPermissionDenied(msg):
		return fmt.Errorf("key %q: %w", key, describe(err, s.address))
	}
	return describe(err, s.address)
}

// isPermissionDenied: an ACL refused a command, directly (NOPERM) or
// inside one of kvdeck's scripts.
func isPermissionDenied(msg string) bool {
	return strings.HasPrefix(msg, "NOPERM") || strings.Contains(msg, scriptACLDenied)
}

// scriptACLDenied is how Redis 7 words an ACL refusal inside a script.
const scriptACLDenied = "user executing the script can't run this command"
