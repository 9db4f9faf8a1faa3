package redis

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// hugeSlots is the least table (in slots) worth its own mapping: 2 MB, one
// huge page.
const hugeSlots = 2 << 20 / 8

// slotsOf returns n zeroed slots and the function that frees them. A table
// of a million keys or more is probed at random, one cache line per key,
// across 16 MB and more: with 4 KB pages nearly every probe also misses the
// TLB. Mapped apart and advised to use huge pages (Linux's default
// "madvise" mode honours that), the same adds took 45-51 ms per million
// instead of 78-88 ms (BenchmarkHashSetMillion). The mapping is outside
// Go's heap, so it does not raise the collector's target either; release
// unmaps it.
func slotsOf(n int) ([]uint64, func()) {
	if n < hugeSlots {
		return make([]uint64, n), func() {}
	}
	mem, err := unix.Mmap(-1, 0, n*8, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANON|unix.MAP_PRIVATE)
	if err != nil {
		return make([]uint64, n), func() {}
	}
	// Advice only: where huge pages are off, the table works the same.
	_ = unix.Madvise(mem, unix.MADV_HUGEPAGE)
	return unsafe.Slice((*uint64)(unsafe.Pointer(unsafe.SliceData(mem))), n), func() { _ = unix.Munmap(mem) }
}
