package protobuf

import (
	"errors"
	"fmt"
	"strings"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/kvdeck/kvdeck/ui/format/codec"
)

// recursionLimit bounds message nesting with a schema, in decoding the
// wire format and the edited JSON alike. A recursive type (a tree, a
// linked list) lets a hostile value nest as deep as its bytes allow;
// protobuf's default of 10000 is more than any real value needs.
const recursionLimit = 100

// Codec returns the codec that decodes values as the message type named
// message (a full name such as "shop.Order", or a name that only one of
// the schema's messages ends with, such as "Order").
//
// Decode shows protojson (field names as in the .proto, fields at their
// default value left out, compact: the JSON viewer indents it). protojson
// has no place for fields the schema does not know, so their count is in
// the Detail ("schema shop.Order, 2 unknown fields not shown"); the
// schemaless codec shows them.
//
// Encode reads the edited JSON back into the message and writes it in
// field-number order with map entries sorted (Deterministic). The codec is
// Exact: RoundTrip refuses to edit a value whose re-encoding would differ
// from it, which is the case for values with unknown fields (they would be
// dropped), with fields in another order than protobuf-go writes (by
// number, the members of oneofs last), with map entries unsorted, with
// repeated scalars packed otherwise than the schema says, or with
// non-minimal varints. Values protobuf-go writes in deterministic mode
// round-trip; other libraries' values may not, and are then read-only.
func (s *Schema) Codec(message string) (codec.Codec, error) {
	md, err := s.find(message)
	if err != nil {
		return codec.Codec{}, err
	}
	name := string(md.FullName())
	detail := "schema " + name
	return codec.Codec{
		Name:  "protobuf",
		Sniff: sniffWire,
		Try:   tryWire,
		Decode: func(b []byte, limit int64, partial bool) (codec.Decoded, error) {
			return s.decode(md, detail, b, limit, partial)
		},
		Encode: func(d codec.Decoded, edited []byte) ([]byte, error) {
			if p, ok := d.Params.(string); ok && p != name {
				return nil, fmt.Errorf("protobuf: the value was decoded as %s, not %s", p, name)
			}
			return s.encode(md, edited)
		},
		Exact: true,
	}, nil
}

// find looks message up by full name, then by a unique trailing name.
func (s *Schema) find(message string) (protoreflect.MessageDescriptor, error) {
	if md, ok := s.messages[message]; ok {
		return md, nil
	}
	var found []string
	for _, n := range s.names {
		if strings.HasSuffix(n, "."+message) {
			found = append(found, n)
		}
	}
	switch len(found) {
	case 1:
		return s.messages[found[0]], nil
	case 0:
		return nil, fmt.Errorf("protobuf schema: no message %q", message)
	}
	return nil, fmt.Errorf("protobuf schema: %q could be any of %s", message, strings.Join(found, ", "))
}

func (s *Schema) unmarshalOptions() proto.UnmarshalOptions {
	return proto.UnmarshalOptions{
		Resolver:       s.types,
		RecursionLimit: recursionLimit,
		// proto2 required fields missing from a value are shown as
		// missing rather than refusing the whole value.
		AllowPartial: true,
	}
}

func (s *Schema) jsonOptions() protojson.MarshalOptions {
	return protojson.MarshalOptions{
		Resolver:      s.types,
		UseProtoNames: true,
		AllowPartial:  true,
	}
}

// decode shows b as message md. With partial (b a prefix of the value),
// the fields before the one cut off by the end of b are shown.
func (s *Schema) decode(md protoreflect.MessageDescriptor, detail string, b []byte, limit int64, partial bool) (codec.Decoded, error) {
	if partial {
		_, end, err := scan(b, 0, nil)
		if err != nil {
			if !errors.Is(err, errTruncated) {
				return codec.Decoded{}, fmt.Errorf("not protobuf: %w", err)
			}
			b = b[:end]
			detail += ", partial: the last field is cut off"
		}
	}
	msg := dynamicpb.NewMessage(md)
	err := guard("reading "+string(md.FullName()), func() error { return s.unmarshalOptions().Unmarshal(b, msg) })
	if err != nil {
		return codec.Decoded{}, fmt.Errorf("not a %s: %w", md.FullName(), err)
	}
	var out []byte
	err = guard("showing "+string(md.FullName()), func() (err error) {
		out, err = s.jsonOptions().Marshal(msg)
		return err
	})
	if err != nil {
		return codec.Decoded{}, fmt.Errorf("%s cannot be shown as JSON: %w", md.FullName(), err)
	}
	if n := countUnknown(msg.ProtoReflect(), 0); n == 1 {
		detail += ", 1 unknown field not shown"
	} else if n > 1 {
		detail += fmt.Sprintf(", %d unknown fields not shown", n)
	}
	d := codec.Decoded{Out: out, View: codec.JSON, Detail: detail, Params: string(md.FullName())}
	if lim := clampLimit(limit); len(out) > lim {
		d.Out, d.Cut = cutJSON(out, lim), true
		if d.Out == nil {
			return codec.Decoded{}, fmt.Errorf("a limit of %d bytes cannot hold even an empty JSON object", limit)
		}
	}
	return d, nil
}

// encode writes edited, protojson of md, as protobuf.
func (s *Schema) encode(md protoreflect.MessageDescriptor, edited []byte) ([]byte, error) {
	msg := dynamicpb.NewMessage(md)
	in := protojson.UnmarshalOptions{
		Resolver:       s.types,
		RecursionLimit: recursionLimit + 1, // the top-level message counts here
		AllowPartial:   true,
	}
	if err := guard("reading the JSON", func() error { return in.Unmarshal(edited, msg) }); err != nil {
		return nil, fmt.Errorf("not a %s in JSON: %w", md.FullName(), err)
	}
	var out []byte
	err := guard("writing "+string(md.FullName()), func() (err error) {
		out, err = proto.MarshalOptions{Deterministic: true, AllowPartial: true}.Marshal(msg)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("writing %s: %w", md.FullName(), err)
	}
	return out, nil
}

// countUnknown counts the fields of m and the messages in it that the
// schema does not know. Depth is bounded by the unmarshal that built m.
func countUnknown(m protoreflect.Message, depth int) int {
	n, _, _ := scan(m.GetUnknown(), 0, nil)
	if depth > recursionLimit {
		return n
	}
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.IsMap():
			if fd.MapValue().Message() != nil {
				v.Map().Range(func(_ protoreflect.MapKey, mv protoreflect.Value) bool {
					n += countUnknown(mv.Message(), depth+1)
					return true
				})
			}
		case fd.IsList():
			if fd.Message() != nil {
				l := v.List()
				for i := 0; i < l.Len(); i++ {
					n += countUnknown(l.Get(i).Message(), depth+1)
				}
			}
		case fd.Message() != nil:
			n += countUnknown(v.Message(), depth+1)
		}
		return true
	})
	return n
}
