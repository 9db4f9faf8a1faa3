package backend

// Guard is embedded by drivers to enforce read-only mode in the backend
// layer: every write method starts with `if err := s.Writable(); err != nil`.
// The conformance suite checks that each write path honours it.
type Guard struct {
	ReadOnly bool
}

// Writable returns ErrReadOnly when the store was opened read-only.
func (g Guard) Writable() error {
	if g.ReadOnly {
		return ErrReadOnly
	}
	return nil
}
