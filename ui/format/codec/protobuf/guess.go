package protobuf

import (
	"google.golang.org/protobuf/types/dynamicpb"
)

// guessMax bounds the value Guess tries: it decodes the value once per
// message type of the schema, which for a long value and a large schema
// is not the quick look a guess should be.
const guessMax = 64 << 10

// Guess names the message type b is, when exactly one of the schema's
// message types reads all of b with no field it does not know (wire types
// must match the schema too: a mismatch makes the field unknown). Several
// fitting types (small messages alike in their first fields) or none give
// ok false: a wrong type shown with confidence is worse than asking.
func (s *Schema) Guess(b []byte) (message string, ok bool) {
	if len(b) == 0 || len(b) > guessMax {
		return "", false
	}
	if _, end, err := scan(b, 0, nil); err != nil || end != len(b) {
		return "", false
	}
	opts := s.unmarshalOptions()
	for _, name := range s.names {
		msg := dynamicpb.NewMessage(s.messages[name])
		if guard("guessing", func() error { return opts.Unmarshal(b, msg) }) != nil || countUnknown(msg, 0) > 0 {
			continue
		}
		if message != "" {
			return "", false
		}
		message = name
	}
	return message, message != ""
}
