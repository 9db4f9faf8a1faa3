package php

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// node is edited JSON read in order: encoding/json's maps would lose the
// order of a map's keys (which msgpack keeps) and its float64s the exact
// value of integers beyond 2^53, so the text is read token by token.
type node struct {
	kind byte   // 'n' null, 'b' bool, '0' number, 's' string, '[' array, '{' object
	text string // number text, string, "true"/"false"
	keys []string
	kids []*node
}

// parseJSON reads one JSON value (and nothing after it).
func parseJSON(b []byte) (*node, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	n, err := readNode(dec, 0)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("JSON: text after the value")
	}
	return n, nil
}

func readNode(dec *json.Decoder, depth int) (*node, error) {
	// Typed JSON nests deeper than the value ({"$map":[[k,v]]} is three
	// levels for one), so a value within maxDepth can be written back.
	if depth > 4*maxDepth {
		return nil, fmt.Errorf("JSON: nested more than %d deep", 4*maxDepth)
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("JSON: %w", err)
	}
	switch t := tok.(type) {
	case nil:
		return &node{kind: 'n'}, nil
	case bool:
		if t {
			return &node{kind: 'b', text: "true"}, nil
		}
		return &node{kind: 'b', text: "false"}, nil
	case json.Number:
		return &node{kind: '0', text: string(t)}, nil
	case string:
		return &node{kind: 's', text: t}, nil
	case json.Delim:
		n := &node{kind: byte(t)}
		for dec.More() {
			if t == '{' {
				k, err := dec.Token()
				if err != nil {
					return nil, fmt.Errorf("JSON: %w", err)
				}
				n.keys = append(n.keys, k.(string))
			}
			kid, err := readNode(dec, depth+1)
			if err != nil {
				return nil, err
			}
			n.kids = append(n.kids, kid)
		}
		if _, err := dec.Token(); err != nil {
			return nil, fmt.Errorf("JSON: %w", err)
		}
		return n, nil
	}
	return nil, fmt.Errorf("JSON: unexpected %v", tok)
}
