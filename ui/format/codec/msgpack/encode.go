package msgpack

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/kvdeck/kvdeck/ui/format/codec/internal/jsontree"
	"github.com/vmihailenco/msgpack/v5"
)

// maxJSONDepth bounds the edited JSON's nesting. Typed JSON nests deeper
// than the value ({"$map":[[k,v]]} is three levels for one), so a value
// within maxDepth can be written back.
const maxJSONDepth = 4 * maxDepth

// encode writes edited typed JSON (see doc.go) as msgpack in the minimal
// encoding the library's Encoder chooses for each value.
func encode(edited []byte) ([]byte, error) {
	n, err := jsontree.Parse(edited, maxJSONDepth)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	e := &encoder{buf: &buf, enc: msgpack.NewEncoder(&buf)}
	if err := e.value(n); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

type encoder struct {
	buf *bytes.Buffer // the Encoder writes straight into it: raw bytes too
	enc *msgpack.Encoder
}

func (e *encoder) value(n *jsontree.Node) error {
	switch n.Kind {
	case 'n':
		return e.enc.EncodeNil()
	case 'b':
		return e.enc.EncodeBool(n.Text == "true")
	case '0':
		return e.number(n.Text)
	case 's':
		return e.enc.EncodeString(n.Text)
	case '[':
		if err := e.enc.EncodeArrayLen(len(n.Kids)); err != nil {
			return err
		}
		for _, k := range n.Kids {
			if err := e.value(k); err != nil {
				return err
			}
		}
		return nil
	}
	if len(n.Keys) == 1 && isTyped(n.Keys[0]) {
		return e.typed(n.Keys[0], n.Kids[0])
	}
	if err := e.enc.EncodeMapLen(len(n.Keys)); err != nil {
		return err
	}
	for i, k := range n.Keys {
		key, err := unescapeKey(k)
		if err != nil {
			return err
		}
		if err := e.enc.EncodeString(key); err != nil {
			return err
		}
		if err := e.value(n.Kids[i]); err != nil {
			return err
		}
	}
	return nil
}

// isTyped says whether an object's only key is a typed-JSON word.
func isTyped(k string) bool { return strings.HasPrefix(k, "$") && !strings.HasPrefix(k, "$$") }

// unescapeKey undoes appendKey: "$$x" is the key "$x".
func unescapeKey(k string) (string, error) {
	if !strings.HasPrefix(k, "$") {
		return k, nil
	}
	if strings.HasPrefix(k, "$$") {
		return k[1:], nil
	}
	return "", fmt.Errorf("key %q: a map key starting with $ is written with $$ (a lone $word is a type and must be the only key)", k)
}

// number writes a JSON number: without '.', 'e' or 'E' an integer
// (negative as int, else uint, exact to 64 bits), otherwise a float64.
func (e *encoder) number(s string) error {
	if !strings.ContainsAny(s, ".eE") {
		if strings.HasPrefix(s, "-") {
			v, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return fmt.Errorf("integer %s does not fit in 64 bits", s)
			}
			return e.enc.EncodeInt(v)
		}
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return fmt.Errorf("integer %s does not fit in 64 bits", s)
		}
		return e.enc.EncodeUint(v)
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return fmt.Errorf("number %s does not fit in a float64", s)
	}
	return e.enc.EncodeFloat64(v)
}

func (e *encoder) typed(word string, v *jsontree.Node) error {
	switch word {
	case "$bin":
		b, err := b64(word, v)
		if err != nil {
			return err
		}
		if err := e.enc.EncodeBytesLen(len(b)); err != nil {
			return err
		}
		e.buf.Write(b)
		return nil
	case "$str64":
		b, err := b64(word, v)
		if err != nil {
			return err
		}
		return e.enc.EncodeString(string(b))
	case "$ext":
		return e.ext(v)
	case "$time":
		if v.Kind != 's' {
			return fmt.Errorf("$time: want an RFC 3339 string")
		}
		t, err := time.Parse(time.RFC3339Nano, v.Text)
		if err != nil {
			return fmt.Errorf("$time: %v", err)
		}
		return e.enc.EncodeTime(t)
	case "$map":
		if v.Kind != '[' {
			return fmt.Errorf("$map: want an array of [key, value] pairs")
		}
		if err := e.enc.EncodeMapLen(len(v.Kids)); err != nil {
			return err
		}
		for _, p := range v.Kids {
			if p.Kind != '[' || len(p.Kids) != 2 {
				return fmt.Errorf("$map: want an array of [key, value] pairs")
			}
			if err := e.value(p.Kids[0]); err != nil {
				return err
			}
			if err := e.value(p.Kids[1]); err != nil {
				return err
			}
		}
		return nil
	case "$f32":
		bits, err := float(word, v, 32)
		if err != nil {
			return err
		}
		return e.enc.EncodeFloat32(math.Float32frombits(uint32(bits)))
	case "$f64":
		bits, err := float(word, v, 64)
		if err != nil {
			return err
		}
		return e.enc.EncodeFloat64(math.Float64frombits(bits))
	}
	return fmt.Errorf("unknown type %s (a map key starting with $ is written with $$)", word)
}

func b64(word string, v *jsontree.Node) ([]byte, error) {
	if v.Kind != 's' {
		return nil, fmt.Errorf("%s: want a base64 string", word)
	}
	b, err := base64.StdEncoding.DecodeString(v.Text)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", word, err)
	}
	return b, nil
}

// float reads the value of $f32 / $f64 as the float's bits.
func float(word string, v *jsontree.Node, bits int) (uint64, error) {
	switch v.Kind {
	case '0':
		f, err := strconv.ParseFloat(v.Text, bits)
		if err != nil {
			return 0, fmt.Errorf("%s: %s does not fit", word, v.Text)
		}
		if bits == 32 {
			return uint64(math.Float32bits(float32(f))), nil
		}
		return math.Float64bits(f), nil
	case 's':
		if b, ok := parseNonFinite(v.Text, bits); ok {
			return b, nil
		}
	}
	return 0, fmt.Errorf(`%s: want a number, "NaN", "+Inf" or "-Inf"`, word)
}

func (e *encoder) ext(v *jsontree.Node) error {
	if v.Kind != '{' || len(v.Keys) != 2 {
		return fmt.Errorf(`$ext: want {"type":N,"data":"<base64>"}`)
	}
	var typ *jsontree.Node
	var data []byte
	for i, k := range v.Keys {
		switch k {
		case "type":
			typ = v.Kids[i]
		case "data":
			b, err := b64("$ext data", v.Kids[i])
			if err != nil {
				return err
			}
			data = b
		default:
			return fmt.Errorf(`$ext: want {"type":N,"data":"<base64>"}`)
		}
	}
	if typ == nil || data == nil || typ.Kind != '0' {
		return fmt.Errorf(`$ext: want {"type":N,"data":"<base64>"}`)
	}
	t, err := strconv.ParseInt(typ.Text, 10, 8)
	if err != nil {
		return fmt.Errorf("$ext: type %s is not in -128..127", typ.Text)
	}
	if err := e.enc.EncodeExtHeader(int8(t), len(data)); err != nil {
		return err
	}
	e.buf.Write(data)
	return nil
}
