package javaser

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/kvdeck/kvdeck/ui/format/codec"
	"github.com/kvdeck/kvdeck/ui/format/codec/internal/jsonw"
)

// Hand-written: no Go library for Java serialization is served to this
// build (github.com/jkeys089/jserial is not on the module proxy), and the
// grammar is a small documented state machine that must stay bounded and
// never resolve a class.

// magic is STREAM_MAGIC and STREAM_VERSION 5.
var magic = []byte{0xac, 0xed, 0x00, 0x05}

// Codec reads java.io.ObjectOutputStream streams as JSON (layout in
// doc.go). Read-only: kvdeck never writes one back.
var Codec = codec.Codec{
	Name:   "java",
	Sniff:  func(b []byte) bool { return bytes.HasPrefix(b, magic) },
	Decode: decode,
	Exact:  true,
}

// streamWrap is the room {"$stream": … } takes around several items.
const streamWrap = len(`{"$stream":}`)

func decode(b []byte, limit int64, partial bool) (codec.Decoded, error) {
	if !bytes.HasPrefix(b, magic) {
		if len(b) >= 2 && b[0] == 0xac && b[1] == 0xed {
			return codec.Decoded{}, errors.New("not a Java serialization stream: its version is not 5")
		}
		return codec.Decoded{}, errors.New("not a Java serialization stream: it does not start with AC ED 00 05")
	}
	// The items are written as a JSON array, whose brackets one item
	// drops and several keep inside the wrap.
	d, items, err := decodeItems(b, limit+2, partial)
	if err == nil && items > 1 && int64(len(d.Out)+streamWrap) > limit {
		// Again, leaving room for the wrap.
		d, items, err = decodeItems(b, limit-int64(streamWrap), partial)
	}
	if err != nil || items <= 1 {
		return d, err
	}
	d.Out = append(append([]byte(`{"$stream":`), d.Out...), '}')
	d.Detail = fmt.Sprintf("stream of %d items", items)
	return d, nil
}

// decodeItems writes the stream's items into a JSON array of at most
// limit bytes and unwraps it when there is one item (the count is only
// known at the end). It returns how many items were begun.
func decodeItems(b []byte, limit int64, partial bool) (codec.Decoded, int, error) {
	w := jsonw.New(limit)
	p := &parser{r: reader{b: b, pos: len(magic)}, w: w, main: w}
	w.BeginArray()
	begun := 0
	detail := "stream"
	var err error
	for p.r.left() > 0 {
		if b[p.r.pos] != tcReset {
			begun++
		}
		if _, _, err = p.content(0, true); err != nil {
			break
		}
		if p.r.pos < len(b) && b[p.r.pos] == tcEndBlockData {
			err = p.r.damaged("end of block data outside any object")
			break
		}
	}
	cut := false
	var d *damage
	switch {
	case err == nil:
		w.End()
	case errors.Is(err, errCut):
		cut = true
	case partial && errors.As(err, &d) && d.short:
		detail = "stream, ends early"
	default:
		return codec.Decoded{}, 0, err
	}
	cut = cut || w.Full()
	out := w.Finish()
	if len(out) <= 2 && !cut {
		if err != nil {
			return codec.Decoded{}, 0, err
		}
		return codec.Decoded{}, 0, errors.New("not a Java serialization stream: it holds nothing after its header")
	}
	switch {
	case len(out) < 2:
		out = nil // not even the array fitted
	case begun <= 1:
		out = out[1 : len(out)-1]
	}
	return codec.Decoded{Out: out, View: codec.JSON, Cut: cut, Detail: detail}, begun, nil
}
