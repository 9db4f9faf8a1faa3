// Package pickle reads Python pickles (protocols 0 to 5) for the value
// pane, read-only. It simulates the unpickler's stack machine on inert
// nodes: a GLOBAL is a name, a REDUCE is a call written down, and nothing
// a pickle names is ever imported, looked up or run.
//
// Codec shows the value as JSON; Disassembly (and Disassemble) list the
// opcodes as pickletools.dis does.
//
// # JSON layout
//
// What JSON has a word for is written as such:
//
//	None → null, bool → true/false, str → "…", list → […],
//	dict with str keys → {"key": …}, float → 1.5 (as Python's repr)
//	int → 42; beyond ±2^53, where a JSON reader would round it, {"$int":"123…"}
//	(a LONG of more than 1024 bytes is given in hex, "0x…": decimal
//	conversion of such numbers is quadratic and Python refuses it too)
//
// The rest is tagged by an object whose first key starts with '$':
//
//	{"$tuple":[…]}  {"$set":[…]}  {"$frozenset":[…]}
//	{"$bytes":"<base64>"}  {"$bytearray":"<base64>"}
//	{"$float":"nan"|"inf"|"-inf"}
//	{"$dict":[[key,value],…]}   a dict with a key that is not a str, or
//	                            a str starting with '$' (so no dict can
//	                            be mistaken for a tag)
//	{"$global":"module.name"}   GLOBAL, STACK_GLOBAL (e.g. "posix.system")
//	{"$call":{"$global":…},"args":[…],"kwargs":{…},"state":…,
//	 "listitems":[…],"dictitems":{…},"setitems":[…]}
//	    REDUCE (callable(*args)), NEWOBJ and NEWOBJ_EX (cls.__new__(cls,
//	    *args, **kwargs)), INST and OBJ; "state" is what BUILD gave it,
//	    the items what APPEND(S), SETITEM(S), ADDITEMS added (a dict
//	    subclass, a list subclass); keys only when present
//	{"$value":…,"state":…}      the same done to a value that is not a call
//	{"$persid":…}               PERSID, BINPERSID: the persistent id
//	{"$ext":N}                  EXT1/2/4: an extension registry code
//	{"$buffer":N}               NEXT_BUFFER: the Nth out-of-band buffer
//	{"$readonly":…}             READONLY_BUFFER of a buffer
//	{"$memo":N}                 a cycle back to the value stored at memo N
//	{"$cycle":true}             a cycle to a value never stored in the memo
//	{"$unfinished":[…]}         a prefix of a pickle (partial): the stack
//	                            where it stops, {"$mark":true} for MARKs
//
// Python 2 str (STRING, BINSTRING, SHORT_BINSTRING) is a JSON string when
// its bytes are UTF-8, else {"$bytes":…}. Text is written from Python's
// own reading: an unpaired surrogate is a \udXXX escape; control
// characters are always escaped. A value reached again through the memo
// (GET) is written again in full, except a cycle.
//
// # Bounds
//
// Every declared length is checked against the bytes that remain before
// anything is sliced; the simulation makes at most maxNodes values and
// maxMemo memo entries; nesting beyond maxDepth is an error; and Out
// stops at the limit (Cut) still valid JSON: what was complete there,
// with its containers closed.
package pickle
