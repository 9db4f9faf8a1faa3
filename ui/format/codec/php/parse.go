package php

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/kvdeck/kvdeck/ui/format/codec/internal/boundedjson"
)

// PHP's serialize() format is read by hand: no well-kept Go library reads
// it with the bounds a hostile value needs (declared lengths checked
// against the bytes left, nesting bounded) and the exactness an editor
// needs (int vs string keys, key order, float text, references).

// maxDepth bounds nesting of arrays and objects.
const maxDepth = 1000

// errTruncated says the value ends inside an element.
var errTruncated = errors.New("the value ends early (truncated)")

// form is how an array (or an object's properties) is written in JSON.
type form uint8

const (
	formList   form = iota // keys 0..n-1 in order: a JSON array
	formObject             // UTF-8 string keys, all different: a JSON object
	formPairs              // anything else: {"$array":[[k,v],…]}
)

// parser walks one serialized value. Like the msgpack walker it runs
// twice: the first pass (o nil) checks the whole value and decides each
// array's form, the second writes the JSON.
type parser struct {
	b     []byte
	i     int
	depth int

	check  bool   // only validate (Sniff): no allocation that grows with b
	forms  []form // per array or object, in order of appearance
	arrays int

	o   *boundedjson.Writer
	tmp []byte
}

func (p *parser) errorf(format string, args ...any) error {
	return fmt.Errorf("at offset %d: %s", p.i, fmt.Sprintf(format, args...))
}

// expect consumes s.
func (p *parser) expect(s string) error {
	rest := p.b[p.i:]
	if bytes.HasPrefix(rest, []byte(s)) {
		p.i += len(s)
		return nil
	}
	if len(rest) < len(s) && bytes.HasPrefix([]byte(s), rest) {
		return errTruncated
	}
	return p.errorf("want %q", s)
}

// integer reads -?[0-9]+ up to and including term.
func (p *parser) integer(term byte) (int64, error) {
	start := p.i
	if p.i < len(p.b) && p.b[p.i] == '-' {
		p.i++
	}
	digits := p.i
	for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
		p.i++
		if p.i-digits > 19 {
			return 0, p.errorf("number too long")
		}
	}
	if p.i == len(p.b) {
		return 0, errTruncated
	}
	if p.i == digits || p.b[p.i] != term {
		return 0, p.errorf("want digits then %q", term)
	}
	v, err := strconv.ParseInt(string(p.b[start:p.i]), 10, 64)
	if err != nil {
		return 0, p.errorf("%s does not fit in 64 bits", p.b[start:p.i])
	}
	p.i++
	return v, nil
}

// length reads a declared length and checks that many bytes (plus what
// must follow) remain: a claimed 4 GB string allocates nothing.
func (p *parser) length(term byte, after int) (int, error) {
	n, err := p.integer(term)
	if err != nil {
		return 0, err
	}
	if n < 0 {
		return 0, p.errorf("negative length")
	}
	if n > int64(len(p.b)-p.i) {
		return 0, errTruncated
	}
	if n+int64(after) > int64(len(p.b)-p.i) {
		return int(n), errTruncated
	}
	return int(n), nil
}

// quoted reads len:"bytes" (the part after "s:", "O:", "C:", "E:").
func (p *parser) quoted() ([]byte, error) {
	n, err := p.length(':', 0)
	if err != nil {
		return nil, err
	}
	if err := p.expect(`"`); err != nil {
		return nil, err
	}
	if n > len(p.b)-p.i {
		return nil, errTruncated
	}
	s := p.b[p.i : p.i+n]
	p.i += n
	return s, p.expect(`"`)
}

// floatText reads a d: value's text up to ';'.
func (p *parser) floatText() ([]byte, error) {
	start := p.i
	for p.i < len(p.b) && p.b[p.i] != ';' {
		if p.i-start > 64 {
			return nil, p.errorf("float too long")
		}
		p.i++
	}
	if p.i == len(p.b) {
		return nil, errTruncated
	}
	t := p.b[start:p.i]
	p.i++
	if !validFloat(t) {
		return nil, fmt.Errorf("at offset %d: %q is not a PHP float", start, t)
	}
	return t, nil
}

// validFloat accepts what PHP writes for a float: INF, -INF, NAN or a
// decimal number (Go's ParseFloat alone would also take hex and "inf").
func validFloat(t []byte) bool {
	switch string(t) {
	case "INF", "-INF", "NAN":
		return true
	}
	if len(t) == 0 {
		return false
	}
	for _, c := range t {
		if !(c >= '0' && c <= '9' || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') {
			return false
		}
	}
	_, err := strconv.ParseFloat(string(t), 64)
	return err == nil
}

func (p *parser) emit(t []byte) error {
	if p.o == nil {
		return nil
	}
	return p.o.Put(t)
}

// value walks one serialized value.
func (p *parser) value() error {
	if p.i >= len(p.b) {
		return errTruncated
	}
	start := p.i
	c := p.b[p.i]
	switch c {
	case 'N':
		if err := p.expect("N;"); err != nil {
			return err
		}
		return p.emit([]byte("null"))
	case 'b':
		if err := p.expect("b:"); err != nil {
			return err
		}
		if p.i >= len(p.b) {
			return errTruncated
		}
		v := p.b[p.i]
		if v != '0' && v != '1' {
			return p.errorf("want b:0; or b:1;")
		}
		p.i++
		if err := p.expect(";"); err != nil {
			return err
		}
		if v == '1' {
			return p.emit([]byte("true"))
		}
		return p.emit([]byte("false"))
	case 'i':
		if err := p.expect("i:"); err != nil {
			return err
		}
		v, err := p.integer(';')
		if err != nil {
			return err
		}
		p.tmp = strconv.AppendInt(p.tmp[:0], v, 10)
		return p.emit(p.tmp)
	case 'd':
		if err := p.expect("d:"); err != nil {
			return err
		}
		t, err := p.floatText()
		if err != nil || p.o == nil {
			return err
		}
		p.tmp = appendFloat(p.tmp[:0], t)
		return p.o.Put(p.tmp)
	case 's':
		if err := p.expect("s:"); err != nil {
			return err
		}
		s, err := p.quoted()
		if err != nil {
			return err
		}
		if err := p.expect(";"); err != nil {
			return err
		}
		return p.str(s)
	case 'a':
		if err := p.expect("a:"); err != nil {
			return err
		}
		return p.array(nil)
	case 'O':
		if err := p.expect("O:"); err != nil {
			return err
		}
		class, err := p.quoted()
		if err != nil {
			return err
		}
		if !utf8.Valid(class) {
			return fmt.Errorf("at offset %d: class name is not UTF-8", start)
		}
		if err := p.expect(":"); err != nil {
			return err
		}
		return p.array(class)
	case 'C':
		return p.custom()
	case 'E':
		if err := p.expect("E:"); err != nil {
			return err
		}
		name, err := p.quoted()
		if err != nil {
			return err
		}
		if err := p.expect(";"); err != nil {
			return err
		}
		if !utf8.Valid(name) || bytes.IndexByte(name, ':') < 0 {
			return fmt.Errorf("at offset %d: enum case %q is not Class:Case", start, name)
		}
		if p.o == nil {
			return nil
		}
		p.tmp = boundedjson.AppendString(append(p.tmp[:0], `{"$enum":`...), name)
		return p.o.Put(append(p.tmp, '}'))
	case 'r', 'R':
		p.i++
		if err := p.expect(":"); err != nil {
			return err
		}
		v, err := p.integer(';')
		if err != nil {
			return err
		}
		if v < 1 {
			return fmt.Errorf("at offset %d: reference to %d", start, v)
		}
		word := `{"$objref":`
		if c == 'R' {
			word = `{"$ref":`
		}
		p.tmp = append(strconv.AppendInt(append(p.tmp[:0], word...), v, 10), '}')
		return p.emit(p.tmp)
	}
	return p.errorf("%q starts no serialized PHP value", c)
}

// str writes a PHP string: UTF-8 as a JSON string, other bytes as
// {"$bytes":"<base64>"}.
func (p *parser) str(s []byte) error {
	if p.o == nil {
		return nil
	}
	if utf8.Valid(s) {
		return p.o.Str(s)
	}
	return p.o.Wrapped(`{"$bytes":"`, s, `"}`)
}

// custom reads C:len:"Class":n:{data}, a Serializable's own bytes.
func (p *parser) custom() error {
	start := p.i
	if err := p.expect("C:"); err != nil {
		return err
	}
	class, err := p.quoted()
	if err != nil {
		return err
	}
	if !utf8.Valid(class) {
		return fmt.Errorf("at offset %d: class name is not UTF-8", start)
	}
	if err := p.expect(":"); err != nil {
		return err
	}
	n, err := p.length(':', 0)
	if err != nil {
		return err
	}
	if err := p.expect("{"); err != nil {
		return err
	}
	if n > len(p.b)-p.i {
		return errTruncated
	}
	data := p.b[p.i : p.i+n]
	p.i += n
	if err := p.expect("}"); err != nil {
		return err
	}
	if p.o == nil {
		return nil
	}
	t := boundedjson.AppendString([]byte(`{"$custom":{"class":`), class)
	t = append(t, `,"data":`...)
	if utf8.Valid(data) {
		t = boundedjson.AppendString(t, data)
	} else {
		t = append(t, `{"$bytes":"`...)
		t = appendBase64(t, data)
		t = append(t, `"}`...)
	}
	return p.o.Put(append(t, "}}"...))
}
