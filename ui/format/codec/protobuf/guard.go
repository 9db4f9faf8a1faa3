package protobuf

import "fmt"

// guard runs fn, turning a panic inside the protobuf library into an
// error. Hostile values must never bring the program down, and the
// library does panic on some: protobuf-go v1.36.12 decoding a map entry
// into a dynamicpb message whose key field appears twice, the second time
// with the wrong wire type, calls MapKey on an empty value (found by
// FuzzSchema; testdata/fuzz/FuzzSchema/65d85430f5e9c781).
func guard(what string, fn func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%s: the protobuf library failed on this value: %v", what, r)
		}
	}()
	return fn()
}
