package pickle

// stackEffect is what an opcode does to the stack, as pickletools lists
// it (stack_before, stack_after): whether it pops to the last MARK first,
// how many values it then pops and how many it pushes. The disassembler
// and the sniffer keep only counts, never values.
func stackEffect(code byte) (mark bool, pops, pushes int) {
	switch code {
	case '(', 0x80, 0x95: // MARK (handled apart), PROTO, FRAME
		return false, 0, 0
	case '.', '0': // STOP, POP
		return false, 1, 0
	case '1': // POP_MARK
		return true, 0, 0
	case '2': // DUP
		return false, 1, 2
	case 'p', 'q', 'r', 0x94: // PUT, BINPUT, LONG_BINPUT, MEMOIZE
		return false, 1, 1
	case 'Q', 0x85, 0x98: // BINPERSID, TUPLE1, READONLY_BUFFER
		return false, 1, 1
	case 'R', 'a', 'b', 0x81, 0x86, 0x93: // REDUCE, APPEND, BUILD, NEWOBJ, TUPLE2, STACK_GLOBAL
		return false, 2, 1
	case 's', 0x92, 0x87: // SETITEM, NEWOBJ_EX, TUPLE3
		return false, 3, 1
	case 'e', 'u', 0x90: // APPENDS, SETITEMS, ADDITEMS: the container stays
		return true, 1, 1
	case 'd', 'i', 'l', 'o', 't', 0x91: // DICT, INST, LIST, OBJ, TUPLE, FROZENSET
		return true, 0, 1
	}
	return false, 0, 1 // the rest push one value
}
