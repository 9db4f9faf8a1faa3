package insight

import (
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/kvdeck/kvdeck/backend"
)

// Export writes the report's tables to dir as CSV files (namespaces at
// depth, TTL groups, top keys, top collections) and one JSON file with all
// of them, and returns the paths written. Key names that are not UTF-8
// are written base64 with a key_base64 column or field, so no byte is lost.
func Export(dir string, r Report, depth int, facts []backend.Fact, now time.Time) ([]string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	var paths []string
	write := func(name string, rows [][]string) error {
		path := filepath.Join(dir, name)
		f, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
		if err != nil {
			return err
		}
		w := csv.NewWriter(f)
		w.WriteAll(rows)
		if err := w.Error(); err != nil {
			f.Close()
			return err
		}
		paths = append(paths, path)
		return f.Close()
	}
	i64 := func(n int64) string { return strconv.FormatInt(n, 10) }
	ns := [][]string{{"namespace", "keys", "bytes", "average_bytes", "share", "keys_without_ttl"}}
	for _, n := range r.Namespaces[depth-1] {
		ns = append(ns, []string{n.Prefix, i64(n.Keys), i64(n.Bytes), i64(n.Avg()), share(n.Bytes, r.Bytes), i64(n.NoTTL)})
	}
	t := r.TTL
	ttl := [][]string{{"group", "keys"}, {"no_ttl", i64(t.NoTTL)}, {"under_1h", i64(t.UnderHour)}, {"under_1d", i64(t.UnderDay)},
		{"under_7d", i64(t.UnderWeek)}, {"under_30d", i64(t.UnderMonth)}, {"longer", i64(t.Longer)},
		{"expiring_next_minute", i64(t.NextMinute)}, {"expiring_next_hour", i64(t.NextHour)}}
	keyRows := func(list []backend.KeyFacts) [][]string {
		rows := [][]string{{"key", "key_base64", "type", "bytes", "length", "expires_at"}}
		for _, f := range list {
			name, b64 := keyText(f.Key)
			exp := ""
			if !f.ExpiresAt.IsZero() {
				exp = f.ExpiresAt.UTC().Format(time.RFC3339)
			}
			rows = append(rows, []string{name, b64, f.Kind.String(), i64(f.Size), i64(f.Length), exp})
		}
		return rows
	}
	for _, file := range []struct {
		name string
		rows [][]string
	}{
		{fmt.Sprintf("namespaces-depth%d.csv", depth), ns}, {"ttl-groups.csv", ttl},
		{"top-keys.csv", keyRows(r.TopKeys)}, {"top-collections.csv", keyRows(r.TopCollections)},
	} {
		if err := write(file.name, file.rows); err != nil {
			return paths, err
		}
	}
	doc := map[string]any{
		"analysed_at": now.UTC().Format(time.RFC3339), "keys": r.Keys, "bytes": r.Bytes, "depth": depth,
		"namespaces": jsonNamespaces(r.Namespaces[depth-1], r.Bytes), "ttl_groups": t,
		"top_keys": jsonKeys(r.TopKeys), "top_collections": jsonKeys(r.TopCollections), "store": facts,
	}
	if r.Markers > 0 {
		doc["delete_markers"], doc["delete_marker_bytes"] = r.Markers, r.MarkerBytes
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return paths, err
	}
	path := filepath.Join(dir, "analysis.json")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return paths, err
	}
	return append(paths, path), nil
}

// keyText is a key as text, or "" and its base64 when it is not UTF-8.
func keyText(k string) (text, b64 string) {
	if utf8.ValidString(k) {
		return k, ""
	}
	return "", base64.StdEncoding.EncodeToString([]byte(k))
}

func share(part, total int64) string {
	if total <= 0 {
		return "0"
	}
	return strconv.FormatFloat(float64(part)/float64(total), 'f', 4, 64)
}

func jsonNamespaces(list []Namespace, total int64) []map[string]any {
	out := make([]map[string]any, 0, len(list))
	for _, n := range list {
		name, b64 := keyText(n.Prefix)
		m := map[string]any{"namespace": name, "keys": n.Keys, "bytes": n.Bytes, "average_bytes": n.Avg(), "share": share(n.Bytes, total), "keys_without_ttl": n.NoTTL}
		if b64 != "" {
			m["namespace_base64"] = b64
		}
		out = append(out, m)
	}
	return out
}

func jsonKeys(list []backend.KeyFacts) []map[string]any {
	out := make([]map[string]any, 0, len(list))
	for _, f := range list {
		name, b64 := keyText(f.Key)
		m := map[string]any{"key": name, "type": f.Kind.String(), "bytes": f.Size, "length": f.Length}
		if b64 != "" {
			m["key_base64"] = b64
		}
		if !f.ExpiresAt.IsZero() {
			m["expires_at"] = f.ExpiresAt.UTC().Format(time.RFC3339)
		}
		out = append(out, m)
	}
	return out
}
