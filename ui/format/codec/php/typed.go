package php

import (
	"bytes"
	"encoding/base64"
	"strings"

	"github.com/kvdeck/kvdeck/ui/format/codec/internal/boundedjson"
)

// appendFloat writes a d: value keeping PHP's exact text: as the JSON
// number itself when that text is one that reads as a float (0.1,
// 1.0E+25), else {"$float":"<text>"} (PHP writes 1.0 as "1", and INF,
// -INF, NAN have no JSON number).
func appendFloat(dst, t []byte) []byte {
	if jsonFloat(t) {
		return append(dst, t...)
	}
	dst = append(dst, `{"$float":"`...)
	dst = append(dst, t...)
	return append(dst, `"}`...)
}

// jsonFloat says t is a JSON number with a fraction or an exponent.
func jsonFloat(t []byte) bool {
	if !bytes.ContainsAny(t, ".eE") {
		return false
	}
	return jsonNumber(t)
}

// jsonNumber: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func jsonNumber(t []byte) bool {
	i := 0
	digits := func() int {
		s := i
		for i < len(t) && t[i] >= '0' && t[i] <= '9' {
			i++
		}
		return i - s
	}
	if i < len(t) && t[i] == '-' {
		i++
	}
	if i < len(t) && t[i] == '0' {
		i++
	} else if digits() == 0 {
		return false
	}
	if i < len(t) && t[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(t) && (t[i] == 'e' || t[i] == 'E') {
		i++
		if i < len(t) && (t[i] == '+' || t[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(t)
}

func appendBase64(dst, b []byte) []byte { return base64.StdEncoding.AppendEncode(dst, b) }

// appendKey writes an object key, escaping a key that starts with "$" by
// doubling that "$", so it is never read as a typed-JSON word.
func appendKey(dst, k []byte) []byte {
	if len(k) > 0 && k[0] == '$' {
		dst = append(dst, '"', '$')
		q := boundedjson.AppendString(nil, k)
		return append(dst, q[1:]...)
	}
	return boundedjson.AppendString(dst, k)
}

// isTyped says whether an object's only key is a typed-JSON word.
func isTyped(k string) bool { return strings.HasPrefix(k, "$") && !strings.HasPrefix(k, "$$") }
