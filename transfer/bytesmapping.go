package transfer

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/kvdeck/kvdeck/backend"
)

// A store that holds only byte values (NATS KV, the local store) gets a
// Redis collection as JSON (README: "Copying between stores"):
//
//	hash   → {"field": "value", ...}
//	list   → ["item", ...]
//	set    → ["member", ...] sorted
//	zset   → [{"member": "m", "score": 1.5}, ...] in score order
//	stream → [{"id": "1-0", "fields": [["name", "value"], ...]}, ...]
//
// A byte string that is not UTF-8 is written as {"base64": "..."}, so that
// nothing is lost; a score JSON cannot hold (inf) as the string "inf".

// AsBytes turns a collection record into the string record a byte store
// holds; a string record is returned as it is.
func AsBytes(rec backend.Record) (backend.Record, error) {
	if !rec.Kind.IsCollection() {
		return rec, nil
	}
	var v any
	switch rec.Kind {
	case backend.KindHash:
		m := make(map[string]any, len(rec.Elements))
		for _, e := range rec.Elements {
			if !utf8.ValidString(e.Field) {
				// A JSON object's names are text: a binary field name
				// would be changed by the mapping, so refuse it.
				return rec, fmt.Errorf("key %q: hash field %q is not UTF-8 and cannot be a JSON object's name", rec.Key, e.Field)
			}
			m[e.Field] = jsonBytes(e.Value)
		}
		v = m
	case backend.KindList:
		a := make([]any, len(rec.Elements))
		for i, e := range rec.Elements {
			a[i] = jsonBytes(e.Value)
		}
		v = a
	case backend.KindSet:
		members := make([]string, len(rec.Elements))
		for i, e := range rec.Elements {
			members[i] = string(e.Value)
		}
		slices.Sort(members)
		a := make([]any, len(members))
		for i, m := range members {
			a[i] = jsonBytes([]byte(m))
		}
		v = a
	case backend.KindZSet:
		els := slices.Clone(rec.Elements)
		slices.SortStableFunc(els, func(a, b backend.Element) int {
			if a.Score != b.Score {
				if a.Score < b.Score {
					return -1
				}
				return 1
			}
			return strings.Compare(string(a.Value), string(b.Value))
		})
		a := make([]any, len(els))
		for i, e := range els {
			var sc any = e.Score
			if math.IsInf(e.Score, 0) {
				sc = score(e.Score)
			}
			a[i] = map[string]any{"member": jsonBytes(e.Value), "score": sc}
		}
		v = a
	case backend.KindStream:
		a := make([]any, len(rec.Elements))
		for i, e := range rec.Elements {
			// Pairs, not an object: an entry keeps its fields' order,
			// and may repeat a name.
			fields := make([][2]any, len(e.Fields))
			for j, f := range e.Fields {
				fields[j] = [2]any{jsonBytes([]byte(f.Name)), jsonBytes([]byte(f.Value))}
			}
			a[i] = map[string]any{"id": e.Field, "fields": fields}
		}
		v = a
	}
	b, err := json.Marshal(v)
	if err != nil {
		return rec, fmt.Errorf("key %q: %v", rec.Key, err)
	}
	out := rec
	out.Kind, out.Value, out.Elements = backend.KindString, b, nil
	return out, nil
}

// jsonBytes is b as a JSON string, or {"base64": ...} when not UTF-8.
func jsonBytes(b []byte) any {
	if utf8.Valid(b) {
		return string(b)
	}
	return map[string]string{"base64": base64.StdEncoding.EncodeToString(b)}
}
