package pickle

// The opcode table, as pickletools documents it (Lib/pickletools.py):
// each opcode's byte, name, the argument that follows it in the stream
// and the protocol that introduced it. The decoder, the disassembler and
// the sniffer all walk the stream with it.

// argKind says how an opcode's argument is encoded after its byte.
type argKind uint8

const (
	argNone         argKind = iota
	argU1                   // 1-byte unsigned
	argU2                   // 2-byte little-endian unsigned
	argI4                   // 4-byte little-endian signed
	argU4                   // 4-byte little-endian unsigned
	argU8                   // 8-byte little-endian unsigned
	argF8                   // 8-byte big-endian IEEE double
	argDecimalNL            // decimal digits and a newline (INT, GET, PUT)
	argLongNL               // decimal digits, an optional L and a newline
	argFloatNL              // a float's repr and a newline
	argStringNL             // a quoted, escaped string and a newline
	argStringNLRaw          // a string to the newline, no escapes (PERSID)
	argStringNLPair         // two newline-ended strings (GLOBAL, INST)
	argUnicodeNL            // raw-unicode-escape text and a newline
	argBytes1               // 1-byte length and the bytes
	argBytes4               // 4-byte length and the bytes
	argBytes8               // 8-byte length and the bytes
	argLong1                // 1-byte length and a little-endian two's complement int
	argLong4                // 4-byte signed length and the int
)

type opcode struct {
	name  string
	arg   argKind
	proto uint8
}

// opcodes is indexed by the opcode byte; an empty name is no opcode.
var opcodes = [256]opcode{
	'(':  {"MARK", argNone, 0},
	'.':  {"STOP", argNone, 0},
	'0':  {"POP", argNone, 0},
	'1':  {"POP_MARK", argNone, 1},
	'2':  {"DUP", argNone, 0},
	'F':  {"FLOAT", argFloatNL, 0},
	'I':  {"INT", argDecimalNL, 0},
	'J':  {"BININT", argI4, 1},
	'K':  {"BININT1", argU1, 1},
	'L':  {"LONG", argLongNL, 0},
	'M':  {"BININT2", argU2, 1},
	'N':  {"NONE", argNone, 0},
	'P':  {"PERSID", argStringNLRaw, 0},
	'Q':  {"BINPERSID", argNone, 1},
	'R':  {"REDUCE", argNone, 0},
	'S':  {"STRING", argStringNL, 0},
	'T':  {"BINSTRING", argBytes4, 1},
	'U':  {"SHORT_BINSTRING", argBytes1, 1},
	'V':  {"UNICODE", argUnicodeNL, 0},
	'X':  {"BINUNICODE", argBytes4, 1},
	'a':  {"APPEND", argNone, 0},
	'b':  {"BUILD", argNone, 0},
	'c':  {"GLOBAL", argStringNLPair, 0},
	'd':  {"DICT", argNone, 0},
	'}':  {"EMPTY_DICT", argNone, 1},
	'e':  {"APPENDS", argNone, 1},
	'g':  {"GET", argDecimalNL, 0},
	'h':  {"BINGET", argU1, 1},
	'i':  {"INST", argStringNLPair, 0},
	'j':  {"LONG_BINGET", argU4, 1},
	'l':  {"LIST", argNone, 0},
	']':  {"EMPTY_LIST", argNone, 1},
	'o':  {"OBJ", argNone, 1},
	'p':  {"PUT", argDecimalNL, 0},
	'q':  {"BINPUT", argU1, 1},
	'r':  {"LONG_BINPUT", argU4, 1},
	's':  {"SETITEM", argNone, 0},
	't':  {"TUPLE", argNone, 0},
	')':  {"EMPTY_TUPLE", argNone, 1},
	'u':  {"SETITEMS", argNone, 1},
	'G':  {"BINFLOAT", argF8, 1},
	0x80: {"PROTO", argU1, 2},
	0x81: {"NEWOBJ", argNone, 2},
	0x82: {"EXT1", argU1, 2},
	0x83: {"EXT2", argU2, 2},
	0x84: {"EXT4", argI4, 2},
	0x85: {"TUPLE1", argNone, 2},
	0x86: {"TUPLE2", argNone, 2},
	0x87: {"TUPLE3", argNone, 2},
	0x88: {"NEWTRUE", argNone, 2},
	0x89: {"NEWFALSE", argNone, 2},
	0x8a: {"LONG1", argLong1, 2},
	0x8b: {"LONG4", argLong4, 2},
	'B':  {"BINBYTES", argBytes4, 3},
	'C':  {"SHORT_BINBYTES", argBytes1, 3},
	0x8c: {"SHORT_BINUNICODE", argBytes1, 4},
	0x8d: {"BINUNICODE8", argBytes8, 4},
	0x8e: {"BINBYTES8", argBytes8, 4},
	0x8f: {"EMPTY_SET", argNone, 4},
	0x90: {"ADDITEMS", argNone, 4},
	0x91: {"FROZENSET", argNone, 4},
	0x92: {"NEWOBJ_EX", argNone, 4},
	0x93: {"STACK_GLOBAL", argNone, 4},
	0x94: {"MEMOIZE", argNone, 4},
	0x95: {"FRAME", argU8, 4},
	0x96: {"BYTEARRAY8", argBytes8, 5},
	0x97: {"NEXT_BUFFER", argNone, 5},
	0x98: {"READONLY_BUFFER", argNone, 5},
}
