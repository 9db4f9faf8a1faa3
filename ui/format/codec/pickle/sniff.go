package pickle

// sniff says whether b looks like a pickle. It walks b's opcodes keeping
// only counts (no allocation): every byte must be an opcode of the
// protocol with its argument in bounds, and the stack must hold what each
// opcode takes. Protocol 2+ (0x80 and a protocol byte 2..5) may stop
// anywhere, as b may be a prefix; protocol 0 and 1 have no magic number,
// so the whole of b must be a pickle ending in STOP — plain text such as
// "(hello." fails the stack counts.
func sniff(b []byte) bool {
	if len(b) < 2 {
		return false
	}
	proto := 1
	prefixOK := false
	if b[0] == 0x80 {
		if b[1] < 2 || b[1] > 5 {
			return false
		}
		proto, prefixOK = int(b[1]), true
	} else {
		switch b[0] {
		case '(', ']', '}', ')', 'c', 'N', 'I', 'V', 'S', 'X', 'K', 'J', 'U', 'F', 'G', 'L':
		default:
			return false
		}
	}
	const levels = 64
	var counts [levels]int // values above each open MARK; counts[0] below all
	depth := 0
	stored := false // a PUT seen: a GET before one is no pickle
	pos := 0
	for pos < len(b) {
		in, after, err := next(b, pos)
		if err != nil {
			d, ok := err.(*damage)
			return ok && d.short && prefixOK
		}
		if int(in.op.proto) > proto {
			return false
		}
		mark, pops, pushes := stackEffect(in.code)
		switch in.code {
		case '0':
			if counts[depth] == 0 && depth > 0 {
				mark, pops = true, 0
			}
		case 'p', 'q', 'r', 0x94:
			stored = true
		case 'g', 'h', 'j':
			if !stored {
				return false
			}
		case 'c', 'i':
			if !isName(in.data) || !isName(in.data2) {
				return false
			}
		}
		if mark {
			if depth == 0 {
				return false
			}
			depth--
		}
		if counts[depth] < pops {
			return false
		}
		counts[depth] += pushes - pops
		if in.code == '(' {
			if depth == levels-1 {
				return prefixOK // deeper than counted: judged on the magic
			}
			depth++
			counts[depth] = 0
		}
		if in.code == '.' {
			return after == len(b)
		}
		pos = after
	}
	return prefixOK
}

// isName says whether a GLOBAL or INST line is a dotted Python name.
func isName(s []byte) bool {
	if len(s) == 0 {
		return false
	}
	for _, c := range s {
		if !(c == '_' || c == '.' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80) {
			return false
		}
	}
	return true
}
