// Package msgpack shows a msgpack value as JSON and writes an edited JSON
// back as msgpack. It reads with the low-level Decoder of
// github.com/vmihailenco/msgpack/v5, header by header, so that every type
// and width is seen, and writes with its Encoder.
//
// # Typed JSON
//
// Out is JSON in which msgpack types JSON has no word for are an object
// with a single key, a "$" word. The mapping, both ways:
//
//	nil, true, false     null, true, false
//	any integer          a JSON integer, exact to 64 bits (beyond 2^53 too)
//	float64              a JSON number that always reads as a float: 1.0,
//	                     not 1; 1e+21; -0.0
//	float64 NaN, ±Inf    {"$f64":"NaN"}, {"$f64":"+Inf"}, {"$f64":"-Inf"};
//	                     a NaN other than 0x7ff8000000000000 keeps its
//	                     bits: {"$f64":"NaN:7ff8000000000001"}
//	float32              {"$f32":1.5} (also "NaN", "+Inf", "-Inf",
//	                     "NaN:<hex bits>")
//	str, UTF-8           a JSON string (control bytes escaped)
//	str, not UTF-8       {"$str64":"<base64 of its bytes>"}
//	bin                  {"$bin":"<base64>"}
//	ext                  {"$ext":{"type":N,"data":"<base64>"}}
//	timestamp (ext -1)   {"$time":"2024-05-01T10:00:00.123456789Z"} (UTC),
//	                     when the library would write that time with the
//	                     same bytes; any other ext -1 is an {"$ext":…}
//	array                a JSON array
//	map, keys UTF-8 str  a JSON object, in the map's order; a key starting
//	and all different    with "$" is written with one more "$" in front
//	                     ("$id" → "$$id"), so an object's only key is a
//	                     typed word exactly when it starts with a single "$"
//	any other map        {"$map":[[key, value], …]}, in order
//
// When editing, JSON integers without '.', 'e' or 'E' are written as
// integers, other numbers as float64.
//
// # Writing back
//
// Encode writes each value in the smallest encoding of its type, as the
// library's Encoder does (fixint before uint8, fixstr before str8, fixext
// before ext8, …; positive integers as unsigned). The value pane asks
// codec.RoundTrip before an edit, so a value another encoder wrote with
// wider encodings (an int64 always in 9 bytes, a float64 where a float32
// was meant) is shown but not edited: writing it back would change it.
//
// # Hostile values
//
// A header's claimed length is checked against the bytes left before
// anything is read, nesting is bounded (maxDepth) and Out by the limit:
// where it stops, Out is closed into valid JSON and Cut is set.
package msgpack
