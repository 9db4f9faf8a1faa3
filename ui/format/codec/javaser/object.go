package javaser

import (
	"encoding/base64"
	"strconv"
)

// object reads TC_OBJECT's classDesc, handle and class data, written as
//
//	{"$class":…,"$handle":…,"$serialVersionUID":…,"$super":[…],
//	 "fields":{…},"annotations":[…]}
//
// or, when a superclass wrote annotations (its data then comes before
// the subclass's fields in the stream), per class:
//
//	{…,"classdata":[{"$class":…,"fields":{…},"annotations":[…]},…]}
func (p *parser) object(depth int) error {
	d, err := p.classDesc(depth + 1)
	if err != nil {
		return err
	}
	if d == nil {
		return p.r.damaged("an object without a class")
	}
	h := p.newHandle(entry{desc: d, object: true})
	w := p.w
	w.BeginObject()
	w.Name("$class")
	w.Str(d.label())
	w.Name("$handle")
	w.Str(handleName(h))
	if d.proxy == nil {
		w.Name("$serialVersionUID")
		w.Str(strconv.FormatInt(d.suid, 10))
	}
	chain, err := p.chain(d)
	if err != nil {
		return err
	}
	if len(chain) > 1 {
		w.Name("$super")
		w.BeginArray()
		for i := len(chain) - 2; i >= 0; i-- {
			w.Str(chain[i].label())
		}
		w.End()
	}
	// Merged fields read well; they are possible when no class but the
	// last writes more than its fields.
	merged := true
	for _, c := range chain[:len(chain)-1] {
		if c.flags&(scWriteMethod|scExternalizable) != 0 {
			merged = false
		}
	}
	if merged {
		names := fieldNames(chain)
		w.Name("fields")
		w.BeginObject()
		for i, c := range chain {
			if err := p.fieldValues(c, names[i], depth); err != nil {
				return err
			}
		}
		w.End()
		if err := p.classExtra(d, depth); err != nil {
			return err
		}
	} else {
		w.Name("classdata")
		w.BeginArray()
		for _, c := range chain {
			w.BeginObject()
			w.Name("$class")
			w.Str(c.label())
			w.Name("fields")
			w.BeginObject()
			if err := p.fieldValues(c, nil, depth); err != nil {
				return err
			}
			w.End()
			if err := p.classExtra(c, depth); err != nil {
				return err
			}
			w.End()
		}
		w.End()
	}
	w.End()
	return nil
}

// fieldNames gives each class's fields their JSON keys: the name, or
// "Class.name" for a superclass field hidden by a subclass's field of
// the same name.
func fieldNames(chain []*classDesc) [][]string {
	later := map[string]bool{}
	names := make([][]string, len(chain))
	for i := len(chain) - 1; i >= 0; i-- {
		c := chain[i]
		if c.flags&scExternalizable != 0 {
			continue
		}
		names[i] = make([]string, len(c.fields))
		for j, f := range c.fields {
			names[i][j] = f.name
			if later[f.name] {
				names[i][j] = c.label() + "." + f.name
			}
		}
		for _, f := range c.fields {
			later[f.name] = true
		}
	}
	return names
}

// fieldValues reads a class's default field values (primitives first, in
// the class description's order, which is how they are written).
func (p *parser) fieldValues(c *classDesc, names []string, depth int) error {
	if c.flags&scExternalizable != 0 || c.flags&scSerializable == 0 {
		return nil
	}
	for i, f := range c.fields {
		if p.stopped() {
			return errCut
		}
		if names != nil {
			p.w.Name(names[i])
		} else {
			p.w.Name(f.name)
		}
		if f.typ == 'L' || f.typ == '[' {
			if _, _, err := p.content(depth+1, false); err != nil {
				return err
			}
			continue
		}
		if err := p.prim(f.typ); err != nil {
			return err
		}
	}
	return nil
}

// classExtra reads what a class writes beyond its fields: the
// annotations of a writeObject method, or the block data of
// writeExternal. The stream cannot say whether writeObject called
// defaultWriteObject; like other readers without the class, this one
// assumes it did (HashMap, ArrayList and most classes do).
func (p *parser) classExtra(c *classDesc, depth int) error {
	switch {
	case c.flags&scExternalizable != 0:
		if c.flags&scBlockData == 0 {
			return p.r.damaged("%s was written by writeExternal with protocol 1, which only the class itself can read", c.label())
		}
		p.w.Name("external")
		return p.annotations(depth)
	case c.flags&scWriteMethod != 0:
		p.w.Name("annotations")
		return p.annotations(depth)
	}
	return nil
}

// array reads TC_ARRAY: {"$class":"int[]","$handle":…,"items":[…]}, a
// byte[] as {"$class":"byte[]","$handle":…,"base64":"…"}.
func (p *parser) array(depth int) error {
	d, err := p.classDesc(depth + 1)
	if err != nil {
		return err
	}
	if d == nil || len(d.name) < 2 || d.name[0] != '[' {
		return p.r.damaged("an array whose class is no array class")
	}
	h := p.newHandle(entry{desc: d, object: true})
	n, err := p.r.i32("an array's length")
	if err != nil {
		return err
	}
	elem := d.name[1]
	size := primSize(elem)
	if elem == 'L' || elem == '[' {
		size = 1 // each element takes a byte at least
	} else if size == 0 {
		return p.r.damaged("array class %q has no element type", d.name)
	}
	if n < 0 || int64(n)*int64(size) > int64(p.r.left()) {
		if n < 0 {
			return p.r.damaged("an array declares %d elements", n)
		}
		return p.r.short("an array of " + strconv.Itoa(int(n)) + " elements")
	}
	w := p.w
	w.BeginObject()
	w.Name("$class")
	w.Str(d.label())
	w.Name("$handle")
	w.Str(handleName(h))
	if elem == 'B' {
		b, _ := p.r.take(int(n), "bytes")
		w.Name("base64")
		w.Str(base64.StdEncoding.EncodeToString(b))
		w.End()
		return nil
	}
	w.Name("items")
	w.BeginArray()
	for range n {
		if p.stopped() {
			return errCut
		}
		if elem != 'L' && elem != '[' {
			if err := p.prim(elem); err != nil {
				return err
			}
			continue
		}
		if _, _, err := p.content(depth+1, false); err != nil {
			return err
		}
	}
	w.End()
	w.End()
	return nil
}
