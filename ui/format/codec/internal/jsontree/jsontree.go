// Package jsontree reads edited JSON into a tree that keeps what the
// msgpack and php codecs need to write it back: the order of an object's
// keys and the exact text of its numbers.
package jsontree

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// Node is edited JSON read in order: encoding/json's maps would lose the
// order of an object's keys (which msgpack maps and PHP arrays keep) and
// its float64s the exact value of integers beyond 2^53, so the text is
// read token by token.
type Node struct {
	Kind byte     // 'n' null, 'b' bool, '0' number, 's' string, '[' array, '{' object
	Text string   // number text, string, "true"/"false"
	Keys []string // an object's keys, in order
	Kids []*Node  // an array's elements, or an object's values (Kids[i] is Keys[i]'s)
}

// Parse reads one JSON value (and nothing after it), nested at most
// maxDepth deep.
func Parse(b []byte, maxDepth int) (*Node, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	n, err := readNode(dec, 0, maxDepth)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("JSON: text after the value")
	}
	return n, nil
}

func readNode(dec *json.Decoder, depth, maxDepth int) (*Node, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("JSON: nested more than %d deep", maxDepth)
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("JSON: %w", err)
	}
	switch t := tok.(type) {
	case nil:
		return &Node{Kind: 'n'}, nil
	case bool:
		if t {
			return &Node{Kind: 'b', Text: "true"}, nil
		}
		return &Node{Kind: 'b', Text: "false"}, nil
	case json.Number:
		return &Node{Kind: '0', Text: string(t)}, nil
	case string:
		return &Node{Kind: 's', Text: t}, nil
	case json.Delim:
		n := &Node{Kind: byte(t)}
		for dec.More() {
			if t == '{' {
				k, err := dec.Token()
				if err != nil {
					return nil, fmt.Errorf("JSON: %w", err)
				}
				n.Keys = append(n.Keys, k.(string))
			}
			kid, err := readNode(dec, depth+1, maxDepth)
			if err != nil {
				return nil, err
			}
			n.Kids = append(n.Kids, kid)
		}
		if _, err := dec.Token(); err != nil {
			return nil, fmt.Errorf("JSON: %w", err)
		}
		return n, nil
	}
	return nil, fmt.Errorf("JSON: unexpected %v", tok)
}
