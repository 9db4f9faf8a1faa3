package backend

import "strings"

// MatchGlob reports whether name matches a Redis-style glob: * any run of bytes
// (including ':' and '.'), ? one byte, [abc] [a-z] [^a] classes and \
// escapes. kvdeck uses it to decide whether a key created elsewhere belongs
// to the running listing; it is small enough to write by hand and must
// agree with Redis, which path.Match (where * stops at '/') does not.
func MatchGlob(pattern, name string) bool {
	for len(pattern) > 0 {
		switch pattern[0] {
		case '*':
			for len(pattern) > 0 && pattern[0] == '*' {
				pattern = pattern[1:]
			}
			if pattern == "" {
				return true
			}
			for i := 0; i <= len(name); i++ {
				if MatchGlob(pattern, name[i:]) {
					return true
				}
			}
			return false
		case '?':
			if name == "" {
				return false
			}
			pattern, name = pattern[1:], name[1:]
		case '[':
			if name == "" {
				return false
			}
			end := strings.IndexByte(pattern[1:], ']')
			if end < 0 {
				// An unclosed class matches a literal '['.
				if name[0] != '[' {
					return false
				}
				pattern, name = pattern[1:], name[1:]
				continue
			}
			class := pattern[1 : end+1]
			if !classMatch(class, name[0]) {
				return false
			}
			pattern, name = pattern[end+2:], name[1:]
		case '\\':
			if len(pattern) > 1 {
				pattern = pattern[1:]
			}
			fallthrough
		default:
			if name == "" || name[0] != pattern[0] {
				return false
			}
			pattern, name = pattern[1:], name[1:]
		}
	}
	return name == ""
}

func classMatch(class string, c byte) bool {
	neg := false
	if strings.HasPrefix(class, "^") {
		neg, class = true, class[1:]
	}
	ok := false
	for i := 0; i < len(class); i++ {
		if class[i] == '\\' && i+1 < len(class) {
			i++
			if class[i] == c {
				ok = true
			}
			continue
		}
		if i+2 < len(class) && class[i+1] == '-' {
			lo, hi := class[i], class[i+2]
			if lo > hi {
				lo, hi = hi, lo
			}
			if c >= lo && c <= hi {
				ok = true
			}
			i += 2
			continue
		}
		if class[i] == c {
			ok = true
		}
	}
	return ok != neg
}

// MatchSubject reports whether a NATS key matches a subject filter: tokens split
// on '.', '*' matches one token, '>' (last) matches one or more.
func MatchSubject(filter, name string) bool {
	if filter == "" || filter == ">" {
		return name != ""
	}
	for {
		ft, frest, fmore := strings.Cut(filter, ".")
		nt, nrest, nmore := strings.Cut(name, ".")
		switch {
		case ft == ">":
			return nt != ""
		case ft != "*" && ft != nt:
			return false
		}
		if !fmore || !nmore {
			return fmore == nmore
		}
		filter, name = frest, nrest
	}
}

// ValidateGlob refuses a Redis glob whose meaning is unclear: an unclosed
// class ("[" or "user:[ab"), which Redis and MatchGlob read as a literal
// '[' but a person almost never means, and a trailing lone backslash.
func ValidateGlob(pattern string) error {
	for i := 0; i < len(pattern); i++ {
		switch pattern[i] {
		case '\\':
			if i+1 == len(pattern) {
				return Invalid("pattern", "%q ends with a lone \\; write \\\\ for a backslash", pattern)
			}
			i++
		case '[':
			end := strings.IndexByte(pattern[i+1:], ']')
			if end < 0 {
				return Invalid("pattern", "%q has an unclosed [; write \\[ for a literal [", pattern)
			}
			i += end + 1
		}
	}
	return nil
}

// ValidateSubject refuses a NATS subject filter the server would refuse:
// empty tokens ("a..b", a leading or trailing dot), whitespace, a '>' that
// is not the last token, or a wildcard inside a token ("ab*").
func ValidateSubject(filter string) error {
	if filter == "" {
		return nil
	}
	if strings.ContainsAny(filter, " \t\r\n") {
		return Invalid("pattern", "%q: NATS subjects hold no spaces", filter)
	}
	tokens := strings.Split(filter, ".")
	for i, t := range tokens {
		switch {
		case t == "":
			return Invalid("pattern", "%q has an empty token (two dots, or a dot at an end)", filter)
		case t == ">" && i != len(tokens)-1:
			return Invalid("pattern", "%q: > matches the rest, so it must be the last token", filter)
		case len(t) > 1 && strings.ContainsAny(t, "*>"):
			return Invalid("pattern", "%q: * and > are whole tokens (a.*.c, a.>), not parts of one", filter)
		}
	}
	return nil
}
