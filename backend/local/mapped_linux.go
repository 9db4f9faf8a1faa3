package local

import (
	"bytes"
	"os"
	"strconv"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/sys/unix"
)

// releaseMapped drops the pages of db's file mapping from kvdeck's address
// space. bbolt reads through a read-only shared mapping of the whole file,
// and a walk of a million keys touches every page of it: each counts in
// kvdeck's resident memory (a 233 MB file of a million keys took the
// listing's peak from about 100 MB to 330 MB) though kvdeck keeps nothing
// of them. MADV_DONTNEED on a shared file mapping only unmaps the pages:
// the file and the page cache keep them, and a later read maps them again
// with the same bytes, so this is safe while transactions read the file.
// It applies only to a shared mapping found in /proc/self/maps at the
// address bbolt reports, whole: a private or anonymous one would lose its
// contents. Call it with a transaction open (bbolt does not move the
// mapping then). Pages dropped while the other walk (the bucket counts run
// beside the listing) still needs them are mapped in again, which costs
// time: listing a 233 MB file of a million keys peaked at 113-125 MB
// instead of 255-280 MB, and took 683 ms instead of 608 ms (medians of
// eight runs each, alternating, 2026-11-30).
func releaseMapped(tx *bolt.Tx) {
	start := tx.DB().Info().Data
	end, ok := sharedMappingEnd(start)
	if !ok {
		return
	}
	_, _, _ = unix.Syscall(unix.SYS_MADVISE, start, end-start, unix.MADV_DONTNEED)
}

// sharedMappingEnd finds the mapping that starts at start in
// /proc/self/maps and returns its end, if it is a shared one.
func sharedMappingEnd(start uintptr) (uintptr, bool) {
	maps, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		return 0, false
	}
	for line := range bytes.Lines(maps) {
		// "7f2c1a000000-7f2c22000000 r--s 00000000 fd:01 123 /path"
		fields := bytes.Fields(line)
		if len(fields) < 2 {
			continue
		}
		lo, hi, ok := bytes.Cut(fields[0], []byte("-"))
		if !ok {
			continue
		}
		s, err1 := strconv.ParseUint(string(lo), 16, 64)
		if err1 != nil || uintptr(s) != start {
			continue
		}
		e, err2 := strconv.ParseUint(string(hi), 16, 64)
		perms := fields[1]
		if err2 != nil || len(perms) < 4 || perms[3] != 's' || uintptr(e) <= start {
			return 0, false
		}
		return uintptr(e), true
	}
	return 0, false
}
