// Package compress holds the codecs of the compression formats services
// store their values in: zstd, lz4 (frame and block), snappy (framed and
// raw), brotli, zlib and raw deflate. Each is a codec.Codec whose Out is the
// decompressed value (codec.Bytes), cut at the caller's limit: a small
// hostile value that inflates to gigabytes allocates about its limit, not
// what it inflates to.
//
// Compression is not Exact: another compressor (or level) writes other
// bytes that decode to the same value, so an edit is written back with this
// package's encoder, keeping what the original framing said where readers
// depend on it (checksums, block size, content size).
package compress

import "github.com/kvdeck/kvdeck/ui/format/codec"

// All lists the compression codecs, those with a magic number first so
// that detection tries the certain ones before the guesses.
func All() []codec.Codec {
	return []codec.Codec{Zstd, LZ4, Snappy, Zlib, Brotli, Deflate}
}
