package php

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"github.com/kvdeck/kvdeck/ui/format/codec/internal/jsontree"
)

// maxJSONDepth bounds the edited JSON's nesting. Typed JSON nests deeper
// than the value ({"$array":[[k,v]]} is three levels for one), so a value
// within maxDepth can be written back.
const maxJSONDepth = 4 * maxDepth

// encodeValue writes edited typed JSON (doc.go) as serialize() would.
func encodeValue(edited []byte) ([]byte, error) {
	n, err := jsontree.Parse(edited, maxJSONDepth)
	if err != nil {
		return nil, err
	}
	return serialize(nil, n)
}

// encodeSession writes a JSON object of names as a "php" session.
func encodeSession(edited []byte) ([]byte, error) {
	n, err := jsontree.Parse(edited, maxJSONDepth)
	if err != nil {
		return nil, err
	}
	if n.Kind != '{' || len(n.Keys) == 1 && isTyped(n.Keys[0]) {
		return nil, fmt.Errorf("a session is a JSON object of names")
	}
	var out []byte
	for i, k := range n.Keys {
		name, err := unescapeKey(k)
		if err != nil {
			return nil, err
		}
		if err := validName(name); err != nil {
			return nil, err
		}
		out = append(append(out, name...), '|')
		if out, err = serialize(out, n.Kids[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// unescapeKey undoes appendKey: "$$x" is the key "$x".
func unescapeKey(k string) (string, error) {
	if !strings.HasPrefix(k, "$") {
		return k, nil
	}
	if strings.HasPrefix(k, "$$") {
		return k[1:], nil
	}
	return "", fmt.Errorf("key %q: a key starting with $ is written with $$ (a lone $word is a type and must be the only key)", k)
}

func appendStr(dst []byte, s string) []byte {
	dst = strconv.AppendInt(append(dst, "s:"...), int64(len(s)), 10)
	dst = append(append(append(dst, ':', '"'), s...), '"', ';')
	return dst
}

func serialize(dst []byte, n *jsontree.Node) ([]byte, error) {
	switch n.Kind {
	case 'n':
		return append(dst, "N;"...), nil
	case 'b':
		if n.Text == "true" {
			return append(dst, "b:1;"...), nil
		}
		return append(dst, "b:0;"...), nil
	case '0':
		if !strings.ContainsAny(n.Text, ".eE") {
			v, err := strconv.ParseInt(n.Text, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("integer %s does not fit in 64 bits", n.Text)
			}
			return append(strconv.AppendInt(append(dst, "i:"...), v, 10), ';'), nil
		}
		if !validFloat([]byte(n.Text)) {
			return nil, fmt.Errorf("number %s does not fit in a float", n.Text)
		}
		return append(append(append(dst, "d:"...), n.Text...), ';'), nil
	case 's':
		return appendStr(dst, n.Text), nil
	case '[':
		return listEntries(append(dst, "a:"...), n)
	}
	if len(n.Keys) == 1 && isTyped(n.Keys[0]) {
		return typed(dst, n.Keys[0], n.Kids[0])
	}
	dst = append(dst, "a:"...)
	return entries(dst, n)
}

// entries writes n:{…} for an array or an object's properties: a JSON
// array, object or {"$array":[[k,v],…]}.
func entries(dst []byte, n *jsontree.Node) ([]byte, error) {
	var err error
	switch {
	case n.Kind == '[':
		return listEntries(dst, n)
	case n.Kind == '{' && len(n.Keys) == 1 && n.Keys[0] == "$array":
		pairs := n.Kids[0]
		if pairs.Kind != '[' {
			return nil, fmt.Errorf("$array: want an array of [key, value] pairs")
		}
		dst = strconv.AppendInt(dst, int64(len(pairs.Kids)), 10)
		dst = append(dst, ":{"...)
		for _, p := range pairs.Kids {
			if p.Kind != '[' || len(p.Kids) != 2 {
				return nil, fmt.Errorf("$array: want an array of [key, value] pairs")
			}
			if dst, err = key(dst, p.Kids[0]); err != nil {
				return nil, err
			}
			if dst, err = serialize(dst, p.Kids[1]); err != nil {
				return nil, err
			}
		}
		return append(dst, '}'), nil
	case n.Kind == '{' && !(len(n.Keys) == 1 && isTyped(n.Keys[0])):
		dst = strconv.AppendInt(dst, int64(len(n.Keys)), 10)
		dst = append(dst, ":{"...)
		for i, k := range n.Keys {
			name, err := unescapeKey(k)
			if err != nil {
				return nil, err
			}
			dst = appendStr(dst, name)
			if dst, err = serialize(dst, n.Kids[i]); err != nil {
				return nil, err
			}
		}
		return append(dst, '}'), nil
	}
	return nil, fmt.Errorf("want an array, an object or {\"$array\":…}")
}

// listEntries writes n:{i:0;…} for a JSON array.
func listEntries(dst []byte, n *jsontree.Node) ([]byte, error) {
	dst = strconv.AppendInt(dst, int64(len(n.Kids)), 10)
	dst = append(dst, ":{"...)
	var err error
	for i, k := range n.Kids {
		dst = append(strconv.AppendInt(append(dst, "i:"...), int64(i), 10), ';')
		if dst, err = serialize(dst, k); err != nil {
			return nil, err
		}
	}
	return append(dst, '}'), nil
}

// key writes an $array pair's key: an integer or a string.
func key(dst []byte, k *jsontree.Node) ([]byte, error) {
	switch {
	case k.Kind == '0' && !strings.ContainsAny(k.Text, ".eE"):
		return serialize(dst, k)
	case k.Kind == 's':
		return appendStr(dst, k.Text), nil
	case k.Kind == '{' && len(k.Keys) == 1 && k.Keys[0] == "$bytes":
		return typed(dst, "$bytes", k.Kids[0])
	}
	return nil, fmt.Errorf("$array: a key must be an integer or a string")
}

func typed(dst []byte, word string, v *jsontree.Node) ([]byte, error) {
	switch word {
	case "$bytes":
		b, err := b64(v)
		if err != nil {
			return nil, err
		}
		return appendStr(dst, string(b)), nil
	case "$float":
		if v.Kind != 's' || !validFloat([]byte(v.Text)) {
			return nil, fmt.Errorf(`$float: want "INF", "-INF", "NAN" or a number's text`)
		}
		return append(append(append(dst, "d:"...), v.Text...), ';'), nil
	case "$array":
		return entries(append(dst, "a:"...), &jsontree.Node{Kind: '{', Keys: []string{word}, Kids: []*jsontree.Node{v}})
	case "$object":
		class, props, err := classAnd(v, "props")
		if err != nil {
			return nil, fmt.Errorf(`$object: want {"class":"…","props":…}: %v`, err)
		}
		dst = appendQuoted(append(dst, "O:"...), class)
		return entries(append(dst, ':'), props)
	case "$custom":
		class, data, err := classAnd(v, "data")
		if err != nil {
			return nil, fmt.Errorf(`$custom: want {"class":"…","data":"…"}: %v`, err)
		}
		var raw string
		switch {
		case data.Kind == 's':
			raw = data.Text
		case data.Kind == '{' && len(data.Keys) == 1 && data.Keys[0] == "$bytes":
			b, err := b64(data.Kids[0])
			if err != nil {
				return nil, err
			}
			raw = string(b)
		default:
			return nil, fmt.Errorf("$custom: data must be a string")
		}
		dst = appendQuoted(append(dst, "C:"...), class)
		dst = strconv.AppendInt(append(dst, ':'), int64(len(raw)), 10)
		return append(append(append(dst, ":{"...), raw...), '}'), nil
	case "$enum":
		if v.Kind != 's' || !strings.Contains(v.Text, ":") {
			return nil, fmt.Errorf(`$enum: want "Class:Case"`)
		}
		return append(appendQuoted(append(dst, "E:"...), v.Text), ';'), nil
	case "$ref", "$objref":
		if v.Kind != '0' {
			return nil, fmt.Errorf("%s: want a number", word)
		}
		r, err := strconv.ParseInt(v.Text, 10, 64)
		if err != nil || r < 1 {
			return nil, fmt.Errorf("%s: want a number from 1", word)
		}
		c := "r:"
		if word == "$ref" {
			c = "R:"
		}
		return append(strconv.AppendInt(append(dst, c...), r, 10), ';'), nil
	}
	return nil, fmt.Errorf("unknown type %s (a key starting with $ is written with $$)", word)
}

// appendQuoted writes len:"s".
func appendQuoted(dst []byte, s string) []byte {
	dst = strconv.AppendInt(dst, int64(len(s)), 10)
	return append(append(append(dst, ':', '"'), s...), '"')
}

// classAnd reads {"class":"…", other:…}.
func classAnd(v *jsontree.Node, other string) (string, *jsontree.Node, error) {
	if v.Kind != '{' || len(v.Keys) != 2 || v.Keys[0] != "class" || v.Keys[1] != other || v.Kids[0].Kind != 's' {
		return "", nil, fmt.Errorf("class first, then %s", other)
	}
	return v.Kids[0].Text, v.Kids[1], nil
}

func b64(v *jsontree.Node) ([]byte, error) {
	if v.Kind != 's' {
		return nil, fmt.Errorf("$bytes: want a base64 string")
	}
	b, err := base64.StdEncoding.DecodeString(v.Text)
	if err != nil {
		return nil, fmt.Errorf("$bytes: %v", err)
	}
	return b, nil
}
