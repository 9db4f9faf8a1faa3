package format

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/kvdeck/kvdeck/ui/format/codec"
)

// Editing a decoded value: the text the editor opens is what the value
// decodes to through its chain of decoders (the JSON inside gzip, a
// msgpack value as JSON), and the edit is written back through the same
// chain in reverse, each layer re-encoded as it was (same compression and
// framing, the same base64 alphabet). Before the editor opens, every layer
// must round-trip the unchanged value (codec.RoundTrip): a format kvdeck
// can only read (Java, pickle, protobuf without a schema), or one whose
// re-encoding would change the unchanged value, refuses the edit with the
// reason.

// Edit is a value opened for editing through its decoders.
type Edit struct {
	// Text is what the editor opens: the innermost decoded form (JSON
	// pretty-printed when a decoder gives JSON).
	Text []byte
	// Chain names the layers, outermost first ("gzip", "msgpack"); empty
	// when the value is edited as it is.
	Chain []string
	// JSON says Text is JSON (a decoder's JSON form, or JSON bytes).
	JSON   bool
	layers []editLayer
}

type editLayer struct {
	c codec.Codec
	d codec.Decoded
}

// OpenEdit decodes value (whole, not a preview) through the chain that
// mode shows it with, for editing. A mode of JSON, Text or Hex, or Auto
// resolving to one of them, edits the bytes as they are.
func OpenEdit(value []byte, mode Mode, opts Options) (*Edit, error) {
	e := &Edit{}
	cur := value
	for depth := 0; ; depth++ {
		if mode == Auto {
			mode = opts.Decoders.detect(cur, depth, false)
		}
		if mode == JSON || mode == Text || mode == Hex {
			e.Text, e.JSON = cur, mode == JSON
			return e, nil
		}
		if depth >= maxNesting {
			return nil, notEditable("nested encodings deeper than %d", maxNesting)
		}
		c, ok := opts.Decoders.codec(mode)
		if !ok {
			return nil, fmt.Errorf("unknown format %q", mode)
		}
		d, err := c.Decode(cur, opts.limit(), false)
		if err != nil {
			return nil, err
		}
		if err := codec.RoundTrip(c, cur, d, opts.limit()); err != nil {
			return nil, fmt.Errorf("%w: %w", errNotEditable, err)
		}
		e.layers = append(e.layers, editLayer{c, d})
		e.Chain = append(e.Chain, c.Name)
		switch d.View {
		case codec.Bytes:
			cur, mode = d.Out, Auto
		case codec.JSON:
			var pretty bytes.Buffer
			if err := json.Indent(&pretty, d.Out, "", "  "); err != nil {
				return nil, fmt.Errorf("%s: %w", c.Name, err)
			}
			e.Text, e.JSON = pretty.Bytes(), true
			return e, nil
		default:
			// RoundTrip refuses a read-only codec before this.
			return nil, notEditable("%s shows a read-only view", c.Name)
		}
	}
}

// Encode writes edited back through the chain, innermost layer first, and
// returns the value to store.
func (e *Edit) Encode(edited []byte) ([]byte, error) {
	cur := edited
	for i := len(e.layers) - 1; i >= 0; i-- {
		l := e.layers[i]
		out, err := l.c.Encode(l.d, cur)
		if err != nil {
			return nil, fmt.Errorf("writing the edit back as %s: %w", l.c.Name, err)
		}
		cur = out
	}
	return cur, nil
}

// IsNotEditable says err is OpenEdit refusing an edit through the value's
// decoders (as opposed to a value that does not decode).
func IsNotEditable(err error) bool { return errors.Is(err, errNotEditable) }
