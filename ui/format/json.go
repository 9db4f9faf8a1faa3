package format

import (
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"
)

// The JSON pretty printer: one pass over the bytes that checks them, writes
// each line's content (without its indent) into one buffer and records, per
// line, where it starts, how deep it is and how it hangs in the tree, so a
// line's JSON path is found by walking up its parents. The output is what
// json.Indent(dst, src, "", "  ") gives; the tests hold it to that.

// maxJSONDepth is encoding/json's nesting limit; deeper input is refused
// as encoding/json refuses it.
const maxJSONDepth = 10000

// Where a line hangs in the tree (jsonLine.index when not an array index).
const (
	lineMember = -1 // a member of an object: its key starts the line
	lineRoot   = -2 // the top-level value
	lineCloser = -3 // closes the container opened on line parent
)

// jsonLine is what the printer records for each line besides its text.
type jsonLine struct {
	parent int32 // line that opened the enclosing container; -1 at top
	index  int32 // array index, or lineMember, lineRoot, lineCloser
	depth  int32 // indent level
}

// container is an open object or array while printing.
type container struct {
	opener int32 // its opening line
	count  int32 // elements so far
	array  bool
}

// errJSONSyntax is how the printer stops; the caller asks encoding/json for
// the exact message and offset (see syntaxError).
var errJSONSyntax = errors.New("json syntax")

// jsonPrinter holds the state of one pretty-printing pass.
type jsonPrinter struct {
	in      []byte
	pos     int
	partial bool // in may end anywhere: its end is not an error
	out     []byte
	starts  []int
	lines   []jsonLine
	stack   []container
}

// prettyJSON pretty-prints in. With partial, input that ends early (a
// preview cut from a larger value) is printed as far as it goes.
func prettyJSON(in []byte, partial bool) (*jsonPrinter, error) {
	p := &jsonPrinter{in: in, partial: partial}
	// Pretty output is about as long as the input without its indent;
	// lines take some 14 bytes of compact input in typical documents.
	p.out = make([]byte, 0, len(in)+len(in)/8+16)
	p.starts = make([]int, 0, len(in)/12+4)
	p.lines = make([]jsonLine, 0, len(in)/12+4)
	if err := p.run(); err != nil {
		return nil, err
	}
	p.starts = append(p.starts, len(p.out))
	return p, nil
}

// validJSON checks in without keeping the output beyond this call.
func validJSON(in []byte, partial bool) bool {
	_, err := prettyJSON(in, partial)
	return err == nil
}

func (p *jsonPrinter) newLine(parent, index int32) {
	p.starts = append(p.starts, len(p.out))
	p.lines = append(p.lines, jsonLine{parent: parent, index: index, depth: int32(len(p.stack))})
}

func (p *jsonPrinter) skipSpace() {
	for p.pos < len(p.in) {
		switch p.in[p.pos] {
		case ' ', '\t', '\r', '\n':
			p.pos++
		default:
			return
		}
	}
}

// atEnd reports whether input ran out; err is nil when that is allowed
// (partial input) and the printer should stop.
func (p *jsonPrinter) atEnd() (bool, error) {
	if p.pos < len(p.in) {
		return false, nil
	}
	if p.partial {
		return true, nil
	}
	return true, errJSONSyntax
}

func (p *jsonPrinter) run() error {
	p.skipSpace()
	if p.pos == len(p.in) && p.partial {
		return nil
	}
	p.newLine(-1, lineRoot)
	for {
		// A value starts here.
		p.skipSpace()
		if end, err := p.atEnd(); end {
			return err
		}
		switch c := p.in[p.pos]; {
		case c == '{' || c == '[':
			if len(p.stack) >= maxJSONDepth {
				return errJSONSyntax // even an empty one counts, as in encoding/json
			}
			p.out = append(p.out, c)
			p.pos++
			p.skipSpace()
			if end, err := p.atEnd(); end {
				return err
			}
			if closer := c + 2; p.in[p.pos] == closer { // '{'+2 == '}', '['+2 == ']'
				p.out = append(p.out, closer)
				p.pos++
				break
			}
			opener := int32(len(p.lines) - 1)
			p.stack = append(p.stack, container{opener: opener, array: c == '['})
			if c == '[' {
				p.newLine(opener, 0)
				continue
			}
			p.newLine(opener, lineMember)
			if stop, err := p.member(); stop {
				return err
			}
			continue
		case c == '"':
			if stop, err := p.str(); stop {
				return err
			}
		case c == '-' || (c >= '0' && c <= '9'):
			if stop, err := p.number(); stop {
				return err
			}
		case c == 't':
			if stop, err := p.literal("true"); stop {
				return err
			}
		case c == 'f':
			if stop, err := p.literal("false"); stop {
				return err
			}
		case c == 'n':
			if stop, err := p.literal("null"); stop {
				return err
			}
		default:
			return errJSONSyntax
		}
		// A value ended: what follows closes containers or separates.
		for {
			p.skipSpace()
			if len(p.stack) == 0 {
				if p.pos < len(p.in) {
					return errJSONSyntax // more after the top-level value
				}
				return nil
			}
			if end, err := p.atEnd(); end {
				return err
			}
			top := &p.stack[len(p.stack)-1]
			c := p.in[p.pos]
			if c == ',' {
				p.out = append(p.out, ',')
				p.pos++
				top.count++
				if top.array {
					p.newLine(top.opener, top.count)
					break
				}
				p.newLine(top.opener, lineMember)
				if stop, err := p.member(); stop {
					return err
				}
				break
			}
			if (top.array && c != ']') || (!top.array && c != '}') {
				return errJSONSyntax
			}
			opener := top.opener
			p.stack = p.stack[:len(p.stack)-1]
			p.newLine(opener, lineCloser)
			p.out = append(p.out, c)
			p.pos++
		}
	}
}

// member prints `"key": ` and leaves the printer before the member's value.
func (p *jsonPrinter) member() (stop bool, err error) {
	p.skipSpace()
	if end, err := p.atEnd(); end {
		return true, err
	}
	if p.in[p.pos] != '"' {
		return true, errJSONSyntax
	}
	if stop, err := p.str(); stop {
		return true, err
	}
	p.skipSpace()
	if end, err := p.atEnd(); end {
		return true, err
	}
	if p.in[p.pos] != ':' {
		return true, errJSONSyntax
	}
	p.out = append(p.out, ':', ' ')
	p.pos++
	return false, nil
}

// stringPlain marks the bytes a JSON string may hold without further
// checks: everything but the quote, the backslash and control bytes.
// Invalid UTF-8 is allowed, as encoding/json allows it.
var stringPlain = func() (t [256]bool) {
	for c := 0x20; c < 256; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// str copies a string token, checking its escapes.
func (p *jsonPrinter) str() (stop bool, err error) {
	in := p.in
	start := p.pos
	i := p.pos + 1
	for {
		for i < len(in) && stringPlain[in[i]] {
			i++
		}
		if i >= len(in) {
			break
		}
		switch c := in[i]; {
		case c == '"':
			p.out = append(p.out, in[start:i+1]...)
			p.pos = i + 1
			return false, nil
		case c == '\\':
			if i+1 >= len(in) {
				i = len(in)
				break
			}
			switch in[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				j := i + 2
				for ; j < i+6 && j < len(in); j++ {
					if !isHex(in[j]) {
						p.pos = j
						return true, errJSONSyntax
					}
				}
				i = j
			default:
				p.pos = i + 1
				return true, errJSONSyntax
			}
			continue
		default: // a control byte
			p.pos = i
			return true, errJSONSyntax
		}
		break
	}
	// The input ended inside the string.
	p.pos = len(in)
	if !p.partial {
		return true, errJSONSyntax
	}
	p.out = append(p.out, in[start:]...)
	return true, nil
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// number copies a number token: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (p *jsonPrinter) number() (stop bool, err error) {
	in := p.in
	start, i := p.pos, p.pos
	// need reports whether a digit is required at i and missing.
	need := func() bool { return i >= len(in) || !isDigit(in[i]) }
	if in[i] == '-' {
		i++
	}
	if need() {
		return p.numberEnd(start, i)
	}
	if in[i] == '0' {
		i++
	} else {
		for i < len(in) && isDigit(in[i]) {
			i++
		}
	}
	if i < len(in) && in[i] == '.' {
		i++
		if need() {
			return p.numberEnd(start, i)
		}
		for i < len(in) && isDigit(in[i]) {
			i++
		}
	}
	if i < len(in) && (in[i] == 'e' || in[i] == 'E') {
		i++
		if i < len(in) && (in[i] == '+' || in[i] == '-') {
			i++
		}
		if need() {
			return p.numberEnd(start, i)
		}
		for i < len(in) && isDigit(in[i]) {
			i++
		}
	}
	p.out = append(p.out, in[start:i]...)
	p.pos = i
	return false, nil
}

// numberEnd handles a number missing a digit at i: an error, unless the
// input simply ended there and may (partial).
func (p *jsonPrinter) numberEnd(start, i int) (bool, error) {
	p.pos = i
	if i < len(p.in) || !p.partial {
		return true, errJSONSyntax
	}
	p.out = append(p.out, p.in[start:]...)
	return true, nil
}

// literal copies true, false or null.
func (p *jsonPrinter) literal(word string) (stop bool, err error) {
	rest := p.in[p.pos:]
	n := min(len(rest), len(word))
	if string(rest[:n]) != word[:n] {
		return true, errJSONSyntax
	}
	p.out = append(p.out, rest[:n]...)
	p.pos += n
	if n < len(word) {
		if p.partial {
			return true, nil
		}
		return true, errJSONSyntax
	}
	return false, nil
}

// SyntaxError is invalid JSON, placed by line and column for people
// ("invalid JSON at line 3, column 14: ...").
type SyntaxError struct {
	Line   int    // 1-based
	Column int    // 1-based, in characters
	Offset int64  // byte offset of the offending character
	Msg    string // what encoding/json says is wrong
	err    error
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("invalid JSON at line %d, column %d: %s", e.Line, e.Column, e.Msg)
}

// Unwrap gives the *json.SyntaxError it was made from.
func (e *SyntaxError) Unwrap() error { return e.err }

// CheckJSON reports whether b is one valid JSON value; if not, the error is
// a *SyntaxError with the line and column (for the editor's "save" check).
func CheckJSON(b []byte) error {
	if json.Valid(b) {
		return nil
	}
	return syntaxError(b)
}

// syntaxError asks encoding/json what is wrong with b and where, and turns
// the byte offset into a line and column.
func syntaxError(b []byte) error {
	var raw json.RawMessage
	err := json.Unmarshal(b, &raw)
	var se *json.SyntaxError
	if !errors.As(err, &se) {
		// encoding/json accepts what the printer refused: never expected,
		// but say something true rather than nothing.
		return &SyntaxError{Line: 1, Column: 1, Msg: "cannot be pretty-printed", err: err}
	}
	// Offset counts the bytes read, the offending one included; at the end
	// of input it points just past the last byte.
	pos := int(se.Offset) - 1
	if se.Offset >= int64(len(b)) && se.Error() == "unexpected end of JSON input" {
		pos = len(b)
	}
	pos = max(min(pos, len(b)), 0)
	line, col := 1, 1
	lineStart := 0
	for i := 0; i < pos; i++ {
		if b[i] == '\n' {
			line++
			lineStart = i + 1
		}
	}
	col += utf8.RuneCount(b[lineStart:pos])
	return &SyntaxError{Line: line, Column: col, Offset: int64(pos), Msg: se.Error(), err: se}
}
