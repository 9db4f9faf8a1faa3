package model

import (
	"math"
	"strconv"
	"strings"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/kvdeck/kvdeck/ui/format"
)

// How elements are shown and typed, so that what the value pane shows can
// be typed back as it is.

// formatScore shows a sorted-set score in plain decimal (123456789, not
// 1.23456789e+08) and exactly: the shortest form that parses back to the
// same float64. Only very large or very small magnitudes use an exponent.
func formatScore(f float64) string {
	if a := math.Abs(f); a != 0 && (a >= 1e21 || a < 1e-6) || math.IsInf(f, 0) || math.IsNaN(f) {
		return strconv.FormatFloat(f, 'g', -1, 64)
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// streamFieldsText writes stream entry fields as name=value pairs; a name
// or value that is empty or holds a space, a quote, a backslash, an = or
// anything the terminal must not see raw is written as a quoted string
// (strconv.Quote, which escapes control and format characters).
func streamFieldsText(fs []backend.Field) string {
	parts := make([]string, len(fs))
	for i, f := range fs {
		parts[i] = quoteField(f.Name) + "=" + quoteField(f.Value)
	}
	return strings.Join(parts, " ")
}

func quoteField(s string) string {
	if s == "" || strings.ContainsAny(s, " \"\\=") || format.Escape(s) != s {
		return strconv.Quote(s)
	}
	return s
}

// parseStreamFields reads what streamFieldsText writes: name=value pairs
// separated by spaces, where a name or value may be a double-quoted string
// with Go escapes ("hello world", "tab\there").
func parseStreamFields(v string) ([]backend.Field, error) {
	var out []backend.Field
	rest := strings.TrimSpace(v)
	for rest != "" {
		name, after, err := fieldToken(rest, true)
		if err != nil {
			return nil, err
		}
		if !strings.HasPrefix(after, "=") {
			return nil, backend.Invalid("entry", "%q: write field=value pairs (quote a value with spaces: msg=\"hello world\")", rest)
		}
		value, after, err := fieldToken(after[1:], false)
		if err != nil {
			return nil, err
		}
		if name == "" {
			return nil, backend.Invalid("entry", "a field needs a name")
		}
		out = append(out, backend.Field{Name: name, Value: value})
		rest = strings.TrimLeft(after, " ")
	}
	if len(out) == 0 {
		return nil, backend.Invalid("entry", "a stream entry needs at least one field=value")
	}
	return out, nil
}

// fieldToken reads one name (up to =) or value (up to a space), quoted or
// bare, and returns the rest.
func fieldToken(s string, isName bool) (string, string, error) {
	if strings.HasPrefix(s, `"`) {
		q, err := strconv.QuotedPrefix(s)
		if err != nil {
			return "", "", backend.Invalid("entry", "%s: a quoted string is not closed or has a bad escape", s)
		}
		u, _ := strconv.Unquote(q)
		return u, s[len(q):], nil
	}
	end := strings.IndexAny(s, " =")
	if !isName {
		end = strings.IndexByte(s, ' ')
	}
	if end < 0 {
		return s, "", nil
	}
	return s[:end], s[end:], nil
}
