package pickle

import (
	"fmt"
	"strconv"
	"strings"
)

// Disassemble lists b's opcodes as pickletools.dis does: the offset, the
// opcode byte, the name indented by the MARKs open, the argument as
// Python's repr, "(MARK at N)" where a MARK is consumed and "(as N)" for
// MEMOIZE; then "highest protocol among opcodes = N". The text holds at
// most limit bytes, whole lines (a cut is said on a last line that fits).
// On a damaged pickle it returns the lines up to the damage and the
// error.
func Disassemble(b []byte, limit int64) (string, error) {
	text, _, err := disassemble(b, limit)
	return text, err
}

func disassemble(b []byte, limit int64) (string, bool, error) {
	var out strings.Builder
	cut := false
	emit := func(line string) bool {
		if int64(out.Len()+len(line)+1) > limit {
			cut = true
			return false
		}
		out.WriteString(line)
		out.WriteByte('\n')
		return true
	}
	// counts[i] is how many values sit above the i-th MARK (counts[0]:
	// below every MARK); marks[i] is that MARK's offset.
	counts := []int{0}
	var marks []int
	memo := map[uint64]bool{}
	maxProto := 0
	pos := 0
	for {
		in, after, err := next(b, pos)
		if err != nil {
			return out.String(), cut, err
		}
		if int(in.op.proto) > maxProto {
			maxProto = int(in.op.proto)
		}
		markMsg := ""
		mark, pops, pushes := stackEffect(in.code)
		if in.code == '0' && counts[len(counts)-1] == 0 && len(marks) > 0 {
			mark, pops = true, 0
		}
		if mark {
			if len(marks) == 0 {
				return out.String(), cut, damaged(in.pos, "%s needs a MARK and there is none", in.op.name)
			}
			markMsg = fmt.Sprintf("(MARK at %d)", marks[len(marks)-1])
		}
		indent := len(marks) // counted before the MARK is consumed, as pickletools does
		switch in.code {
		case 'p', 'q', 'r':
			memo[memoKey(in)] = true
		case 0x94:
			markMsg = fmt.Sprintf("(as %d)", len(memo))
			memo[uint64(len(memo))] = true
		}
		if len(memo) > maxMemo {
			return out.String(), cut, damaged(in.pos, "the memo holds more than %d values, more than kvdeck shows", maxMemo)
		}
		code := strconv.QuoteToASCII(string(rune(in.code)))
		if in.code >= 0x80 {
			code = fmt.Sprintf("\\x%02x", in.code)
		} else {
			code = code[1 : len(code)-1]
		}
		line := fmt.Sprintf("%5d: %-4s %s%s", in.pos, code, strings.Repeat(" ", 4*indent), in.op.name)
		arg, hasArg := argRepr(in)
		if hasArg || markMsg != "" {
			line += strings.Repeat(" ", max(0, 10-len(in.op.name)))
			if hasArg {
				line += " " + arg
			}
			if markMsg != "" {
				line += " " + markMsg
			}
		}
		if !emit(line) {
			break
		}
		// The stack counts, tolerant of a damaged stream: the listing
		// is there to show what the bytes say.
		if mark {
			marks = marks[:len(marks)-1]
			counts = counts[:len(counts)-1]
		}
		c := &counts[len(counts)-1]
		*c = max(0, *c-pops) + pushes
		if in.code == '(' {
			marks = append(marks, in.pos)
			counts = append(counts, 0)
		}
		if in.code == '.' {
			emit(fmt.Sprintf("highest protocol among opcodes = %d", maxProto))
			break
		}
		pos = after
	}
	if cut {
		out.WriteString(cutLine(limit - int64(out.Len())))
	}
	return out.String(), cut, nil
}

// cutLine says the listing stops at the limit, as far as room allows.
func cutLine(room int64) string {
	const msg = "… (cut: the listing is longer than the limit)\n"
	if room >= int64(len(msg)) {
		return msg
	}
	return ""
}

func memoKey(in instr) uint64 {
	if in.code == 'p' {
		v, _ := memoIndex(in)
		return v
	}
	return in.n
}

// argRepr is the opcode's argument as pickletools prints it: repr() of
// the value its reader returns.
func argRepr(in instr) (string, bool) {
	switch in.op.arg {
	case argNone:
		return "", false
	case argU1, argU2, argU4, argU8:
		return strconv.FormatUint(in.n, 10), true
	case argI4:
		return strconv.FormatInt(in.i, 10), true
	case argF8:
		return pyFloat(in.f), true
	case argDecimalNL, argLongNL:
		s := string(in.data)
		if in.code == 'I' && (s == "00" || s == "01") {
			if s == "00" {
				return "False", true
			}
			return "True", true
		}
		s = strings.TrimSuffix(s, "L")
		if v, err := strconv.ParseInt(s, 10, 64); err == nil {
			return strconv.FormatInt(v, 10), true
		}
		return s, true
	case argFloatNL:
		f, err := strconv.ParseFloat(strings.TrimSpace(string(in.data)), 64)
		if err != nil && !isRangeErr(err) {
			return pyLatin1(in.data), true
		}
		return pyFloat(f), true
	case argStringNL:
		d := in.data
		if len(d) >= 2 && d[0] == d[len(d)-1] && (d[0] == '\'' || d[0] == '"') {
			d = d[1 : len(d)-1]
		}
		return pyLatin1(escapeDecode(d)), true
	case argStringNLRaw:
		return pyLatin1(escapeDecode(in.data)), true
	case argStringNLPair:
		return pyLatin1(append(append(escapeDecode(in.data), ' '), escapeDecode(in.data2)...)), true
	case argUnicodeNL:
		return pyStr(rawUnicodeDecode(in.data)), true
	case argLong1, argLong4:
		m := newMachine(nil)
		if err := m.binLong(in); err != nil || len(m.stack) == 0 {
			return "?", true
		}
		if n := m.stack[0]; n.kind == kInt {
			return strconv.FormatInt(n.i, 10), true
		} else {
			return n.s, true
		}
	}
	// argBytes1/4/8: the opcode says what the bytes are.
	switch in.code {
	case 'T', 'U':
		return pyLatin1(in.data), true
	case 'B', 'C', 0x8e:
		return pyBytes(in.data), true
	case 0x96:
		return "bytearray(" + pyBytes(in.data) + ")", true
	}
	return pyStr(string(in.data)), true
}
