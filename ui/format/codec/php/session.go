package php

import (
	"bytes"
	"fmt"
	"unicode/utf8"
)

// session walks name|<serialized>name|<serialized>… as PHP's session
// handler "php" writes $_SESSION: the names are written as a JSON
// object's keys, in order. References (r:, R:) count values across the
// whole session, as PHP numbers them.
func (p *parser) session() error {
	if p.o != nil {
		if err := p.o.Open("{", "}"); err != nil {
			return err
		}
	}
	var seen map[string]struct{}
	for p.i < len(p.b) {
		bar := bytes.IndexByte(p.b[p.i:], '|')
		if p.check {
			// Sniffing: names look like names (short, no control bytes
			// or serialize() punctuation), even one cut by the prefix.
			end := bar
			if end < 0 {
				end = len(p.b) - p.i
			}
			if end > 256 || !nameLike(p.b[p.i:p.i+end]) {
				return p.errorf("not a session name")
			}
		}
		if bar < 0 {
			return errTruncated
		}
		name := p.b[p.i : p.i+bar]
		if len(name) == 0 || !utf8.Valid(name) {
			return p.errorf("a session name must be UTF-8 and not empty")
		}
		if !p.check {
			if seen == nil {
				seen = map[string]struct{}{}
			}
			if _, dup := seen[string(name)]; dup {
				return p.errorf("session name %q twice", name)
			}
			seen[string(name)] = struct{}{}
		}
		p.i += bar + 1
		if p.o != nil {
			p.tmp = appendKey(p.tmp[:0], name)
			if err := p.o.Key(p.tmp); err != nil {
				return err
			}
		}
		if err := p.value(); err != nil {
			return err
		}
	}
	if p.o != nil {
		p.o.Close()
	}
	return nil
}

func nameLike(name []byte) bool {
	for _, c := range name {
		if c < 0x20 || c == 0x7f || c == ';' || c == '"' || c == '{' || c == '}' {
			return false
		}
	}
	return true
}

// validName says whether a session name can be written back: PHP's
// decoder ends a name at the first '|'.
func validName(name string) error {
	if name == "" || bytes.IndexByte([]byte(name), '|') >= 0 {
		return fmt.Errorf("session name %q: must not be empty or hold '|'", name)
	}
	return nil
}
