package format

import (
	"github.com/kvdeck/kvdeck/ui/format/codec/compress"
	"github.com/kvdeck/kvdeck/ui/format/codec/javaser"
	"github.com/kvdeck/kvdeck/ui/format/codec/msgpack"
	"github.com/kvdeck/kvdeck/ui/format/codec/php"
	"github.com/kvdeck/kvdeck/ui/format/codec/pickle"
	"github.com/kvdeck/kvdeck/ui/format/codec/protobuf"
)

func init() {
	// Detection order: the formats with a magic number first
	// (compression: zstd, lz4, framed snappy, zlib; a Java stream, a
	// pickle), then those recognised by their grammar (PHP, msgpack's map
	// and array headers), protobuf last (its Sniff asks the most); raw
	// snappy, lz4 blocks, brotli, raw deflate and the pickle disassembly
	// have no magic number and are only offered (Try).
	builtinCodecs = append(builtinCodecs, compress.All()...)
	builtinCodecs = append(builtinCodecs,
		javaser.Codec,
		pickle.Codec,
		php.Session,
		php.Serialize,
		msgpack.Codec,
		protobuf.Schemaless,
		pickle.Disassembly,
	)
}
