package format

import "github.com/dustin/go-humanize"

// HumanBytes renders a size for people: "512 B", "1.0 MB" (SI units, as
// go-humanize writes them). A negative size is unknown.
func HumanBytes(n int64) string {
	if n < 0 {
		return "unknown size"
	}
	return humanize.Bytes(uint64(n))
}
