package codec

import (
	"bytes"
	"fmt"
)

// RoundTrip says whether an edit of value through c can be written back:
// nil when Encode of the unchanged decoded form gives value back (Exact)
// or decodes back to the same form; otherwise why not, before the editor
// opens. d is c.Decode(value) of the whole value (not Cut).
func RoundTrip(c Codec, value []byte, d Decoded, limit int64) error {
	if c.Encode == nil {
		return fmt.Errorf("%s: %w", c.Name, ErrReadOnly)
	}
	if d.Cut {
		return fmt.Errorf("%s: the value decodes to more than %d bytes, too large to edit", c.Name, limit)
	}
	again, err := c.Encode(d, d.Out)
	if err != nil {
		return fmt.Errorf("%s: %w: %v", c.Name, ErrNoRoundTrip, err)
	}
	if c.Exact {
		if !bytes.Equal(again, value) {
			return fmt.Errorf("%s: %w", c.Name, ErrNoRoundTrip)
		}
		return nil
	}
	back, err := c.Decode(again, limit, false)
	if err != nil || back.Cut || !bytes.Equal(back.Out, d.Out) {
		return fmt.Errorf("%s: %w", c.Name, ErrNoRoundTrip)
	}
	return nil
}
