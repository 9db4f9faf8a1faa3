package pickle

import (
	"errors"
	"fmt"

	"github.com/kvdeck/kvdeck/ui/format/codec"
	"github.com/kvdeck/kvdeck/ui/format/codec/internal/jsonw"
)

// Hand-written rather than github.com/nlpodyssey/gopickle (served by the
// module proxy): gopickle builds Python-like objects by calling a
// FindClass hook for every GLOBAL, has no bound on what a hostile pickle
// makes it allocate, gives no disassembly, and would be a new dependency
// for a format of some 70 documented opcodes.

// Codec reads pickles as JSON (layout in doc.go). Read-only: kvdeck never
// writes a pickle back.
var Codec = codec.Codec{
	Name:   "pickle",
	Sniff:  sniff,
	Decode: decode,
	Exact:  true,
}

// Disassembly shows a pickle's opcodes as pickletools.dis does; it is
// offered in the f cycle for what Codec sniffs, never detected itself.
var Disassembly = codec.Codec{
	Name:   "pickle opcodes",
	Sniff:  func([]byte) bool { return false },
	Try:    sniff,
	Decode: decodeDis,
	Exact:  true,
}

func decode(b []byte, limit int64, partial bool) (codec.Decoded, error) {
	if err := notPickle(b); err != nil {
		return codec.Decoded{}, err
	}
	m := newMachine(b)
	root, end, err := m.run()
	detail := fmt.Sprintf("protocol %d", m.proto)
	var d *damage
	if err != nil {
		if !partial || !errors.As(err, &d) || !d.short {
			return codec.Decoded{}, err
		}
		// A prefix: show what the stack held where it stops.
		root = &node{kind: kList, memo: -1}
		for i, n := range m.stack {
			for _, at := range m.marks {
				if at == i {
					root.items = append(root.items, &node{kind: kMark, memo: -1})
				}
			}
			root.items = append(root.items, n)
		}
		detail += ", unfinished"
	} else if end < len(b) {
		detail += fmt.Sprintf(", %d bytes after STOP", len(b)-end)
	}
	w := jsonw.New(limit)
	if d != nil {
		w.BeginObject()
		w.Name("$unfinished")
	}
	if err := render(w, root, 0); err != nil {
		return codec.Decoded{}, err
	}
	if d != nil {
		w.End()
	}
	cut := w.Full()
	return codec.Decoded{Out: w.Finish(), View: codec.JSON, Cut: cut, Detail: detail}, nil
}

func decodeDis(b []byte, limit int64, partial bool) (codec.Decoded, error) {
	if err := notPickle(b); err != nil {
		return codec.Decoded{}, err
	}
	text, cut, err := disassemble(b, limit)
	if err != nil {
		var d *damage
		if !partial || !errors.As(err, &d) || !d.short {
			return codec.Decoded{}, err
		}
	}
	return codec.Decoded{Out: []byte(text), View: codec.Text, Cut: cut, Detail: "opcodes"}, nil
}

// notPickle rejects what does not even start like a pickle, in words.
func notPickle(b []byte) error {
	if len(b) == 0 {
		return errors.New("not a pickle: the value is empty")
	}
	if opcodes[b[0]].name == "" {
		return fmt.Errorf("not a pickle: it starts with byte 0x%02x, no pickle opcode", b[0])
	}
	if b[0] == 0x80 && len(b) > 1 && b[1] > 5 {
		return fmt.Errorf("not a pickle: protocol %d does not exist (Python knows 0 to 5)", b[1])
	}
	return nil
}
