//go:build !linux

package redis

// slotsOf returns n zeroed slots from Go's heap (huge pages are advised on
// Linux only: hashset_linux.go).
func slotsOf(n int) ([]uint64, func()) {
	return make([]uint64, n), func() {}
}
