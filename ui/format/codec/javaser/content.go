package javaser

import (
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/kvdeck/kvdeck/ui/format/codec/internal/jsonw"
)

// maxDepth bounds nesting: Java's own reader would overflow its stack
// long before a legitimate stream got there.
const maxDepth = 1000

// errCut stops parsing once the JSON writer is full: the rest cannot be
// shown.
var errCut = errors.New("cut")

// entry is what a handle stands for. Strings, enums and classes are
// values and are written again where referenced; objects and arrays are
// written once and then referred to by handle.
type entry struct {
	id       int
	desc     *classDesc
	str      *string
	enum     string
	class    *classDesc // TC_CLASS
	object   bool
	hasClass bool
}

// parser walks the stream grammar (Java Object Serialization
// Specification, chapter 6) and writes JSON as it goes.
type parser struct {
	r       reader
	w       *jsonw.Writer // where JSON goes: main, or a sink for what is not shown
	main    *jsonw.Writer
	handles []entry
}

func (p *parser) stopped() bool { return p.w == p.main && p.main.Full() }

func (p *parser) newHandle(e entry) int {
	e.id = baseHandle + len(p.handles)
	p.handles = append(p.handles, e)
	return e.id
}

func (p *parser) handle() (*entry, error) {
	h, err := p.r.i32("a handle")
	if err != nil {
		return nil, err
	}
	i := int64(h) - baseHandle
	if i < 0 || i >= int64(len(p.handles)) {
		return nil, p.r.damaged("handle 0x%x refers to nothing read before", uint32(h))
	}
	return &p.handles[i], nil
}

// content reads one item of the stream and writes it. With block, block
// data is allowed (the top level, annotations) and TC_ENDBLOCKDATA ends
// the items (reported by end). A TC_RESET is consumed and writes
// nothing (written is false).
func (p *parser) content(depth int, block bool) (written, end bool, err error) {
	if p.stopped() {
		return false, false, errCut
	}
	if depth > maxDepth {
		return false, false, p.r.damaged("objects nest deeper than %d", maxDepth)
	}
	// ObjectInputStream skips resets where an object is read too.
	for tc, ok := p.r.peek(); !block && ok && tc == tcReset; tc, ok = p.r.peek() {
		p.r.pos++
		p.handles = p.handles[:0]
	}
	start := p.r.pos
	tc, err := p.r.u8("an object")
	if err != nil {
		return false, false, err
	}
	switch tc {
	case tcNull:
		p.w.Null()
	case tcReset:
		p.handles = p.handles[:0]
		return false, false, nil
	case tcEndBlockData:
		if !block {
			p.r.pos = start
			return false, false, p.r.damaged("end of block data where an object belongs")
		}
		return false, true, nil
	case tcBlockData, tcBlockDataLong:
		if !block {
			p.r.pos = start
			return false, false, p.r.damaged("block data where an object belongs")
		}
		p.r.pos = start
		return true, false, p.blockData()
	case tcString, tcLongString:
		var s string
		if tc == tcString {
			s, err = p.r.utf("a string")
		} else {
			s, err = p.r.longUTF("a long string")
		}
		if err != nil {
			return false, false, err
		}
		p.newHandle(entry{str: &s})
		p.w.Str(s)
	case tcReference:
		h, err := p.handle()
		if err != nil {
			return false, false, err
		}
		p.writeRef(h)
	case tcClass:
		d, err := p.classDesc(depth + 1)
		if err != nil {
			return false, false, err
		}
		p.newHandle(entry{class: d, hasClass: true})
		p.writeClass(d)
	case tcClassDesc, tcProxyClassDesc:
		p.r.pos = start
		d, err := p.classDesc(depth + 1)
		if err != nil {
			return false, false, err
		}
		p.w.BeginObject()
		p.w.Name("$classdesc")
		p.w.Str(descLabel(d))
		p.w.End()
	case tcEnum:
		d, err := p.classDesc(depth + 1)
		if err != nil {
			return false, false, err
		}
		h := p.newHandle(entry{desc: nil})
		name, err := p.stringObject()
		if err != nil {
			return false, false, err
		}
		p.handles[h-baseHandle].enum = name
		p.handles[h-baseHandle].desc = d
		p.writeEnum(d, name)
	case tcArray:
		err = p.array(depth)
	case tcObject:
		err = p.object(depth)
	case tcException:
		// The writer failed mid-stream: the handles were reset, the
		// Throwable follows, then another reset.
		p.handles = p.handles[:0]
		p.w.BeginObject()
		p.w.Name("$exception")
		if _, _, err = p.content(depth+1, false); err != nil {
			return false, false, err
		}
		p.w.End()
		p.handles = p.handles[:0]
	default:
		p.r.pos = start
		return false, false, p.r.damaged("byte 0x%02x where an object belongs", tc)
	}
	return true, false, err
}

func descLabel(d *classDesc) string {
	if d == nil {
		return "null"
	}
	return d.label()
}

func (p *parser) writeRef(h *entry) {
	switch {
	case h.str != nil:
		p.w.Str(*h.str)
	case h.enum != "":
		p.writeEnum(h.desc, h.enum)
	case h.hasClass:
		p.writeClass(h.class)
	case h.desc != nil && !h.object:
		p.w.BeginObject()
		p.w.Name("$classdesc")
		p.w.Str(h.desc.label())
		p.w.End()
	default:
		p.w.BeginObject()
		p.w.Name("$ref")
		p.w.Str(handleName(h.id))
		p.w.End()
	}
}

func handleName(id int) string { return "0x" + strconv.FormatInt(int64(id), 16) }

func (p *parser) writeClass(d *classDesc) {
	p.w.BeginObject()
	p.w.Name("$javaclass")
	p.w.Str(descLabel(d))
	p.w.End()
}

func (p *parser) writeEnum(d *classDesc, name string) {
	p.w.BeginObject()
	p.w.Name("$class")
	p.w.Str(descLabel(d))
	p.w.Name("$enum")
	p.w.Str(name)
	p.w.End()
}

// stringObject reads a String where the grammar wants one (a field's
// type, an enum constant): new or a reference.
func (p *parser) stringObject() (string, error) {
	tc, err := p.r.u8("a string")
	if err != nil {
		return "", err
	}
	switch tc {
	case tcString:
		s, err := p.r.utf("a string")
		if err != nil {
			return "", err
		}
		p.newHandle(entry{str: &s})
		return s, nil
	case tcLongString:
		s, err := p.r.longUTF("a string")
		if err != nil {
			return "", err
		}
		p.newHandle(entry{str: &s})
		return s, nil
	case tcReference:
		h, err := p.handle()
		if err != nil {
			return "", err
		}
		if h.str == nil {
			return "", p.r.damaged("handle 0x%x is no string", h.id)
		}
		return *h.str, nil
	}
	p.r.pos--
	return "", p.r.damaged("byte 0x%02x where a string belongs", tc)
}

// blockData writes consecutive data blocks as one {"$block":"<hex>"}: the
// bytes a writeObject or writeExternal wrote with writeInt, writeUTF…
func (p *parser) blockData() error {
	var data []byte
	for {
		tc, ok := p.r.peek()
		if !ok || (tc != tcBlockData && tc != tcBlockDataLong) {
			break
		}
		p.r.pos++
		var n int
		if tc == tcBlockData {
			v, err := p.r.u8("a block's length")
			if err != nil {
				return err
			}
			n = int(v)
		} else {
			v, err := p.r.i32("a block's length")
			if err != nil {
				return err
			}
			if v < 0 {
				return p.r.damaged("a block declares %d bytes", v)
			}
			n = int(v)
		}
		b, err := p.r.take(n, fmt.Sprintf("a block of %d bytes", n))
		if err != nil {
			return err
		}
		data = append(data, b...)
	}
	p.w.BeginObject()
	p.w.Name("$block")
	p.w.Str(hex.EncodeToString(data))
	p.w.End()
	return nil
}

// annotations writes the items up to TC_ENDBLOCKDATA as a JSON array.
func (p *parser) annotations(depth int) error {
	p.w.BeginArray()
	for {
		_, end, err := p.content(depth+1, true)
		if err != nil {
			return err
		}
		if end {
			break
		}
	}
	p.w.End()
	return nil
}

// prim reads and writes one primitive of type c; nothing is written
// when the stream ends before it.
func (p *parser) prim(c byte) error {
	size := primSize(c)
	if size == 0 {
		return p.r.damaged("type code 0x%02x is no Java type", c)
	}
	b, err := p.r.take(size, primName(c))
	if err != nil {
		return err
	}
	var u uint64
	for _, x := range b {
		u = u<<8 | uint64(x)
	}
	switch c {
	case 'B':
		p.w.Int64(int64(int8(u)))
	case 'Z':
		p.w.Bool(u != 0)
	case 'C':
		p.w.Str(string(appendWTF8(nil, rune(u))))
	case 'S':
		p.w.Int64(int64(int16(u)))
	case 'I':
		p.w.Int64(int64(int32(u)))
	case 'J':
		// Beyond 2^53 a JSON reader's float64 would change the number.
		if v := int64(u); v > 1<<53 || v < -(1<<53) {
			p.w.Str(strconv.FormatInt(v, 10))
		} else {
			p.w.Int64(v)
		}
	case 'F':
		p.float(float64(math.Float32frombits(uint32(u))), 32)
	case 'D':
		p.float(math.Float64frombits(u), 64)
	}
	return nil
}

// float writes a float; NaN and the infinities, which JSON lacks, as the
// strings Java prints for them.
func (p *parser) float(v float64, bits int) {
	switch {
	case math.IsNaN(v):
		p.w.Str("NaN")
	case math.IsInf(v, 1):
		p.w.Str("Infinity")
	case math.IsInf(v, -1):
		p.w.Str("-Infinity")
	default:
		p.w.Raw(strconv.FormatFloat(v, 'g', -1, bits))
	}
}
