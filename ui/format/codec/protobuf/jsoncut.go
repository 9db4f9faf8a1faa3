package protobuf

// cutJSON shortens s, a prefix of valid JSON whose top level is an object
// or an array, to valid JSON of at most limit bytes: it keeps the longest
// part of s that ends where JSON may be closed (after a complete value,
// right after an opening bracket, or between two characters of a string
// that is a value, not a key) and appends the closing quote and brackets.
// Both codecs render whole and cut afterwards, so the value pane always
// gets JSON it can fold, and Cut says the rest is missing. It returns nil
// when not even the outermost brackets fit.
func cutJSON(s []byte, limit int) []byte {
	var (
		stack    []byte // closers of the open containers, innermost last
		bestPos  = -1   // where to cut
		bestTail []byte // what closes the JSON there
	)
	// try records pos as a cut point when it and its closers fit. Cut
	// points come in increasing order, so the last that fits wins.
	try := func(pos int, quote bool) {
		need := len(stack)
		if quote {
			need++
		}
		if pos+need > limit {
			return
		}
		bestPos = pos
		bestTail = bestTail[:0]
		if quote {
			bestTail = append(bestTail, '"')
		}
		for i := len(stack) - 1; i >= 0; i-- {
			bestTail = append(bestTail, stack[i])
		}
	}
	expectKey := false
	for i := 0; i < len(s) && i <= limit; i++ {
		switch c := s[i]; c {
		case '{', '[':
			if c == '{' {
				stack = append(stack, '}')
			} else {
				stack = append(stack, ']')
			}
			expectKey = c == '{'
			try(i+1, false)
		case '}', ']':
			try(i, false)
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
			expectKey = false
			if len(stack) == 0 {
				try(i+1, false)
			}
		case ',':
			try(i, false)
			expectKey = len(stack) > 0 && stack[len(stack)-1] == '}'
		case '"':
			isKey := expectKey
			expectKey = false
			for i++; i < len(s) && s[i] != '"'; i++ {
				if !isKey && s[i]&0xc0 != 0x80 {
					try(i, true) // before a character, not inside one
				}
				if s[i] == '\\' {
					i++ // the escaped character
					if i < len(s) && s[i] == 'u' {
						i += 4
					}
				}
				if i > limit {
					break
				}
			}
			if i < len(s) && !isKey {
				try(i, true) // the whole string, before its quote
			}
		}
	}
	if bestPos < 0 {
		return nil
	}
	return append(s[:bestPos:bestPos], bestTail...)
}
