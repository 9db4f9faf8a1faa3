package backend

import (
	"errors"
	"fmt"
)

// The errors a driver returns, wrapped with %w so the UI can tell them apart
// with errors.Is while the message keeps the store's detail.
var (
	ErrNotFound    = errors.New("not found")
	ErrConflict    = errors.New("conflict")
	ErrReadOnly    = errors.New("store is read-only")
	ErrUnsupported = errors.New("not supported by this store")
	ErrInvalid     = errors.New("invalid input")
	// ErrAuth: the server wants credentials it was not given, or refused
	// the ones it was given (Redis NOAUTH/WRONGPASS, NATS authorization
	// violation); kvdeck then asks for a password instead of failing.
	ErrAuth = errors.New("authentication needed")
)

// authError is a message that matches ErrAuth, so the message reads as
// the driver wrote it.
type authError struct{ msg string }

func (e *authError) Error() string        { return e.msg }
func (e *authError) Is(target error) bool { return target == ErrAuth }

// AuthFailed is a refused or missing credential, said as msg.
func AuthFailed(format string, args ...any) error {
	return &authError{msg: fmt.Sprintf(format, args...)}
}

// InputError is bad input, naming the field that was wrong and why. It
// matches ErrInvalid with errors.Is.
type InputError struct {
	Field  string
	Reason string
}

func (e *InputError) Error() string { return fmt.Sprintf("invalid %s: %s", e.Field, e.Reason) }

// Is lets errors.Is(err, ErrInvalid) match any InputError.
func (e *InputError) Is(target error) bool { return target == ErrInvalid }

// Invalid builds an InputError.
func Invalid(field, format string, args ...any) error {
	return &InputError{Field: field, Reason: fmt.Sprintf(format, args...)}
}
