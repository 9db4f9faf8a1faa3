package msgpack

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/vmihailenco/msgpack/v5"
)

// encode writes edited typed JSON (see doc.go) as msgpack in the minimal
// encoding the library's Encoder chooses for each value.
func encode(edited []byte) ([]byte, error) {
	n, err := parseJSON(edited)
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

func (e *encoder) value(n *node) error {
	switch n.kind {
	case 'n':
		return e.enc.EncodeNil()
	case 'b':
		return e.enc.EncodeBool(n.text == "true")
	case '0':
		return e.number(n.text)
	case 's':
		return e.enc.EncodeString(n.text)
	case '[':
		if err := e.enc.EncodeArrayLen(len(n.kids)); err != nil {
			return err
		}
		for _, k := range n.kids {
			if err := e.value(k); err != nil {
				return err
			}
		}
		return nil
	}
	if len(n.keys) == 1 && isTyped(n.keys[0]) {
		return e.typed(n.keys[0], n.kids[0])
	}
	if err := e.enc.EncodeMapLen(len(n.keys)); err != nil {
		return err
	}
	for i, k := range n.keys {
		key, err := unescapeKey(k)
		if err != nil {
			return err
		}
		if err := e.enc.EncodeString(key); err != nil {
			return err
		}
		if err := e.value(n.kids[i]); err != nil {
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

func (e *encoder) typed(word string, v *node) error {
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
		if v.kind != 's' {
			return fmt.Errorf("$time: want an RFC 3339 string")
		}
		t, err := time.Parse(time.RFC3339Nano, v.text)
		if err != nil {
			return fmt.Errorf("$time: %v", err)
		}
		return e.enc.EncodeTime(t)
	case "$map":
		if v.kind != '[' {
			return fmt.Errorf("$map: want an array of [key, value] pairs")
		}
		if err := e.enc.EncodeMapLen(len(v.kids)); err != nil {
			return err
		}
		for _, p := range v.kids {
			if p.kind != '[' || len(p.kids) != 2 {
				return fmt.Errorf("$map: want an array of [key, value] pairs")
			}
			if err := e.value(p.kids[0]); err != nil {
				return err
			}
			if err := e.value(p.kids[1]); err != nil {
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

func b64(word string, v *node) ([]byte, error) {
	if v.kind != 's' {
		return nil, fmt.Errorf("%s: want a base64 string", word)
	}
	b, err := base64.StdEncoding.DecodeString(v.text)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", word, err)
	}
	return b, nil
}

// float reads the value of $f32 / $f64 as the float's bits.
func float(word string, v *node, bits int) (uint64, error) {
	switch v.kind {
	case '0':
		f, err := strconv.ParseFloat(v.text, bits)
		if err != nil {
			return 0, fmt.Errorf("%s: %s does not fit", word, v.text)
		}
		if bits == 32 {
			return uint64(math.Float32bits(float32(f))), nil
		}
		return math.Float64bits(f), nil
	case 's':
		if b, ok := parseNonFinite(v.text, bits); ok {
			return b, nil
		}
	}
	return 0, fmt.Errorf(`%s: want a number, "NaN", "+Inf" or "-Inf"`, word)
}

func (e *encoder) ext(v *node) error {
	if v.kind != '{' || len(v.keys) != 2 {
		return fmt.Errorf(`$ext: want {"type":N,"data":"<base64>"}`)
	}
	var typ *node
	var data []byte
	for i, k := range v.keys {
		switch k {
		case "type":
			typ = v.kids[i]
		case "data":
			b, err := b64("$ext data", v.kids[i])
			if err != nil {
				return err
			}
			data = b
		default:
			return fmt.Errorf(`$ext: want {"type":N,"data":"<base64>"}`)
		}
	}
	if typ == nil || data == nil || typ.kind != '0' {
		return fmt.Errorf(`$ext: want {"type":N,"data":"<base64>"}`)
	}
	t, err := strconv.ParseInt(typ.text, 10, 8)
	if err != nil {
		return fmt.Errorf("$ext: type %s is not in -128..127", typ.text)
	}
	if err := e.enc.EncodeExtHeader(int8(t), len(data)); err != nil {
		return err
	}
	e.buf.Write(data)
	return nil
}
