// Package protobuf decodes protobuf values, without a schema (Schemaless)
// and with one compiled at run time from .proto files (LoadSchema, then
// Schema.Codec for a message type).
//
// # The schemaless JSON view
//
// Without the .proto, the wire format says only each field's number and
// wire type; Schemaless shows exactly that, as a JSON object per message
// with its members in wire order:
//
//	{"1:varint":150,"2:string":"text","3:message?":{"1:varint":1},
//	 "4:i64":{"int":4614253070214989087,"float":3.14},"3:message?#2":{…}}
//
// Each key is "<field number>:<kind>", and "#k" is added to the k-th
// occurrence (k ≥ 2) of a number within the same message, so keys stay
// unique (JSON paths stay unambiguous) while repeated fields keep their
// order. The kinds:
//
//	varint     wire type 0 (int32/64, uint32/64, sint32/64, bool, enum):
//	           the unsigned number, except that one of 2^63 or more is
//	           shown as the negative int64 it almost always is (negative
//	           int32/int64 are ten-byte sign-extended varints). sint32/64
//	           are zigzag-encoded: 1 is -1, 2 is 1, 3 is -2; the view does
//	           not undo it, as it cannot tell them apart.
//	i64        wire type 1 (fixed64, sfixed64, double):
//	           {"int":<signed>,"float":<double>}, plus "uint" when the
//	           signed reading is negative.
//	i32        wire type 5 (fixed32, sfixed32, float): as i64 in 32 bits.
//	group      wire types 3 and 4 (proto2 groups): the fields between the
//	           start and end tags, as an object.
//
// A length-delimited field (wire type 2: string, bytes, a message, packed
// repeated scalars) is guessed at, in this order:
//
//	message?   its bytes parse entirely as a message whose field numbers
//	           are all plausible (below 100000, outside protoc's reserved
//	           19000-19999), and are not printable text: an object.
//	string     valid UTF-8 without control characters other than tab,
//	           line feed and carriage return: a JSON string.
//	packed?    one or more minimally encoded varints: an array of numbers
//	           (read as varint above).
//	bytes      anything else: {"$bytes":"<standard base64>"}.
//
// A "?" marks a guess that may be wrong (a message whose bytes happen to be
// text shows as a string, and short binary may read as varints). Floats
// that JSON has no number for are the strings "NaN", "Infinity" and
// "-Infinity", as in protojson.
//
// Without a schema nothing bounds the nesting, so guesses and groups go at
// most 64 levels deep: below that, length-delimited fields are shown as
// strings, varints or bytes, and a group that deep is an error. Output that
// passes the limit is cut where the JSON can be closed, and closed: Out is
// valid JSON either way, and Cut says what is missing.
package protobuf
