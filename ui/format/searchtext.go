package format

import (
	"strings"

	"github.com/kvdeck/kvdeck/ui/format/codec"
)

// SearchText is what a search in values matches besides a value's own
// bytes: the text it decodes to through the decoders detection finds
// (gzip, zstd, msgpack, PHP…, in a chain), at most limit bytes, and the
// chain that gave it ("gzip → msgpack"); nil when the value decodes to
// nothing (plain text, JSON, hex). Decoders are bounded by limit, so a
// compression bomb costs the search no more than a large value.
func SearchText(v []byte, limit int64) ([]byte, string) {
	var chain []string
	cur := v
	for depth := 0; depth < maxNesting; depth++ {
		var c codec.Codec
		switch m := Default().detect(cur, depth, false); m {
		case JSON, Text, Hex:
			if len(chain) == 0 {
				return nil, ""
			}
			return cur, strings.Join(chain, " → ")
		default:
			var ok bool
			if c, ok = Default().codec(m); !ok {
				return nil, ""
			}
		}
		d, err := safeDecode(c, cur, limit, true)
		if err != nil {
			return nil, ""
		}
		chain = append(chain, c.Name)
		if d.View != codec.Bytes {
			return d.Out, strings.Join(chain, " → ")
		}
		cur = d.Out
	}
	return nil, ""
}

// safeDecode is c.Decode, a panic turned into an error (see buildCodec).
func safeDecode(c codec.Codec, b []byte, limit int64, partial bool) (d codec.Decoded, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = errPanicked
		}
	}()
	return c.Decode(b, limit, partial)
}

var errPanicked = errNotEditable // any error: the value is left undecoded
