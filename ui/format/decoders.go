package format

import (
	"slices"
	"sync"

	"github.com/kvdeck/kvdeck/ui/format/codec"
)

// Decoders are the formats a value can be decoded from beyond JSON, text,
// hex, base64 and gzip: the built-in codecs (compression, msgpack,
// protobuf, PHP, Java, pickle) and those the user configured (a decoder
// command, a protobuf schema), which come first so that they win
// detection. A Decoders is read-only once made and safe to share.
type Decoders struct {
	list []codec.Codec
}

// builtinCodecs are the codecs every kvdeck has, in detection order: the
// ones with a magic number first, then the serializations recognised by
// their grammar.
var builtinCodecs []codec.Codec

var defaultDecoders = sync.OnceValue(func() *Decoders {
	return &Decoders{list: slices.Clone(builtinCodecs)}
})

// Default is the built-in decoders.
func Default() *Decoders { return defaultDecoders() }

// With is ds with extra decoders before its own (a name already there is
// replaced).
func (ds *Decoders) With(extra ...codec.Codec) *Decoders {
	out := &Decoders{list: slices.Clone(extra)}
	for _, c := range ds.list {
		if !slices.ContainsFunc(extra, func(e codec.Codec) bool { return e.Name == c.Name }) {
			out.list = append(out.list, c)
		}
	}
	return out
}

// Has says whether a decoder is named m.
func (ds *Decoders) Has(m Mode) bool {
	_, ok := ds.codec(m)
	return ok
}

// codec is the decoder named m.
func (ds *Decoders) codec(m Mode) (codec.Codec, bool) {
	if ds == nil {
		ds = Default()
	}
	for _, c := range ds.list {
		if c.Name == string(m) {
			return c, true
		}
	}
	if c, ok := builtinLayer(m); ok {
		return c, true
	}
	return codec.Codec{}, false
}

// sniff is the first decoder that recognises b.
func (ds *Decoders) sniff(b []byte) (Mode, bool) {
	if ds == nil {
		ds = Default()
	}
	head := b[:min(len(b), sniffBytes)]
	for _, c := range ds.list {
		if c.Sniff != nil && c.Sniff(head) {
			return Mode(c.Name), true
		}
	}
	return Auto, false
}

// offerDecodeLimit bounds the decoding that proves a tried format.
const offerDecodeLimit = 64 << 10

// offered are the decoders the f cycle offers for b: those that recognise
// it, and, for bytes that are not text, those that offer to try it
// (formats without a magic number: protobuf, raw deflate, brotli) and
// then decode it: a Try is cheap and permissive (raw snappy and lz4
// blocks have next to no structure), and a mode the cycle offers must
// show something. Text parses as some protobuf message by chance often
// enough that offering it for every text value would be noise.
func (ds *Decoders) offered(b []byte, partial bool) []Mode {
	if ds == nil {
		ds = Default()
	}
	head := b[:min(len(b), sniffBytes)]
	text := looksLikeText(head)
	var out []Mode
	for _, c := range ds.list {
		// A decoder with neither (the user's decoder command) is
		// offered for every value.
		always := c.Sniff == nil && c.Try == nil
		tried := func() bool {
			if text || c.Try == nil || !c.Try(b) {
				return false
			}
			_, err := safeDecode(c, b, offerDecodeLimit, partial)
			return err == nil
		}
		if always || c.Sniff != nil && c.Sniff(head) || tried() {
			out = append(out, Mode(c.Name))
		}
	}
	return out
}
