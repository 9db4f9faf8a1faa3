package javaser

import (
	"fmt"
	"strings"

	"github.com/kvdeck/kvdeck/ui/format/codec/internal/jsonw"
)

// The stream's constants (java.io.ObjectStreamConstants).
const (
	tcNull           = 0x70
	tcReference      = 0x71
	tcClassDesc      = 0x72
	tcObject         = 0x73
	tcString         = 0x74
	tcArray          = 0x75
	tcClass          = 0x76
	tcBlockData      = 0x77
	tcEndBlockData   = 0x78
	tcReset          = 0x79
	tcBlockDataLong  = 0x7a
	tcException      = 0x7b
	tcLongString     = 0x7c
	tcProxyClassDesc = 0x7d
	tcEnum           = 0x7e

	baseHandle = 0x7e0000

	scWriteMethod    = 0x01
	scBlockData      = 0x08
	scSerializable   = 0x02
	scExternalizable = 0x04
	scEnum           = 0x10
)

// classDesc is a class as the stream describes it: names only. No class
// is ever loaded: the fields' types come from the stream.
type classDesc struct {
	name   string
	suid   int64
	flags  byte
	fields []field
	super  *classDesc
	proxy  []string // a proxy class's interfaces
}

type field struct {
	typ  byte // B C D F I J S Z, or L (object) and [ (array)
	name string
	cls  string // the declared type of an object field, "Ljava/lang/String;"
}

// label is the class's name as the JSON shows it: Java source syntax for
// arrays ("int[]", "java.lang.String[]"), the interfaces of a proxy.
func (d *classDesc) label() string {
	if d.proxy != nil {
		return "proxy(" + strings.Join(d.proxy, ", ") + ")"
	}
	return typeName(d.name)
}

// typeName turns a JVM descriptor or an array class name into source
// syntax; any other name is returned as is.
func typeName(n string) string {
	dims := 0
	for dims < len(n) && n[dims] == '[' {
		dims++
	}
	base := n[dims:]
	if base == "" {
		return n // "[[[": no element type, shown as written
	}
	if dims > 0 || (len(base) > 1 && base[0] == 'L' && strings.HasSuffix(base, ";")) {
		switch {
		case len(base) == 1:
			base = primName(base[0])
		case base[0] == 'L' && strings.HasSuffix(base, ";"):
			base = strings.ReplaceAll(base[1:len(base)-1], "/", ".")
		}
	}
	return base + strings.Repeat("[]", dims)
}

func primName(c byte) string {
	switch c {
	case 'B':
		return "byte"
	case 'C':
		return "char"
	case 'D':
		return "double"
	case 'F':
		return "float"
	case 'I':
		return "int"
	case 'J':
		return "long"
	case 'S':
		return "short"
	case 'Z':
		return "boolean"
	}
	return string(c)
}

// primSize is the bytes a primitive takes; 0 for objects.
func primSize(c byte) int {
	switch c {
	case 'B', 'Z':
		return 1
	case 'C', 'S':
		return 2
	case 'I', 'F':
		return 4
	case 'J', 'D':
		return 8
	}
	return 0
}

// chain is d and its serializable superclasses, the topmost first: the
// order their data is written in. A hostile stream can make a class its
// own superclass by a reference: that is an error, not a loop.
func (p *parser) chain(d *classDesc) ([]*classDesc, error) {
	var c []*classDesc
	seen := map[*classDesc]bool{}
	for x := d; x != nil; x = x.super {
		if seen[x] || len(c) > maxDepth {
			return nil, p.r.damaged("class %s is its own superclass", d.label())
		}
		seen[x] = true
		c = append(c, x)
	}
	for i, j := 0, len(c)-1; i < j; i, j = i+1, j-1 {
		c[i], c[j] = c[j], c[i]
	}
	return c, nil
}

// classDesc reads a classDesc: a new one, a proxy, null or a reference.
func (p *parser) classDesc(depth int) (*classDesc, error) {
	if depth > maxDepth {
		return nil, p.r.damaged("class descriptions nest deeper than %d", maxDepth)
	}
	tc, err := p.r.u8("a class description")
	if err != nil {
		return nil, err
	}
	switch tc {
	case tcNull:
		return nil, nil
	case tcReference:
		h, err := p.handle()
		if err != nil {
			return nil, err
		}
		if h.desc == nil {
			return nil, p.r.damaged("handle 0x%x is no class description", h.id)
		}
		return h.desc, nil
	case tcClassDesc:
		d := &classDesc{}
		if d.name, err = p.r.utf("a class name"); err != nil {
			return nil, err
		}
		if d.suid, err = p.r.i64("a serialVersionUID"); err != nil {
			return nil, err
		}
		p.newHandle(entry{desc: d})
		if d.flags, err = p.r.u8("class flags"); err != nil {
			return nil, err
		}
		n, err := p.r.u16("a field count")
		if err != nil {
			return nil, err
		}
		if int(n)*3 > p.r.left() {
			return nil, p.r.short(fmt.Sprintf("%d field descriptions", n))
		}
		d.fields = make([]field, 0, n)
		for range n {
			var f field
			if f.typ, err = p.r.u8("a field type"); err != nil {
				return nil, err
			}
			if f.name, err = p.r.utf("a field name"); err != nil {
				return nil, err
			}
			switch f.typ {
			case 'B', 'C', 'D', 'F', 'I', 'J', 'S', 'Z':
			case 'L', '[':
				if f.cls, err = p.stringObject(); err != nil {
					return nil, err
				}
			default:
				return nil, p.r.damaged("field %q has type code 0x%02x, no Java type", f.name, f.typ)
			}
			d.fields = append(d.fields, f)
		}
		return d, p.descRest(d, depth)
	case tcProxyClassDesc:
		d := &classDesc{proxy: []string{}}
		p.newHandle(entry{desc: d})
		n, err := p.r.i32("an interface count")
		if err != nil {
			return nil, err
		}
		if n < 0 || n > 65535 {
			return nil, p.r.damaged("a proxy class declares %d interfaces", n)
		}
		if int(n)*2 > p.r.left() {
			return nil, p.r.short(fmt.Sprintf("%d interface names", n))
		}
		for range n {
			s, err := p.r.utf("an interface name")
			if err != nil {
				return nil, err
			}
			d.proxy = append(d.proxy, s)
		}
		d.flags = scSerializable
		return d, p.descRest(d, depth)
	}
	p.r.pos--
	return nil, p.r.damaged("byte 0x%02x where a class description belongs", tc)
}

// descRest reads a class description's annotation and its superclass.
// The annotation (written by ObjectOutputStream.annotateClass, as RMI
// does with codebases) is read for its handles and not shown.
func (p *parser) descRest(d *classDesc, depth int) error {
	saved := p.w
	p.w = jsonw.New(0)
	err := p.annotations(depth + 1)
	p.w = saved
	if err != nil {
		return err
	}
	d.super, err = p.classDesc(depth + 1)
	return err
}
