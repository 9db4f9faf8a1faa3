package config

import (
	"errors"
	"fmt"
	"strings"
)

// splitWords splits a command line into words as a POSIX shell would,
// without running one: blanks separate words, '...' is literal, "..." is
// literal but for \" \\ \$ \` and a backslash-newline, and a backslash
// outside quotes escapes the next character. What a shell would do more
// (pipes, redirections, $VARS, $(...), `...`, ;, &, comments) is refused,
// not passed on as words: a command written for a shell must say so,
// with sh -c '...'. Globs and ~ stay literal. Written here rather than
// taken from a module because it is forty lines, and because the refusal
// is the part that matters.
func splitWords(line string) ([]string, error) {
	var (
		words   []string
		cur     strings.Builder
		inWord  bool
		runes   = []rune(line)
		special = func(r rune) error {
			return fmt.Errorf("%q is shell syntax, and the command is not run by a shell: write sh -c '...' to use one", r)
		}
	)
	for i := 0; i < len(runes); i++ {
		r := runes[i]
		switch {
		case r == ' ' || r == '\t' || r == '\n':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		case r == '\'':
			inWord = true
			end := indexRune(runes, i+1, '\'')
			if end < 0 {
				return nil, errors.New("a ' is not closed")
			}
			cur.WriteString(string(runes[i+1 : end]))
			i = end
		case r == '"':
			inWord = true
			i++
			for ; i < len(runes) && runes[i] != '"'; i++ {
				c := runes[i]
				switch {
				case c == '\\' && i+1 < len(runes) && strings.ContainsRune("\"\\$`\n", runes[i+1]):
					i++
					if runes[i] != '\n' {
						cur.WriteRune(runes[i])
					}
				case c == '$' || c == '`':
					return nil, special(c)
				default:
					cur.WriteRune(c)
				}
			}
			if i >= len(runes) {
				return nil, errors.New(`a " is not closed`)
			}
		case r == '\\':
			if i+1 >= len(runes) {
				return nil, errors.New("the command ends with a lone \\")
			}
			i++
			if runes[i] != '\n' {
				inWord = true
				cur.WriteRune(runes[i])
			}
		case strings.ContainsRune("|&;<>()$`", r) || r == '#' && !inWord:
			return nil, special(r)
		default:
			inWord = true
			cur.WriteRune(r)
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	if len(words) == 0 {
		return nil, errors.New("the command is empty")
	}
	return words, nil
}

// indexRune is the index of r in runes from start, -1 if absent.
func indexRune(runes []rune, start int, r rune) int {
	for i := start; i < len(runes); i++ {
		if runes[i] == r {
			return i
		}
	}
	return -1
}
