package pickle

import (
	"math"
	"math/big"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Bounds on what a pickle may make the simulation hold. Python's own
// unpickler has no such bounds; a viewer of hostile values needs them.
const (
	maxNodes = 1 << 21 // values made (each one or two input bytes at least)
	maxMemo  = 1 << 20 // memo entries
	maxDepth = 1000    // nesting when rendering (Python's recursion limit)
	// maxLongBytes: a LONG1/LONG4 longer than this is shown in hex, as
	// decimal conversion grows quadratically (Python itself refuses
	// more than 4300 digits).
	maxLongBytes = 1024
	maxDigits    = 4300
)

// machine simulates the unpickler's stack machine. It builds nodes where
// Python would call, import or construct: nothing the pickle names is
// ever looked up or run.
type machine struct {
	b       []byte
	stack   []*node
	marks   []int // stack lengths at each MARK
	memo    map[uint64]*node
	nodes   int
	proto   int
	buffers int64 // NEXT_BUFFERs seen

	none, yes, no, emptyTuple *node
}

func newMachine(b []byte) *machine {
	return &machine{
		b:          b,
		memo:       map[uint64]*node{},
		none:       &node{kind: kNone, memo: -1},
		yes:        &node{kind: kBool, b: true, memo: -1},
		no:         &node{kind: kBool, memo: -1},
		emptyTuple: &node{kind: kTuple, memo: -1},
	}
}

func (m *machine) newNode(pos int, k kind) (*node, error) {
	m.nodes++
	if m.nodes > maxNodes {
		return nil, damaged(pos, "the pickle makes more than %d values, more than kvdeck shows", maxNodes)
	}
	return &node{kind: k, memo: -1}, nil
}

// run simulates until STOP and returns what STOP pops, and the offset
// after STOP.
func (m *machine) run() (*node, int, error) {
	pos := 0
	for {
		in, after, err := next(m.b, pos)
		if err != nil {
			return nil, pos, err
		}
		if in.code == '.' {
			if len(m.stack) == 0 || len(m.stack) == top(m.marks) {
				return nil, pos, damaged(pos, "STOP with nothing on the stack")
			}
			return m.stack[len(m.stack)-1], after, nil
		}
		if err := m.step(in); err != nil {
			return nil, pos, err
		}
		pos = after
	}
}

func top(marks []int) int {
	if len(marks) == 0 {
		return 0
	}
	return marks[len(marks)-1]
}

// pop pops one value above the last mark.
func (m *machine) pop(in instr) (*node, error) {
	if len(m.stack) <= top(m.marks) {
		return nil, damaged(in.pos, "%s needs a value and the stack has none", in.op.name)
	}
	n := m.stack[len(m.stack)-1]
	m.stack = m.stack[:len(m.stack)-1]
	return n, nil
}

func (m *machine) peek(in instr) (*node, error) {
	if len(m.stack) <= top(m.marks) {
		return nil, damaged(in.pos, "%s needs a value and the stack has none", in.op.name)
	}
	return m.stack[len(m.stack)-1], nil
}

// popMark pops the values above the last MARK and the MARK.
func (m *machine) popMark(in instr) ([]*node, error) {
	if len(m.marks) == 0 {
		return nil, damaged(in.pos, "%s needs a MARK and there is none", in.op.name)
	}
	at := m.marks[len(m.marks)-1]
	m.marks = m.marks[:len(m.marks)-1]
	items := append([]*node(nil), m.stack[at:]...)
	m.stack = m.stack[:at]
	return items, nil
}

func (m *machine) push(n *node) { m.stack = append(m.stack, n) }

// pushNew pushes a new node of kind k.
func (m *machine) pushNew(in instr, k kind) (*node, error) {
	n, err := m.newNode(in.pos, k)
	if err != nil {
		return nil, err
	}
	m.push(n)
	return n, nil
}

func (m *machine) step(in instr) error {
	switch in.code {
	case '(': // MARK
		m.marks = append(m.marks, len(m.stack))
	case '0': // POP: a value, or the MARK when none is above it
		if len(m.stack) > top(m.marks) {
			m.stack = m.stack[:len(m.stack)-1]
		} else if _, err := m.popMark(in); err != nil {
			return err
		}
	case '1': // POP_MARK
		_, err := m.popMark(in)
		return err
	case '2': // DUP
		n, err := m.peek(in)
		if err != nil {
			return err
		}
		m.push(n)
	case 'N':
		m.push(m.none)
	case 0x88:
		m.push(m.yes)
	case 0x89:
		m.push(m.no)
	case ')':
		m.push(m.emptyTuple)
	case 'I', 'L': // INT, LONG: decimal text
		return m.textInt(in)
	case 'J':
		return m.pushInt(in, in.i)
	case 'K', 'M':
		return m.pushInt(in, int64(in.n))
	case 0x8a, 0x8b: // LONG1, LONG4
		return m.binLong(in)
	case 'F':
		s := strings.TrimSpace(string(in.data))
		f, err := strconv.ParseFloat(s, 64)
		if err != nil && !isRangeErr(err) {
			return damaged(in.pos, "FLOAT %q is no number", s)
		}
		return m.pushFloat(in, f)
	case 'G':
		return m.pushFloat(in, in.f)
	case 'S': // STRING: a Python 2 str, quoted and escaped
		d := in.data
		if len(d) < 2 || d[0] != d[len(d)-1] || (d[0] != '\'' && d[0] != '"') {
			return damaged(in.pos, "the STRING argument is not quoted")
		}
		return m.pushStr2(in, escapeDecode(d[1:len(d)-1]))
	case 'T', 'U': // BINSTRING, SHORT_BINSTRING: Python 2 str
		return m.pushStr2(in, in.data)
	case 'V':
		return m.pushText(in, kStr, rawUnicodeDecode(in.data))
	case 'X', 0x8c, 0x8d: // BINUNICODE*: UTF-8 (surrogatepass)
		return m.pushText(in, kStr, string(in.data))
	case 'B', 'C', 0x8e:
		return m.pushText(in, kBytes, string(in.data))
	case 0x96:
		return m.pushText(in, kByteArray, string(in.data))
	case ']':
		_, err := m.pushNew(in, kList)
		return err
	case '}':
		_, err := m.pushNew(in, kDict)
		return err
	case 0x8f:
		_, err := m.pushNew(in, kSet)
		return err
	case 'l', 't', 0x91: // LIST, TUPLE, FROZENSET from the MARK
		items, err := m.popMark(in)
		if err != nil {
			return err
		}
		k := kList
		if in.code == 't' {
			k = kTuple
		} else if in.code == 0x91 {
			k = kFrozenSet
		}
		n, err := m.pushNew(in, k)
		if err != nil {
			return err
		}
		n.items = items
	case 0x85, 0x86, 0x87: // TUPLE1..3
		count := int(in.code - 0x84)
		if len(m.stack)-top(m.marks) < count {
			return damaged(in.pos, "%s needs %d values and the stack has fewer", in.op.name, count)
		}
		items := append([]*node(nil), m.stack[len(m.stack)-count:]...)
		m.stack = m.stack[:len(m.stack)-count]
		n, err := m.pushNew(in, kTuple)
		if err != nil {
			return err
		}
		n.items = items
	case 'd': // DICT from the MARK
		items, err := m.popMark(in)
		if err != nil {
			return err
		}
		n, err := m.pushNew(in, kDict)
		if err != nil {
			return err
		}
		return m.setItems(in, n, items)
	case 'a': // APPEND
		v, err := m.pop(in)
		if err != nil {
			return err
		}
		l, err := m.peek(in)
		if err != nil {
			return err
		}
		appendItems(l, []*node{v})
	case 'e': // APPENDS
		items, err := m.popMark(in)
		if err != nil {
			return err
		}
		l, err := m.peek(in)
		if err != nil {
			return err
		}
		appendItems(l, items)
	case 's': // SETITEM
		v, err := m.pop(in)
		if err != nil {
			return err
		}
		k, err := m.pop(in)
		if err != nil {
			return err
		}
		d, err := m.peek(in)
		if err != nil {
			return err
		}
		return m.setItems(in, d, []*node{k, v})
	case 'u': // SETITEMS
		items, err := m.popMark(in)
		if err != nil {
			return err
		}
		d, err := m.peek(in)
		if err != nil {
			return err
		}
		return m.setItems(in, d, items)
	case 0x90: // ADDITEMS
		items, err := m.popMark(in)
		if err != nil {
			return err
		}
		s, err := m.peek(in)
		if err != nil {
			return err
		}
		if s.kind == kSet {
			s.items = append(s.items, items...)
		} else {
			s.ext().setItems = append(s.ext().setItems, items...)
		}
	case 'c': // GLOBAL
		return m.pushGlobal(in, string(in.data)+"."+string(in.data2))
	case 0x93: // STACK_GLOBAL
		name, err := m.pop(in)
		if err != nil {
			return err
		}
		mod, err := m.pop(in)
		if err != nil {
			return err
		}
		if mod.kind != kStr || name.kind != kStr {
			return damaged(in.pos, "STACK_GLOBAL needs a module and a name as str")
		}
		return m.pushGlobal(in, mod.s+"."+name.s)
	case 'R': // REDUCE: callable(*args)
		args, err := m.pop(in)
		if err != nil {
			return err
		}
		fn, err := m.pop(in)
		if err != nil {
			return err
		}
		return m.pushCall(in, fn, args, nil)
	case 0x81: // NEWOBJ: cls.__new__(cls, *args)
		args, err := m.pop(in)
		if err != nil {
			return err
		}
		cls, err := m.pop(in)
		if err != nil {
			return err
		}
		return m.pushCall(in, cls, args, nil)
	case 0x92: // NEWOBJ_EX: cls.__new__(cls, *args, **kwargs)
		kwargs, err := m.pop(in)
		if err != nil {
			return err
		}
		args, err := m.pop(in)
		if err != nil {
			return err
		}
		cls, err := m.pop(in)
		if err != nil {
			return err
		}
		return m.pushCall(in, cls, args, kwargs)
	case 'i': // INST: module.name(*values from the MARK)
		items, err := m.popMark(in)
		if err != nil {
			return err
		}
		g, err := m.newNode(in.pos, kGlobal)
		if err != nil {
			return err
		}
		g.s = string(in.data) + "." + string(in.data2)
		return m.pushCall(in, g, m.tuple(items), nil)
	case 'o': // OBJ: the first value from the MARK called with the rest
		items, err := m.popMark(in)
		if err != nil {
			return err
		}
		if len(items) == 0 {
			return damaged(in.pos, "OBJ needs a class after its MARK")
		}
		return m.pushCall(in, items[0], m.tuple(items[1:]), nil)
	case 'b': // BUILD: obj.__setstate__(state) or obj.__dict__.update
		state, err := m.pop(in)
		if err != nil {
			return err
		}
		obj, err := m.peek(in)
		if err != nil {
			return err
		}
		obj.ext().state, obj.ext().hasState = state, true
	case 'P': // PERSID: the persistent id is the line
		id, err := m.newNode(in.pos, kStr)
		if err != nil {
			return err
		}
		id.s = string(in.data)
		n, err := m.pushNew(in, kPersid)
		if err != nil {
			return err
		}
		n.ext().fn = id
	case 'Q': // BINPERSID
		id, err := m.pop(in)
		if err != nil {
			return err
		}
		n, err := m.pushNew(in, kPersid)
		if err != nil {
			return err
		}
		n.ext().fn = id
	case 0x82, 0x83, 0x84: // EXT1, EXT2, EXT4
		n, err := m.pushNew(in, kExt)
		if err != nil {
			return err
		}
		n.i = int64(in.n)
		if in.code == 0x84 {
			n.i = in.i
		}
	case 0x97: // NEXT_BUFFER
		n, err := m.pushNew(in, kBuffer)
		if err != nil {
			return err
		}
		n.i = m.buffers
		m.buffers++
	case 0x98: // READONLY_BUFFER
		v, err := m.pop(in)
		if err != nil {
			return err
		}
		n, err := m.pushNew(in, kReadonly)
		if err != nil {
			return err
		}
		n.ext().fn = v
	case 'g', 'h', 'j': // GET, BINGET, LONG_BINGET
		i := in.n
		if in.code == 'g' {
			v, err := memoIndex(in)
			if err != nil {
				return err
			}
			i = v
		}
		n, ok := m.memo[i]
		if !ok {
			return damaged(in.pos, "%s %d: nothing was stored at memo %d", in.op.name, i, i)
		}
		m.push(n)
	case 'p', 'q', 'r': // PUT, BINPUT, LONG_BINPUT
		i := in.n
		if in.code == 'p' {
			v, err := memoIndex(in)
			if err != nil {
				return err
			}
			i = v
		}
		return m.put(in, i)
	case 0x94: // MEMOIZE
		return m.put(in, uint64(len(m.memo)))
	case 0x80: // PROTO
		if in.n > 5 {
			return damaged(in.pos, "protocol %d is newer than the 5 kvdeck knows", in.n)
		}
		m.proto = int(in.n)
	case 0x95: // FRAME: only a hint for buffering; its length must fit
		if in.n > uint64(len(m.b)-in.pos-9) {
			return short(in.pos, "a FRAME's "+strconv.FormatUint(in.n, 10)+" bytes")
		}
	default:
		return damaged(in.pos, "%s is not handled", in.op.name)
	}
	return nil
}

func (m *machine) put(in instr, i uint64) error {
	n, err := m.peek(in)
	if err != nil {
		return err
	}
	if _, ok := m.memo[i]; !ok && len(m.memo) >= maxMemo {
		return damaged(in.pos, "the memo holds more than %d values, more than kvdeck shows", maxMemo)
	}
	m.memo[i] = n
	if n.memo < 0 && i <= math.MaxInt32 {
		n.memo = int32(i)
	}
	return nil
}

func memoIndex(in instr) (uint64, error) {
	v, err := strconv.ParseUint(strings.TrimSpace(string(in.data)), 10, 64)
	if err != nil {
		return 0, damaged(in.pos, "%s %q is no memo index", in.op.name, in.data)
	}
	return v, nil
}

func (m *machine) tuple(items []*node) *node {
	if len(items) == 0 {
		return m.emptyTuple
	}
	// Counted with the MARK's values: one node for several bytes.
	return &node{kind: kTuple, memo: -1, items: items}
}

func (m *machine) pushCall(in instr, fn, args, kwargs *node) error {
	n, err := m.pushNew(in, kCall)
	if err != nil {
		return err
	}
	x := n.ext()
	x.fn, x.args, x.kwargs = fn, args, kwargs
	return nil
}

func (m *machine) pushGlobal(in instr, name string) error {
	n, err := m.pushNew(in, kGlobal)
	if err != nil {
		return err
	}
	n.s = name
	return nil
}

func (m *machine) pushInt(in instr, v int64) error {
	n, err := m.pushNew(in, kInt)
	if err != nil {
		return err
	}
	n.i = v
	return nil
}

func (m *machine) pushFloat(in instr, f float64) error {
	n, err := m.pushNew(in, kFloat)
	if err != nil {
		return err
	}
	n.f = f
	return nil
}

func (m *machine) pushText(in instr, k kind, s string) error {
	n, err := m.pushNew(in, k)
	if err != nil {
		return err
	}
	n.s = s
	return nil
}

// pushStr2 pushes a Python 2 str: bytes. Shown as text when they are
// UTF-8 (what Python 3 reads with encoding="utf-8"), else as bytes.
func (m *machine) pushStr2(in instr, b []byte) error {
	if utf8.Valid(b) {
		return m.pushText(in, kStr, string(b))
	}
	return m.pushText(in, kBytes, string(b))
}

// textInt reads INT and LONG: decimal text as int(text, 0) reads it,
// "00" and "01" being False and True (protocol 0's bools).
func (m *machine) textInt(in instr) error {
	s := strings.TrimSpace(string(in.data))
	if in.code == 'I' {
		switch s {
		case "00":
			m.push(m.no)
			return nil
		case "01":
			m.push(m.yes)
			return nil
		}
	} else {
		s = strings.TrimSuffix(s, "L")
	}
	if v, err := strconv.ParseInt(s, 0, 64); err == nil {
		return m.pushInt(in, v)
	}
	if len(s) > maxDigits {
		return damaged(in.pos, "%s has %d digits, more than Python reads", in.op.name, len(s))
	}
	v, ok := new(big.Int).SetString(s, 0)
	if !ok {
		return damaged(in.pos, "%s %q is no number", in.op.name, s)
	}
	return m.pushText(in, kBigInt, v.String())
}

// binLong reads LONG1 and LONG4: little-endian two's complement.
func (m *machine) binLong(in instr) error {
	d := in.data
	if len(d) <= 8 {
		var v int64
		for i := len(d) - 1; i >= 0; i-- {
			v = v<<8 | int64(d[i])
		}
		if len(d) > 0 && len(d) < 8 && d[len(d)-1]&0x80 != 0 {
			v -= 1 << (8 * len(d))
		}
		return m.pushInt(in, v)
	}
	be := make([]byte, len(d))
	for i, c := range d {
		be[len(d)-1-i] = c
	}
	v := new(big.Int).SetBytes(be)
	if d[len(d)-1]&0x80 != 0 {
		v.Sub(v, new(big.Int).Lsh(big.NewInt(1), uint(8*len(d))))
	}
	if len(d) > maxLongBytes {
		s := v.Text(16)
		if strings.HasPrefix(s, "-") {
			return m.pushText(in, kBigInt, "-0x"+s[1:])
		}
		return m.pushText(in, kBigInt, "0x"+s)
	}
	return m.pushText(in, kBigInt, v.String())
}

func appendItems(l *node, items []*node) {
	if l.kind == kList {
		l.items = append(l.items, items...)
		return
	}
	l.ext().listItems = append(l.ext().listItems, items...)
}

// setItems sets key/value pairs on d as SETITEM(S) and DICT do.
func (m *machine) setItems(in instr, d *node, kv []*node) error {
	if len(kv)%2 != 0 {
		return damaged(in.pos, "%s has a key without a value", in.op.name)
	}
	x := d.ext()
	if d.kind != kDict {
		for i := 0; i < len(kv); i += 2 {
			x.dictKeys = append(x.dictKeys, kv[i])
			x.dictVals = append(x.dictVals, kv[i+1])
		}
		return nil
	}
	for i := 0; i < len(kv); i += 2 {
		k, v := kv[i], kv[i+1]
		if k.kind == kStr {
			if x.index == nil {
				x.index = map[string]int{}
			}
			if j, ok := x.index[k.s]; ok {
				x.vals[j] = v
				continue
			}
			x.index[k.s] = len(x.keys)
		}
		x.keys = append(x.keys, k)
		x.vals = append(x.vals, v)
	}
	return nil
}

func isRangeErr(err error) bool {
	e, ok := err.(*strconv.NumError)
	return ok && e.Err == strconv.ErrRange
}
