package php

import (
	"fmt"
	"unicode/utf8"

	"github.com/kvdeck/kvdeck/ui/format/codec/internal/boundedjson"
)

// array walks a:n:{…} or, with class, the n:{…} of O:len:"Class":n:{…}
// (an object's properties are keyed like an array's elements).
func (p *parser) array(class []byte) error {
	n, err := p.length(':', 0)
	if err != nil {
		return err
	}
	if err := p.expect("{"); err != nil {
		return err
	}
	p.depth++
	if p.depth > maxDepth {
		return fmt.Errorf("nested more than %d deep", maxDepth)
	}
	ord := p.arrays
	p.arrays++
	if p.o == nil {
		err = p.checkEntries(n, ord, class != nil)
	} else {
		err = p.writeEntries(n, p.forms[ord], class)
	}
	if err != nil {
		return err
	}
	if err := p.expect("}"); err != nil {
		return err
	}
	if p.o != nil {
		p.o.Close()
	}
	p.depth--
	return nil
}

// checkEntries is the first pass: it checks the entries and decides the
// form from the keys. Each entry takes at least a few bytes, so a claimed
// count beyond the bytes left ends at errTruncated.
func (p *parser) checkEntries(n, ord int, object bool) error {
	// An empty array is [], an object without properties {}.
	list, obj := !object, !p.check
	if !p.check {
		p.forms = append(p.forms, decide(list, obj))
	}
	var seen map[string]struct{}
	for k := 0; k < n; k++ {
		if p.i >= len(p.b) {
			return errTruncated
		}
		switch p.b[p.i] {
		case 'i':
			p.i++
			if err := p.expect(":"); err != nil {
				return err
			}
			v, err := p.integer(';')
			if err != nil {
				return err
			}
			obj = false
			if v != int64(k) {
				list = false
			}
		case 's':
			p.i++
			if err := p.expect(":"); err != nil {
				return err
			}
			s, err := p.quoted()
			if err != nil {
				return err
			}
			if err := p.expect(";"); err != nil {
				return err
			}
			list = false
			if obj {
				if seen == nil {
					seen = make(map[string]struct{}, min(n, 64))
				}
				if _, dup := seen[string(s)]; dup || !utf8.Valid(s) {
					obj = false
				}
				seen[string(s)] = struct{}{}
			}
		default:
			return p.errorf("a key must be i: or s:")
		}
		if !p.check {
			// Updated at each key, so a partial value ending inside
			// this array is written as its keys so far need.
			p.forms[ord] = decide(list, obj)
		}
		if err := p.value(); err != nil {
			return err
		}
	}
	return nil
}

func decide(list, obj bool) form {
	switch {
	case list:
		return formList
	case obj:
		return formObject
	}
	return formPairs
}

// writeEntries is the second pass, in the form the first pass decided.
func (p *parser) writeEntries(n int, f form, class []byte) error {
	// An object's wrapper and its properties' container are one frame
	// of the JSON writer: cut between them, "props": would be left
	// without a value.
	open := func(opener, closer string) error {
		if class == nil {
			return p.o.Open(opener, closer)
		}
		t := boundedjson.AppendString([]byte(`{"$object":{"class":`), class)
		t = append(append(t, `,"props":`...), opener...)
		return p.o.Open(string(t), closer+"}}")
	}
	switch f {
	case formList:
		if err := open("[", "]"); err != nil {
			return err
		}
		for range n {
			if err := p.expect("i:"); err != nil {
				return err
			}
			if _, err := p.integer(';'); err != nil {
				return err
			}
			if err := p.value(); err != nil {
				return err
			}
		}
	case formObject:
		if err := open("{", "}"); err != nil {
			return err
		}
		for range n {
			if err := p.expect("s:"); err != nil {
				return err
			}
			s, err := p.quoted()
			if err == nil {
				err = p.expect(";")
			}
			if err != nil {
				return err
			}
			p.tmp = appendKey(p.tmp[:0], s)
			if err := p.o.Key(p.tmp); err != nil {
				return err
			}
			if err := p.value(); err != nil {
				return err
			}
		}
	default:
		if err := open(`{"$array":[`, `]}`); err != nil {
			return err
		}
		for range n {
			if err := p.o.Open("[", "]"); err != nil {
				return err
			}
			if err := p.value(); err != nil { // the key: i: or s:
				return err
			}
			if err := p.value(); err != nil {
				return err
			}
			p.o.Close()
		}
	}
	return nil
}
