package php

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
)

// encodeValue writes edited typed JSON (doc.go) as serialize() would.
func encodeValue(edited []byte) ([]byte, error) {
	n, err := parseJSON(edited)
	if err != nil {
		return nil, err
	}
	return serialize(nil, n)
}

// encodeSession writes a JSON object of names as a "php" session.
func encodeSession(edited []byte) ([]byte, error) {
	n, err := parseJSON(edited)
	if err != nil {
		return nil, err
	}
	if n.kind != '{' || len(n.keys) == 1 && isTyped(n.keys[0]) {
		return nil, fmt.Errorf("a session is a JSON object of names")
	}
	var out []byte
	for i, k := range n.keys {
		name, err := unescapeKey(k)
		if err != nil {
			return nil, err
		}
		if err := validName(name); err != nil {
			return nil, err
		}
		out = append(append(out, name...), '|')
		if out, err = serialize(out, n.kids[i]); err != nil {
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

func serialize(dst []byte, n *node) ([]byte, error) {
	switch n.kind {
	case 'n':
		return append(dst, "N;"...), nil
	case 'b':
		if n.text == "true" {
			return append(dst, "b:1;"...), nil
		}
		return append(dst, "b:0;"...), nil
	case '0':
		if !strings.ContainsAny(n.text, ".eE") {
			v, err := strconv.ParseInt(n.text, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("integer %s does not fit in 64 bits", n.text)
			}
			return append(strconv.AppendInt(append(dst, "i:"...), v, 10), ';'), nil
		}
		if !validFloat([]byte(n.text)) {
			return nil, fmt.Errorf("number %s does not fit in a float", n.text)
		}
		return append(append(append(dst, "d:"...), n.text...), ';'), nil
	case 's':
		return appendStr(dst, n.text), nil
	case '[':
		return listEntries(append(dst, "a:"...), n)
	}
	if len(n.keys) == 1 && isTyped(n.keys[0]) {
		return typed(dst, n.keys[0], n.kids[0])
	}
	dst = append(dst, "a:"...)
	return entries(dst, n)
}

// entries writes n:{…} for an array or an object's properties: a JSON
// array, object or {"$array":[[k,v],…]}.
func entries(dst []byte, n *node) ([]byte, error) {
	var err error
	switch {
	case n.kind == '[':
		return listEntries(dst, n)
	case n.kind == '{' && len(n.keys) == 1 && n.keys[0] == "$array":
		pairs := n.kids[0]
		if pairs.kind != '[' {
			return nil, fmt.Errorf("$array: want an array of [key, value] pairs")
		}
		dst = strconv.AppendInt(dst, int64(len(pairs.kids)), 10)
		dst = append(dst, ":{"...)
		for _, p := range pairs.kids {
			if p.kind != '[' || len(p.kids) != 2 {
				return nil, fmt.Errorf("$array: want an array of [key, value] pairs")
			}
			if dst, err = key(dst, p.kids[0]); err != nil {
				return nil, err
			}
			if dst, err = serialize(dst, p.kids[1]); err != nil {
				return nil, err
			}
		}
		return append(dst, '}'), nil
	case n.kind == '{' && !(len(n.keys) == 1 && isTyped(n.keys[0])):
		dst = strconv.AppendInt(dst, int64(len(n.keys)), 10)
		dst = append(dst, ":{"...)
		for i, k := range n.keys {
			name, err := unescapeKey(k)
			if err != nil {
				return nil, err
			}
			dst = appendStr(dst, name)
			if dst, err = serialize(dst, n.kids[i]); err != nil {
				return nil, err
			}
		}
		return append(dst, '}'), nil
	}
	return nil, fmt.Errorf("want an array, an object or {\"$array\":…}")
}

// listEntries writes n:{i:0;…} for a JSON array.
func listEntries(dst []byte, n *node) ([]byte, error) {
	dst = strconv.AppendInt(dst, int64(len(n.kids)), 10)
	dst = append(dst, ":{"...)
	var err error
	for i, k := range n.kids {
		dst = append(strconv.AppendInt(append(dst, "i:"...), int64(i), 10), ';')
		if dst, err = serialize(dst, k); err != nil {
			return nil, err
		}
	}
	return append(dst, '}'), nil
}

// key writes an $array pair's key: an integer or a string.
func key(dst []byte, k *node) ([]byte, error) {
	switch {
	case k.kind == '0' && !strings.ContainsAny(k.text, ".eE"):
		return serialize(dst, k)
	case k.kind == 's':
		return appendStr(dst, k.text), nil
	case k.kind == '{' && len(k.keys) == 1 && k.keys[0] == "$bytes":
		return typed(dst, "$bytes", k.kids[0])
	}
	return nil, fmt.Errorf("$array: a key must be an integer or a string")
}

func typed(dst []byte, word string, v *node) ([]byte, error) {
	switch word {
	case "$bytes":
		b, err := b64(v)
		if err != nil {
			return nil, err
		}
		return appendStr(dst, string(b)), nil
	case "$float":
		if v.kind != 's' || !validFloat([]byte(v.text)) {
			return nil, fmt.Errorf(`$float: want "INF", "-INF", "NAN" or a number's text`)
		}
		return append(append(append(dst, "d:"...), v.text...), ';'), nil
	case "$array":
		return entries(append(dst, "a:"...), &node{kind: '{', keys: []string{word}, kids: []*node{v}})
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
		case data.kind == 's':
			raw = data.text
		case data.kind == '{' && len(data.keys) == 1 && data.keys[0] == "$bytes":
			b, err := b64(data.kids[0])
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
		if v.kind != 's' || !strings.Contains(v.text, ":") {
			return nil, fmt.Errorf(`$enum: want "Class:Case"`)
		}
		return append(appendQuoted(append(dst, "E:"...), v.text), ';'), nil
	case "$ref", "$objref":
		if v.kind != '0' {
			return nil, fmt.Errorf("%s: want a number", word)
		}
		r, err := strconv.ParseInt(v.text, 10, 64)
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
func classAnd(v *node, other string) (string, *node, error) {
	if v.kind != '{' || len(v.keys) != 2 || v.keys[0] != "class" || v.keys[1] != other || v.kids[0].kind != 's' {
		return "", nil, fmt.Errorf("class first, then %s", other)
	}
	return v.kids[0].text, v.kids[1], nil
}

func b64(v *node) ([]byte, error) {
	if v.kind != 's' {
		return nil, fmt.Errorf("$bytes: want a base64 string")
	}
	b, err := base64.StdEncoding.DecodeString(v.text)
	if err != nil {
		return nil, fmt.Errorf("$bytes: %v", err)
	}
	return b, nil
}
