package protobuf

import (
	"errors"
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
)

// The wire-format reader both codecs share: it walks a message's fields
// one at a time without a schema, checking every claimed length against the
// bytes that remain before slicing (so a hostile "next field is 4 GB" costs
// nothing), and never allocates: Sniff runs it on every value shown.

// maxDepth bounds nesting without a schema: groups inside groups and
// length-delimited fields guessed to be messages. Real messages rarely go
// past a dozen levels; deeper bytes are shown as bytes, not recursed into.
const maxDepth = 64

// errTruncated says the bytes end inside a field: a prefix of a value, or a
// value cut short. Partial decoding stops there instead of failing.
var errTruncated = errors.New("the value ends in the middle of a field")

// field is one field read from the wire: its number, wire type and value.
// For BytesType b is the content; for StartGroupType b is everything
// between the start and the end group tags; otherwise v holds the number
// (a varint, or the raw bits of a fixed32/fixed64).
type field struct {
	num protowire.Number
	typ protowire.Type
	v   uint64
	b   []byte
}

// wireError says where and why bytes are not protobuf, in words.
type wireError struct {
	off int
	err error
}

func (e *wireError) Error() string { return fmt.Sprintf("byte %d: %v", e.off, e.err) }
func (e *wireError) Unwrap() error { return e.err }

// readField reads the field at the start of b, at depth (for groups),
// returning it and the number of bytes it took.
func readField(b []byte, depth int) (field, int, error) {
	num, typ, n := protowire.ConsumeTag(b)
	if n < 0 {
		return field{}, 0, wireErr(n, "a field tag")
	}
	if !num.IsValid() {
		return field{}, 0, fmt.Errorf("field number %d is out of protobuf's range", num)
	}
	f := field{num: num, typ: typ}
	rest := b[n:]
	var m int
	switch typ {
	case protowire.VarintType:
		f.v, m = protowire.ConsumeVarint(rest)
	case protowire.Fixed32Type:
		var v uint32
		v, m = protowire.ConsumeFixed32(rest)
		f.v = uint64(v)
	case protowire.Fixed64Type:
		f.v, m = protowire.ConsumeFixed64(rest)
	case protowire.BytesType:
		// ConsumeBytes compares the claimed length with len(rest)
		// before slicing: nothing is allocated from the claim.
		f.b, m = protowire.ConsumeBytes(rest)
		if m == truncatedCode {
			if l, k := protowire.ConsumeVarint(rest); k > 0 {
				return field{}, 0, fmt.Errorf("%w: field %d claims %d bytes, %d remain", errTruncated, num, l, len(rest)-k)
			}
		}
	case protowire.StartGroupType:
		var err error
		f.b, m, err = readGroup(num, rest, depth+1)
		if err != nil {
			return field{}, 0, err
		}
	case protowire.EndGroupType:
		return field{}, 0, fmt.Errorf("field %d ends a group that was never started", num)
	default:
		return field{}, 0, fmt.Errorf("wire type %d of field %d is not a protobuf wire type", typ, num)
	}
	if m < 0 {
		return field{}, 0, wireErr(m, fmt.Sprintf("field %d", num))
	}
	return f, n + m, nil
}

// readGroup reads the fields of group num up to its end tag, returning the
// bytes between the tags and the number of bytes taken including the end
// tag. The depth check keeps a chain of start-group tags from recursing
// without bound.
func readGroup(num protowire.Number, b []byte, depth int) ([]byte, int, error) {
	if depth > maxDepth {
		return nil, 0, fmt.Errorf("groups nested deeper than %d", maxDepth)
	}
	for i := 0; ; {
		if i >= len(b) {
			return nil, 0, fmt.Errorf("%w: group %d never ends", errTruncated, num)
		}
		n2, typ, m := protowire.ConsumeTag(b[i:])
		if m < 0 {
			return nil, 0, wireErr(m, "a field tag")
		}
		if typ == protowire.EndGroupType {
			if n2 != num {
				return nil, 0, fmt.Errorf("group %d is ended by an end tag of field %d", num, n2)
			}
			return b[:i], i + m, nil
		}
		_, k, err := readField(b[i:], depth)
		if err != nil {
			return nil, 0, err
		}
		i += k
	}
}

// truncatedCode is protowire's negative length for "the bytes end early";
// protowire.ParseError turns it into an error, which is compared here once.
var truncatedCode = func() int {
	_, n := protowire.ConsumeVarint([]byte{0x80})
	return n
}()

// wireErr words protowire's negative lengths, keeping errTruncated
// recognisable for partial decoding.
func wireErr(n int, what string) error {
	if n == truncatedCode {
		return fmt.Errorf("%w: %s is cut off", errTruncated, what)
	}
	return fmt.Errorf("%s: %v", what, protowire.ParseError(n))
}

// scan reads the fields of b in order, calling visit (if not nil) for each,
// and returns how many there were and the offset of the first byte not
// read. On an error the count and offset are those of the fields before it.
func scan(b []byte, depth int, visit func(f field) bool) (count, end int, err error) {
	for end < len(b) {
		f, n, err := readField(b[end:], depth)
		if err != nil {
			return count, end, &wireError{off: end, err: err}
		}
		count++
		end += n
		if visit != nil && !visit(f) {
			return count, end, nil
		}
	}
	return count, end, nil
}

// plausibleNumber says a field number is one a person would have written
// in a .proto file: below 100000 (ordinary fields and the conventional
// extension numbers) and outside 19000-19999, which protoc reserves for
// itself. It is what makes a guess (a nested message, a sniffed value)
// likely rather than merely possible.
func plausibleNumber(n protowire.Number) bool {
	return n >= 1 && n < 100000 && (n < 19000 || n > 19999)
}

// plausible says b parses entirely as a message of at least minFields
// fields, every field number plausible, groups included, at depth. It
// allocates nothing.
func plausible(b []byte, depth, minFields int) bool {
	if depth > maxDepth {
		return false
	}
	ok := true
	count, end, err := scan(b, depth, func(f field) bool {
		if !plausibleNumber(f.num) {
			ok = false
		} else if f.typ == protowire.StartGroupType {
			ok = plausible(f.b, depth+1, 0)
		}
		return ok
	})
	return ok && err == nil && end == len(b) && count >= minFields
}
