package local

import (
	"errors"
	"fmt"
	"io/fs"

	"github.com/kvdeck/kvdeck/backend"
)

// backendErr wraps a typed backend error with a message naming the thing.
func backendErr(kind error, format string, args ...any) error {
	return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), kind)
}

func keyNotFound(bucket, key string) error {
	return backendErr(backend.ErrNotFound, "key %q in bucket %q", key, bucket)
}

func bucketNotFound(path string) error {
	return backendErr(backend.ErrNotFound, "bucket %q", path)
}

// osReason is the operating system's reason without the path that a
// *fs.PathError repeats, so a message names the file once.
func osReason(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
