package nats

import (
	"strings"

	"github.com/kvdeck/kvdeck/backend"
)

// NATS keys are subject tokens joined by '.': letters, digits and - / _ =
// only (the rule of nats.go's KeyValue). Checking here refuses a bad key
// with a reason before any round trip.

func keyByteValid(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '-' || c == '/' || c == '_' || c == '=' || c == '.'
}

// validateKey returns an InputError naming what is wrong with key.
func validateKey(key string) error {
	if key == "" {
		return backend.Invalid("key", "must not be empty")
	}
	for i := 0; i < len(key); i++ {
		if !keyByteValid(key[i]) {
			return backend.Invalid("key", "%q has a character NATS keys cannot hold; use letters, digits and - / _ = .", key)
		}
	}
	if key[0] == '.' || key[len(key)-1] == '.' || strings.Contains(key, "..") {
		return backend.Invalid("key", "%q has an empty token; '.' separates non-empty parts", key)
	}
	return nil
}

// keyFilter turns a listing pattern into a key filter: "" is every key
// (">"); otherwise each '.'-separated token is a literal, "*" (one token)
// or, last, ">" (one or more tokens).
func keyFilter(pattern string) (string, error) {
	pattern = strings.TrimSpace(pattern)
	if pattern == "" {
		return ">", nil
	}
	tokens := strings.Split(pattern, ".")
	for i, tok := range tokens {
		switch {
		case tok == "":
			return "", backend.Invalid("pattern", "%q has an empty token; '.' separates non-empty parts", pattern)
		case tok == "*":
		case tok == ">":
			if i != len(tokens)-1 {
				return "", backend.Invalid("pattern", "%q: '>' matches the rest, so it must be the last token", pattern)
			}
		default:
			for j := 0; j < len(tok); j++ {
				if tok[j] == '*' || tok[j] == '>' {
					return "", backend.Invalid("pattern", "%q: wildcards stand alone as a token (orders.*.state, orders.>)", pattern)
				}
				if !keyByteValid(tok[j]) {
					return "", backend.Invalid("pattern", "%q has a character NATS keys cannot hold", pattern)
				}
			}
		}
	}
	return pattern, nil
}
