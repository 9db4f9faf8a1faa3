// Package codec is the contract between the value pane and the decoders of
// the formats services store their values in: compression (zstd, lz4,
// snappy, brotli, deflate, zlib), serializations (msgpack, protobuf, PHP,
// Java, Python pickle) and the user's own decoder commands. Each format is
// a Codec in a package of its own under this one; ui/format chains them
// (base64 of gzip of JSON, zstd of msgpack) and shows the chain.
//
// A decoder never trusts its input: every value may be hostile. Decode
// bounds what it allocates by its limit (a 1 KB zstd bomb must not
// allocate a gigabyte: the output is cut at the limit and Cut says so),
// never panics, and never executes anything the value names (a pickle's
// GLOBAL/REDUCE or a Java class is shown, never loaded or run). Its Out
// may hold any bytes; the value pane escapes control bytes when drawing.
package codec

import "errors"

// View says what a Decoded's Out is.
type View uint8

const (
	// Bytes: Out is the inner value itself (decompressed bytes), to be
	// detected and shown again in whatever format suits it.
	Bytes View = iota
	// JSON: Out is valid JSON (UTF-8) that renders the value: the JSON
	// viewer's highlighting, folding and path copy apply. Types JSON
	// has no word for are written as documented by each codec, e.g. a
	// msgpack binary as {"$bin":"<base64>"}.
	JSON
	// Text: Out is a read-only structure listing (a pickle disassembly,
	// a Java object tree), lines of UTF-8 text.
	Text
)

// Decoded is one decoding step's result.
type Decoded struct {
	Out  []byte
	View View
	// Cut says Out stops at the limit Decode was given: the value decodes
	// to more than that.
	Cut bool
	// Detail names the variant found, for the format indicator: "frame",
	// "block", "framed", "raw", "session", "schema acme.User"...
	Detail string
	// Params is what Encode needs to write an edited Out back the same
	// way (framing, checksum, the schema's message type); opaque to the
	// caller.
	Params any
}

// Codec decodes (and, where it can, encodes back) one format.
type Codec struct {
	// Name is the format's name as the indicator and the f cycle show it:
	// "zstd", "lz4", "msgpack"...
	Name string
	// Sniff says whether b, a value's first bytes (it may be a prefix of
	// the value), looks like this format. It is cheap and allocates
	// nothing that grows with b: detection runs it on every value shown.
	// A false positive costs a failed Decode; a format without a magic
	// number (raw snappy, deflate, protobuf) sniffs conservatively and is
	// offered in the f cycle (Try) rather than detected.
	Sniff func(b []byte) bool
	// Try says whether the format is offered in the f cycle for b even
	// though Sniff said no (nil: only when Sniff says yes).
	Try func(b []byte) bool
	// Decode decodes b. Out holds at most limit bytes (Cut set when the
	// value decodes to more); with partial, b is a prefix of the value
	// and a stream that ends early shows what it held. An error says why
	// b is not this format, in words a user understands.
	Decode func(b []byte, limit int64, partial bool) (Decoded, error)
	// Encode writes edited, an edited Out of a Decoded of this codec,
	// back in the same format and framing (d.Params); nil when the format
	// is read-only (Java, pickle, schemaless protobuf). The caller checks
	// before an edit that Encode of the unchanged Out gives the value
	// back (RoundTrip), and refuses the edit otherwise.
	Encode func(d Decoded, edited []byte) ([]byte, error)
	// Exact says a round trip must give the value back byte for byte
	// (serializations: a re-encoding that changes an unchanged value
	// would change its types or order). Without it (compression) a round
	// trip must decode back to the same Out: another compressor's bytes
	// differ, while the owning library reads them back the same.
	Exact bool
}

// ErrReadOnly is RoundTrip's answer for a codec without Encode.
var ErrReadOnly = errors.New("kvdeck can only read this format")

// ErrNoRoundTrip is RoundTrip's answer when re-encoding the unchanged
// value would not give it back.
var ErrNoRoundTrip = errors.New("re-encoding the unchanged value would change it")
