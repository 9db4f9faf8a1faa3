package local

import "fmt"

// backendErr wraps a typed backend error with a message naming the thing.
func backendErr(kind error, format string, args ...any) error {
	return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), kind)
}
