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
)

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
