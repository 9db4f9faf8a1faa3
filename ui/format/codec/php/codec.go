package php

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/kvdeck/kvdeck/ui/format/codec"
	"github.com/kvdeck/kvdeck/ui/format/codec/internal/boundedjson"
)

// sniffBytes bounds what Sniff looks at.
const sniffBytes = 64 << 10

// Serialize decodes a PHP serialize() value to typed JSON (doc.go).
var Serialize = codec.Codec{
	Name:  "php",
	Sniff: func(b []byte) bool { return sniffStart(b) && valid(b, false) },
	Decode: func(b []byte, limit int64, partial bool) (codec.Decoded, error) {
		return decode(b, limit, partial, false)
	},
	Encode: func(_ codec.Decoded, edited []byte) ([]byte, error) { return encodeValue(edited) },
	Exact:  true,
}

// Session decodes $_SESSION as session.serialize_handler=php stores it.
var Session = codec.Codec{
	Name:  "php session",
	Sniff: sniffSession,
	Decode: func(b []byte, limit int64, partial bool) (codec.Decoded, error) {
		return decode(b, limit, partial, true)
	},
	Encode: func(_ codec.Decoded, edited []byte) ([]byte, error) { return encodeSession(edited) },
	Exact:  true,
}

// sniffStart checks the grammar at the start of b: a:N:{ O:N:" C:N:"
// s:N:" E:N:" i:-?N; d:…; b:[01]; N;, before parsing any further.
func sniffStart(b []byte) bool {
	if len(b) < 2 {
		return false
	}
	if b[0] == 'N' {
		return b[1] == ';'
	}
	if b[1] != ':' {
		return false
	}
	rest := b[2:]
	digits := func(allowMinus bool) int {
		i := 0
		if allowMinus && i < len(rest) && rest[i] == '-' {
			i++
		}
		s := i
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' && i-s < 20 {
			i++
		}
		if i == s {
			return -1
		}
		return i
	}
	switch b[0] {
	case 'a':
		i := digits(false)
		return i > 0 && bytes.HasPrefix(rest[i:], []byte(":{"))
	case 'O', 'C', 's', 'E':
		i := digits(false)
		return i > 0 && bytes.HasPrefix(rest[i:], []byte(`:"`))
	case 'i':
		i := digits(true)
		return i > 0 && i < len(rest) && rest[i] == ';'
	case 'd':
		i := bytes.IndexByte(rest[:min(len(rest), 66)], ';')
		return i > 0 && validFloat(rest[:i])
	case 'b':
		return len(rest) >= 2 && (rest[0] == '0' || rest[0] == '1') && rest[1] == ';'
	}
	return false
}

// sniffSession: name| then a value's start; names are short and have no
// control bytes, which keeps "a|b" text from looking like a session.
func sniffSession(b []byte) bool {
	bar := bytes.IndexByte(b[:min(len(b), 256)], '|')
	if bar <= 0 {
		return false
	}
	return nameLike(b[:bar]) && sniffStart(b[bar+1:]) && valid(b, true)
}

// valid parses the sniffed prefix (the start of b that Sniff sees; a
// value cut by that bound counts) allocating nothing that grows with b.
func valid(b []byte, session bool) bool {
	p := &parser{b: b[:min(len(b), sniffBytes)], check: true}
	var err error
	if session {
		err = p.session()
	} else {
		err = p.value()
	}
	if errors.Is(err, errTruncated) {
		return true // b may be a prefix of the value
	}
	return err == nil && p.i == len(p.b)
}

func decode(b []byte, limit int64, partial, session bool) (codec.Decoded, error) {
	name := "php"
	if session {
		name = "php session"
	}
	if len(b) == 0 {
		return codec.Decoded{}, fmt.Errorf("%s: the value is empty", name)
	}
	run := func(p *parser) error {
		if session {
			return p.session()
		}
		return p.value()
	}
	// First pass: the whole value is checked and arrays' forms decided.
	p := &parser{b: b}
	err := run(p)
	truncated := errors.Is(err, errTruncated)
	switch {
	case err != nil && !(truncated && partial):
		return codec.Decoded{}, fmt.Errorf("%s: %w", name, err)
	case err == nil && p.i < len(b):
		return codec.Decoded{}, fmt.Errorf("%s: %d bytes after the value", name, len(b)-p.i)
	}
	forms := p.forms
	p = &parser{b: b, forms: forms, o: boundedjson.New(limit, 2*len(b)+16)}
	err = run(p)
	if err != nil && !errors.Is(err, boundedjson.ErrCut) && !errors.Is(err, errTruncated) {
		return codec.Decoded{}, fmt.Errorf("%s: %w", name, err)
	}
	res := codec.Decoded{View: codec.JSON, Cut: p.o.Cut() || truncated}
	res.Out = p.o.Finish()
	if len(res.Out) == 0 {
		return codec.Decoded{}, fmt.Errorf("%s: a limit of %d bytes is too small to show the value", name, limit)
	}
	if session {
		res.Detail = "session"
	}
	return res, nil
}
