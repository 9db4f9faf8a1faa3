// Package transfer moves keys between stores and files: kvdeck's JSON Lines
// exchange format and the Tiny RDM / Another Redis Desktop Manager CSV,
// the export that streams a listing into a file, the import that streams a
// file into a bucket, and the mapping of Redis collections to JSON for
// stores that hold only bytes. Stores read and write whole keys
// (backend.RecordReader, backend.RecordWriter); this package decides what
// a line means.
package transfer

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/kvdeck/kvdeck/backend"
)

// line is one key in kvdeck's JSON Lines format (README: "The exchange
// format"). Byte strings (the value, a collection's fields, values,
// members and stream fields) are text when every one of the record's is
// valid UTF-8, else all base64; Encoding says which. The key is Key when
// it is UTF-8, else KeyBase64.
type line struct {
	Bucket    string    `json:"bucket,omitempty"`
	Key       *string   `json:"key,omitempty"`
	KeyBase64 string    `json:"key_base64,omitempty"`
	Type      string    `json:"type"`
	Encoding  string    `json:"encoding"`
	Value     *string   `json:"value,omitempty"`
	Elements  []element `json:"elements,omitempty"`
	ExpiresAt string    `json:"expires_at,omitempty"`
	TTLms     *int64    `json:"ttl_ms,omitempty"`
	Revision  uint64    `json:"revision,omitempty"`
	Created   string    `json:"created,omitempty"`
}

// element is one element of a collection: a hash field (field, value), a
// list item or set member (value), a sorted-set member (value, score), a
// stream entry (id, fields as [name, value] pairs).
type element struct {
	Field  *string     `json:"field,omitempty"`
	Value  *string     `json:"value,omitempty"`
	Score  *score      `json:"score,omitempty"`
	ID     string      `json:"id,omitempty"`
	Fields [][2]string `json:"fields,omitempty"`
}

// score is a sorted-set score: a JSON number, or "inf" / "-inf", which
// JSON numbers cannot say.
type score float64

func (s score) MarshalJSON() ([]byte, error) {
	f := float64(s)
	switch {
	case math.IsInf(f, 1):
		return []byte(`"inf"`), nil
	case math.IsInf(f, -1):
		return []byte(`"-inf"`), nil
	}
	return strconv.AppendFloat(nil, f, 'g', -1, 64), nil
}

func (s *score) UnmarshalJSON(b []byte) error {
	var text string
	if json.Unmarshal(b, &text) == nil {
		switch text {
		case "inf", "+inf":
			*s = score(math.Inf(1))
			return nil
		case "-inf":
			*s = score(math.Inf(-1))
			return nil
		}
		return fmt.Errorf("score %q: give a number, inf or -inf", text)
	}
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		return fmt.Errorf("score %s: give a number, inf or -inf", b)
	}
	*s = score(f)
	return nil
}

// Encoding values.
const (
	encText   = "text"
	encBase64 = "base64"
)

// EncodeJSONL writes rec as one line of kvdeck's JSON Lines format
// (without the newline). now is when the export read it: ttl_ms is the
// time left from then.
func EncodeJSONL(bucket string, rec backend.Record, now time.Time) ([]byte, error) {
	l := line{Bucket: bucket, Type: rec.Kind.String(), Encoding: encText, Revision: rec.Revision}
	if l.Type == "" {
		return nil, fmt.Errorf("key %q: unknown type", rec.Key)
	}
	if utf8.ValidString(rec.Key) {
		l.Key = &rec.Key
	} else {
		l.KeyBase64 = base64.StdEncoding.EncodeToString([]byte(rec.Key))
	}
	if !recordIsText(rec) {
		l.Encoding = encBase64
	}
	enc := func(b string) *string {
		if l.Encoding == encBase64 {
			b = base64.StdEncoding.EncodeToString([]byte(b))
		}
		return &b
	}
	if rec.Kind.IsCollection() {
		l.Elements = make([]element, 0, len(rec.Elements))
		for _, e := range rec.Elements {
			var out element
			switch rec.Kind {
			case backend.KindHash:
				out.Field, out.Value = enc(e.Field), enc(string(e.Value))
			case backend.KindList, backend.KindSet:
				out.Value = enc(string(e.Value))
			case backend.KindZSet:
				sc := score(e.Score)
				out.Value, out.Score = enc(string(e.Value)), &sc
			case backend.KindStream:
				out.ID = e.Field
				out.Fields = make([][2]string, len(e.Fields))
				for i, f := range e.Fields {
					out.Fields[i] = [2]string{*enc(f.Name), *enc(f.Value)}
				}
			}
			l.Elements = append(l.Elements, out)
		}
	} else {
		l.Value = enc(string(rec.Value))
	}
	if !rec.ExpiresAt.IsZero() {
		l.ExpiresAt = rec.ExpiresAt.UTC().Format(timeFormat)
		left := rec.ExpiresAt.Sub(now).Milliseconds()
		l.TTLms = &left
	}
	if !rec.Created.IsZero() {
		l.Created = rec.Created.UTC().Format(timeFormat)
	}
	return json.Marshal(l)
}

// timeFormat is RFC 3339 to the millisecond, the precision of Redis
// expiries.
const timeFormat = "2006-01-02T15:04:05.000Z07:00"

// recordIsText says whether every byte string of rec is valid UTF-8.
func recordIsText(rec backend.Record) bool {
	if !rec.Kind.IsCollection() {
		return utf8.Valid(rec.Value)
	}
	for _, e := range rec.Elements {
		if !utf8.ValidString(e.Field) && rec.Kind == backend.KindHash || !utf8.Valid(e.Value) {
			return false
		}
		for _, f := range e.Fields {
			if !utf8.ValidString(f.Name) || !utf8.ValidString(f.Value) {
				return false
			}
		}
	}
	return true
}

// streamID is a stream entry id as XADD takes it.
var streamID = regexp.MustCompile(`^[0-9]+-[0-9]+$`)

// DecodeJSONL reads one line of kvdeck's JSON Lines format. now turns a
// line with ttl_ms and no expires_at into an expiry. The error says what
// is wrong with the line (the caller adds its number).
func DecodeJSONL(b []byte, now time.Time) (backend.Record, error) {
	var l line
	var rec backend.Record
	if err := json.Unmarshal(b, &l); err != nil {
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			return rec, fmt.Errorf("not JSON (at byte %d): %v", syn.Offset, err)
		}
		return rec, fmt.Errorf("not a kvdeck record: %v", err)
	}
	switch {
	case l.Key != nil && l.KeyBase64 != "":
		return rec, errors.New("both key and key_base64")
	case l.Key != nil:
		rec.Key = *l.Key
	case l.KeyBase64 != "":
		k, err := base64.StdEncoding.DecodeString(l.KeyBase64)
		if err != nil {
			return rec, fmt.Errorf("key_base64: %v", err)
		}
		rec.Key = string(k)
	default:
		return rec, errors.New("no key")
	}
	kind, ok := backend.ParseKind(l.Type)
	if !ok || kind == backend.KindJSON {
		return rec, fmt.Errorf("key %q: unknown type %q (string, hash, list, set, zset or stream)", rec.Key, l.Type)
	}
	rec.Kind = kind
	var dec func(s *string, what string) (string, error)
	switch l.Encoding {
	case encText, "":
		dec = func(s *string, what string) (string, error) {
			if s == nil {
				return "", fmt.Errorf("key %q: no %s", rec.Key, what)
			}
			return *s, nil
		}
	case encBase64:
		dec = func(s *string, what string) (string, error) {
			if s == nil {
				return "", fmt.Errorf("key %q: no %s", rec.Key, what)
			}
			b, err := base64.StdEncoding.DecodeString(*s)
			if err != nil {
				return "", fmt.Errorf("key %q: %s is not base64: %v", rec.Key, what, err)
			}
			return string(b), nil
		}
	default:
		return rec, fmt.Errorf("key %q: unknown encoding %q (text or base64)", rec.Key, l.Encoding)
	}
	if kind == backend.KindString {
		if l.Elements != nil {
			return rec, fmt.Errorf("key %q: a string has a value, not elements", rec.Key)
		}
		v, err := dec(l.Value, "value")
		if err != nil {
			return rec, err
		}
		rec.Value = []byte(v)
	} else {
		if l.Value != nil {
			return rec, fmt.Errorf("key %q: a %s has elements, not a value", rec.Key, l.Type)
		}
		rec.Elements = make([]backend.Element, 0, len(l.Elements))
		for i, e := range l.Elements {
			el, err := decodeElement(kind, e, dec)
			if err != nil {
				return rec, fmt.Errorf("key %q: element %d: %v", rec.Key, i, err)
			}
			if kind == backend.KindList {
				el.Index = int64(i)
			}
			rec.Elements = append(rec.Elements, el)
		}
	}
	switch {
	case l.ExpiresAt != "":
		at, err := time.Parse(time.RFC3339Nano, l.ExpiresAt)
		if err != nil {
			return rec, fmt.Errorf("key %q: expires_at %q is not an RFC 3339 time", rec.Key, l.ExpiresAt)
		}
		rec.ExpiresAt = at
	case l.TTLms != nil:
		if *l.TTLms <= 0 {
			return rec, fmt.Errorf("key %q: ttl_ms %d: give a positive time left, or no ttl_ms for none", rec.Key, *l.TTLms)
		}
		rec.ExpiresAt = now.Add(time.Duration(*l.TTLms) * time.Millisecond)
	}
	rec.Revision = l.Revision
	if l.Created != "" {
		if at, err := time.Parse(time.RFC3339Nano, l.Created); err == nil {
			rec.Created = at
		}
	}
	return rec, nil
}

func decodeElement(kind backend.Kind, e element, dec func(*string, string) (string, error)) (backend.Element, error) {
	var el backend.Element
	var err error
	switch kind {
	case backend.KindHash:
		if el.Field, err = dec(e.Field, "field"); err != nil {
			return el, err
		}
		v, err := dec(e.Value, "value")
		el.Value = []byte(v)
		return el, err
	case backend.KindList, backend.KindSet:
		v, err := dec(e.Value, "value")
		el.Value = []byte(v)
		return el, err
	case backend.KindZSet:
		v, err := dec(e.Value, "value")
		if err != nil {
			return el, err
		}
		if e.Score == nil {
			return el, errors.New("no score")
		}
		el.Value, el.Score = []byte(v), float64(*e.Score)
		return el, nil
	case backend.KindStream:
		if !streamID.MatchString(e.ID) {
			return el, fmt.Errorf("stream entry id %q: give MS-SEQ", e.ID)
		}
		el.Field = e.ID
		if len(e.Fields) == 0 {
			return el, errors.New("a stream entry needs fields")
		}
		for _, f := range e.Fields {
			n, err := dec(&f[0], "field name")
			if err != nil {
				return el, err
			}
			v, err := dec(&f[1], "field value")
			if err != nil {
				return el, err
			}
			el.Fields = append(el.Fields, backend.Field{Name: n, Value: v})
		}
		return el, nil
	}
	return el, fmt.Errorf("unknown type %v", kind)
}
