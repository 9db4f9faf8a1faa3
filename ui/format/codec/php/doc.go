// Package php shows PHP serialize() values and PHP sessions
// (session.serialize_handler=php) as JSON and writes an edited JSON back.
// The format is parsed by hand (parse.go says why).
//
// # Typed JSON
//
// Out is JSON in which what JSON has no word for is an object with a
// single key, a "$" word. The mapping, both ways:
//
//	N;                      null
//	b:0; b:1;               false, true
//	i:42;                   42 (64-bit, exact)
//	d:0.1; d:1.0E+25;       the number, PHP's text kept as it is, when
//	                        that text is a JSON number with '.' or an
//	                        exponent
//	d:1; d:-0; d:INF;       {"$float":"1"}, {"$float":"-0"},
//	d:-INF; d:NAN;          {"$float":"INF"} …: PHP's exact text
//	s:n:"…"; (UTF-8)        a JSON string (control bytes escaped)
//	s:n:"…"; (other bytes)  {"$bytes":"<base64>"}
//	a:n:{…} keys 0..n-1     a JSON array
//	  in order
//	a:n:{…} string keys,    a JSON object in order; a key starting with
//	  UTF-8, all different  "$" gets one more "$" ("$id" → "$$id")
//	any other a:n:{…}       {"$array":[[key, value], …]}, in order; a key
//	                        is an integer (i:) or a string (s:, or
//	                        {"$bytes":…})
//	O:n:"Class":n:{…}       {"$object":{"class":"Class","props":P}}, P
//	                        an object (string names) or {"$array":…};
//	                        private and protected names keep PHP's NUL
//	                        bytes: "\u0000Class\u0000prop", "\u0000*\u0000prop"
//	C:n:"Class":n:{data}    {"$custom":{"class":"Class","data":"data"}}
//	                        (a Serializable's own bytes; {"$bytes":…}
//	                        when not UTF-8)
//	E:n:"Enum:Case";        {"$enum":"Enum:Case"}
//	R:n;                    {"$ref":n}: a PHP reference (&) to the n-th
//	                        value, counted from 1 as PHP counts them
//	r:n;                    {"$objref":n}: the same object as the n-th
//	                        value
//
// A session name|value… is a JSON object of the names, in order ("$"
// escaped the same way). References count values across the whole
// session, as PHP numbers them; they are shown, never resolved.
//
// When editing, a JSON integer is written as i:, any other number as d:
// with its text as typed.
//
// # Writing back
//
// Encode writes what PHP's serialize() writes for the same value, so an
// unchanged value written by PHP comes back byte for byte; one that
// codec.RoundTrip finds would change (i:007;, a key order PHP would not
// write is kept, but a non-canonical number is not) is shown, not edited.
//
// # Hostile values
//
// Declared lengths are checked against the bytes left before use, nesting
// is bounded (maxDepth) and Out by the limit: where it stops, Out is
// closed into valid JSON and Cut is set.
package php
