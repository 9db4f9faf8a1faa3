package config

// The TOML library is github.com/pelletier/go-toml/v2 rather than
// github.com/BurntSushi/toml because of the write-back: go-toml's parser
// (package unstable) hands out the byte range of every key/value, key and
// comment, so an edit can replace exactly one value, multi-line ones
// included, and leave every other byte alone. BurntSushi/toml keeps its
// parser's positions private (its MetaData has keys and types, not where
// they are), which would leave a hand-written line scan to guess them. Its
// decoder also reports the line, column and key of a problem, which the
// messages below pass on.

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/pelletier/go-toml/v2"
)

// File is the saved-connections file as loaded, and as edited by Put,
// Delete and Rename until Save.
type File struct {
	// Path is where the file is read from and saved to.
	Path string
	// Connections are in the file's order. Change them with Put, Delete
	// and Rename, which edit the file's text; changing this slice does not.
	Connections []Connection
	// Warnings are problems that do not stop kvdeck: unknown keys inside a
	// connection, each as "FILE:LINE: connections.NAME.KEY: ...".
	Warnings []string
	// Decoders are the [decoders.NAME] tables, in the file's order, and
	// Protobuf the [protobuf] table (nil without one): see decoders.go.
	Decoders []Decoder
	Protobuf *Protobuf

	// data is the text as edited; loaded the text as read, to notice a
	// change on disk before Save overwrites it (nil: there was no file).
	data, loaded []byte
	// mode is the existing file's permission bits, kept by Save.
	mode fs.FileMode
}

// Path is the saved-connections file: $KVDECK_CONFIG, else
// $XDG_CONFIG_HOME/kvdeck/config.toml, else ~/.config/kvdeck/config.toml.
func Path() (string, error) {
	if p := os.Getenv("KVDECK_CONFIG"); p != "" {
		return p, nil
	}
	dir := os.Getenv("XDG_CONFIG_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("no home folder for the kvdeck configuration: %w", err)
		}
		dir = filepath.Join(home, ".config")
	}
	return filepath.Join(dir, "kvdeck", "config.toml"), nil
}

// Load reads the file at path. A missing file is an empty File that
// remembers its path, so that Put and Save create it. Errors name the file
// and the line, and the key when there is one; all the problems of a file
// are reported at once, one per line.
func Load(path string) (*File, error) {
	f := &File{Path: path}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return f, nil
	}
	if err != nil {
		return nil, err
	}
	if info, err := os.Stat(path); err == nil {
		f.mode = info.Mode().Perm()
	}
	if err := f.parse(data); err != nil {
		return nil, err
	}
	f.loaded = data
	return f, nil
}

// Get finds a connection by name.
func (f *File) Get(name string) (Connection, bool) {
	i := slices.IndexFunc(f.Connections, func(c Connection) bool { return c.Name == name })
	if i < 0 {
		return Connection{}, false
	}
	return f.Connections[i], true
}

// parse decodes data into f's connections and warnings, and makes it f's
// text; f is left as it was on error.
func (f *File) parse(data []byte) error {
	conns, warnings, err := decode(f.Path, data)
	if err != nil {
		return err
	}
	var doc map[string]any
	if err := toml.Unmarshal(data, &doc); err != nil {
		return tomlError(f.Path, err)
	}
	l, err := parseLayout(data)
	if err != nil {
		return tomlError(f.Path, err)
	}
	decs, pb, problems, decWarnings := decodeDecoders(f.Path, doc, l)
	if len(problems) > 0 {
		return errors.Join(problemErrors(f.Path, problems)...)
	}
	for _, err := range problemErrors(f.Path, decWarnings) {
		warnings = append(warnings, err.Error())
	}
	f.data, f.Connections, f.Warnings, f.Decoders, f.Protobuf = data, conns, warnings, decs, pb
	return nil
}

// decode reads the connections of a document.
func decode(path string, data []byte) ([]Connection, []string, error) {
	var doc map[string]any
	if err := toml.Unmarshal(data, &doc); err != nil {
		return nil, nil, tomlError(path, err)
	}
	l, err := parseLayout(data)
	if err != nil {
		return nil, nil, tomlError(path, err)
	}
	raw, ok := doc["connections"]
	if !ok {
		return nil, nil, nil
	}
	table, ok := raw.(map[string]any)
	if !ok {
		return nil, nil, fmt.Errorf("%s:%d: connections: must be a table of connections, like [connections.prod]", path, l.lineOf("connections"))
	}
	var (
		conns              []Connection
		lines              = map[string]int{}
		warnings, problems []problem
	)
	for name, v := range table {
		at := func(key ...string) int { return l.lineOf(append([]string{"connections", name}, key...)...) }
		t, ok := v.(map[string]any)
		if !ok {
			problems = append(problems, problem{at(), fmt.Sprintf("%s: must be a table, like [%s]", connectionPath(name), connectionPath(name))})
			continue
		}
		c := Connection{Name: name}
		bad := false
		for key, value := range t {
			fl, known := fieldByKey(key)
			if !known {
				msg := fmt.Sprintf("%s.%s: unknown key, ignored", connectionPath(name), quoteKey(key))
				if guess := closestKey(key); guess != "" {
					msg += fmt.Sprintf(" (did you mean %s?)", guess)
				}
				warnings = append(warnings, problem{at(key), msg})
				continue
			}
			if err := setField(fl, &c, value); err != nil {
				problems = append(problems, problem{at(key), fmt.Sprintf("%s.%s: %s", connectionPath(name), key, err)})
				bad = true
			}
		}
		if bad {
			continue
		}
		if err := c.Validate(); err != nil {
			line := at()
			var fe *FieldError
			if errors.As(err, &fe) && fe.Key != "" {
				line = at(fe.Key)
			}
			problems = append(problems, problem{line, err.Error()})
			continue
		}
		lines[name] = at()
		conns = append(conns, c)
	}
	if len(problems) > 0 {
		return nil, nil, errors.Join(problemErrors(path, problems)...)
	}
	// The file's order, not the map's: the picker lists them as written.
	slices.SortFunc(conns, func(a, b Connection) int { return cmp.Compare(lines[a.Name], lines[b.Name]) })
	var texts []string
	for _, err := range problemErrors(path, warnings) {
		texts = append(texts, err.Error())
	}
	return conns, texts, nil
}

// problem is one error or warning of a file.
type problem struct {
	line int
	msg  string
}

// problemErrors are the problems as "FILE:LINE: message", in the file's
// order (the decoded tables are maps, in no order).
func problemErrors(path string, problems []problem) []error {
	slices.SortStableFunc(problems, func(a, b problem) int {
		return cmp.Or(cmp.Compare(a.line, b.line), strings.Compare(a.msg, b.msg))
	})
	errs := make([]error, len(problems))
	for i, p := range problems {
		errs[i] = fmt.Errorf("%s:%d: %s", path, p.line, p.msg)
	}
	return errs
}

// setField stores a decoded TOML value into a known field, checking its
// type.
func setField(fl field, c *Connection, value any) error {
	switch p := fl.ptr(c).(type) {
	case *string:
		switch v := value.(type) {
		case string:
			*p = v
			return nil
		case int64:
			// bucket = 0: Redis's databases are numbers, and writing one
			// without quotes is natural.
			if fl.key == "bucket" {
				*p = strconv.FormatInt(v, 10)
				return nil
			}
		}
		if fl.key == "bucket" {
			return fmt.Errorf("must be a string or an integer, not %s", tomlType(value))
		}
		return fmt.Errorf("must be a string, not %s", tomlType(value))
	case *bool:
		if v, ok := value.(bool); ok {
			*p = v
			return nil
		}
		return fmt.Errorf("must be true or false, not %s", tomlType(value))
	case *[]string:
		list, ok := value.([]any)
		if !ok {
			return fmt.Errorf("must be an array of strings, not %s", tomlType(value))
		}
		*p = nil
		for _, item := range list {
			s, ok := item.(string)
			if !ok {
				return fmt.Errorf("must be an array of strings, and holds %s", tomlType(item))
			}
			*p = append(*p, s)
		}
		return nil
	}
	return fmt.Errorf("cannot be set")
}

// tomlType names a decoded value's TOML type, never its content: the value
// might be a secret typed in the wrong place.
func tomlType(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case int64:
		return "an integer"
	case float64:
		return "a float"
	case bool:
		return "a boolean"
	case []any:
		return "an array"
	case map[string]any:
		return "a table"
	}
	return "a date or time"
}

// tomlError names the file, line and column, and the key, of a TOML
// syntax or structure error. It gives the library's message but not its
// human-readable excerpt, which quotes the line: it may hold a secret.
func tomlError(path string, err error) error {
	var de *toml.DecodeError
	if errors.As(err, &de) {
		row, col := de.Position()
		msg := scrub(strings.TrimPrefix(de.Error(), "toml: "))
		if key := de.Key(); len(key) > 0 && !strings.Contains(msg, strings.Join(key, ".")) {
			msg = fmt.Sprintf("%s: %s", joinKey(key), msg)
		}
		return fmt.Errorf("%s:%d:%d: %s", path, row, col, msg)
	}
	return fmt.Errorf("%s: %w", path, err)
}

// A parser message may quote the text it stopped at: a character
// (U+0068 'h') or a number it could not read ("123abc"). Either may be part
// of a secret written where it should not be, so it is cut; the line and
// column say where to look.
var (
	quotedRune = regexp.MustCompile(` ?U\+[0-9A-F]{4,6}(?: '[^']*')?`)
	quotedText = regexp.MustCompile(`"[^"]*"`)
)

func scrub(msg string) string {
	msg = quotedRune.ReplaceAllString(msg, "")
	return quotedText.ReplaceAllString(msg, `"..."`)
}

// closestKey is the known key a typo most likely meant, "" if none is
// close (at most two edits, and fewer than half the key).
func closestKey(key string) string {
	best, bestDist := "", 3
	for _, f := range fields {
		if strings.EqualFold(key, f.key) {
			return f.key // URL: TOML keys are case-sensitive
		}
		d := editDistance(key, f.key)
		if d < bestDist && d*2 < len(f.key) {
			best, bestDist = f.key, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
