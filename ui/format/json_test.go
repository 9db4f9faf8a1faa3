package format

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
)

// prettyText joins a JSON document's lines as stored (indent and raw
// text, no escaping), to compare with json.Indent.
func prettyText(d *Document) string {
	var b strings.Builder
	for i := range d.Len() {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(strings.Repeat(" ", d.indent(i)))
		b.WriteString(d.raw(i))
	}
	return b.String()
}

func indentWant(t testing.TB, src []byte) string {
	t.Helper()
	var want bytes.Buffer
	if err := json.Indent(&want, src, "", "  "); err != nil {
		t.Fatalf("json.Indent(%q): %v", src, err)
	}
	// json.Indent keeps trailing space of its input; lines do not.
	return strings.TrimRight(want.String(), " \t\r\n")
}

var prettySamples = []string{
	`{"a":1}`,
	`[]`,
	`{}`,
	` { } `,
	"[\n]",
	`{"a":[],"b":{},"c":[[],[{}],{"d":[]}]}`,
	`{"name":"名前","emoji":"🙂","accent":"é","rtl":"שלום"}`,
	`{"esc":"quote \" backslash \\ slash \/ ctl \b\f\n\r\t \u001b \u00e9 \ud83d\ude42"}`,
	`[0,-0,1.5,-2.25e10,1E+3,6.02e-23,123456789012345678901234567890,0.0]`,
	`[true,false,null,"",{"":""}]`,
	"{\n\t\"spaced\" :\r\n [ 1 , 2 ] ,\"x\":\"y\"}\n\n",
	`"just a string"`,
	`42`,
	`null`,
	"{\"raw\":\"del \x7f c1 \xc2\x9b bad \xff utf8\"}",
	`[[[[[[[[[["deep"]]]]]]]]]]`,
	`{"a":{"b":{"c":[1,{"d":[2,3]}]}},"e":[{"f":null},{"g":[{}]}]}`,
}

func TestPrettyMatchesJSONIndent(t *testing.T) {
	for _, s := range prettySamples {
		doc, err := Build([]byte(s), JSON, Options{})
		if err != nil {
			t.Errorf("Build(%q): %v", s, err)
			continue
		}
		if got, want := prettyText(doc), indentWant(t, []byte(s)); got != want {
			t.Errorf("pretty(%q) =\n%s\nwant\n%s", s, got, want)
		}
	}
}

func TestPrettyMatchesJSONIndentOnGeneratedDocument(t *testing.T) {
	src := generateUsers(200 << 10)
	doc, err := Build(src, JSON, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := prettyText(doc), indentWant(t, src); got != want {
		t.Fatalf("pretty-printed generated document differs from json.Indent")
	}
}

func TestPrettyNestingLimitFollowsEncodingJSON(t *testing.T) {
	for _, depth := range []int{maxJSONDepth, maxJSONDepth + 1} {
		src := strings.Repeat("[", depth) + strings.Repeat("]", depth)
		_, err := Build([]byte(src), JSON, Options{})
		if valid := json.Valid([]byte(src)); (err == nil) != valid {
			t.Errorf("depth %d: Build error %v, json.Valid %v", depth, err, valid)
		}
	}
}

func TestLinesAreEscaped(t *testing.T) {
	doc, err := Build([]byte("{\"raw\":\"del \x7f c1 \xc2\x9b bad \xff\"}"), JSON, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := doc.Line(1), `  "raw": "del \x7f c1 \u009b bad \xff"`; got != want {
		t.Errorf("Line(1) = %q, want %q", got, want)
	}
}

func TestJSONPathOfEveryLine(t *testing.T) {
	src := `{"users":[{"name":"a","tags":["x","y"]},{"first name":"b"}],"n":1,"empty":[],"we\"ird":{"k\u0041":true},"$ok_1":2,"9lives":3,"":4}`
	want := []struct{ line, path string }{
		{`{`, `$`},
		{`  "users": [`, `$.users`},
		{`    {`, `$.users[0]`},
		{`      "name": "a",`, `$.users[0].name`},
		{`      "tags": [`, `$.users[0].tags`},
		{`        "x",`, `$.users[0].tags[0]`},
		{`        "y"`, `$.users[0].tags[1]`},
		{`      ]`, `$.users[0].tags`},
		{`    },`, `$.users[0]`},
		{`    {`, `$.users[1]`},
		{`      "first name": "b"`, `$.users[1]["first name"]`},
		{`    }`, `$.users[1]`},
		{`  ],`, `$.users`},
		{`  "n": 1,`, `$.n`},
		{`  "empty": [],`, `$.empty`},
		{`  "we\"ird": {`, `$["we\"ird"]`},
		{`    "k\u0041": true`, `$["we\"ird"].kA`},
		{`  },`, `$["we\"ird"]`},
		{`  "$ok_1": 2,`, `$.$ok_1`},
		{`  "9lives": 3,`, `$["9lives"]`},
		{`  "": 4`, `$[""]`},
		{`}`, `$`},
	}
	doc, err := Build([]byte(src), JSON, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if doc.Len() != len(want) {
		t.Fatalf("%d lines, want %d:\n%s", doc.Len(), len(want), prettyText(doc))
	}
	for i, w := range want {
		if got := doc.Line(i); got != w.line {
			t.Errorf("Line(%d) = %q, want %q", i, got, w.line)
		}
		if got := doc.Path(i); got != w.path {
			t.Errorf("Path(%d) (%s) = %q, want %q", i, w.line, got, w.path)
		}
	}
	if doc.Path(-1) != "" || doc.Path(doc.Len()) != "" {
		t.Errorf("Path out of range should be empty")
	}
}

func TestJSONPathLeadsToTheLinesValue(t *testing.T) {
	src := generateUsers(64 << 10)
	var root any
	if err := json.Unmarshal(src, &root); err != nil {
		t.Fatal(err)
	}
	doc, err := Build(src, JSON, Options{})
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for i := range doc.Len() {
		line := strings.TrimSuffix(strings.TrimSpace(doc.raw(i)), ",")
		// Scalar lines: the value after the key (if any) is the value the
		// path must lead to.
		if strings.HasSuffix(line, "{") || strings.HasSuffix(line, "[") || line == "}" || line == "]" {
			continue
		}
		valueText := line
		if doc.json[i].index == lineMember {
			_, valueText, _ = strings.Cut(line, `": `)
		}
		var want any
		if err := json.Unmarshal([]byte(valueText), &want); err != nil {
			t.Fatalf("line %d %q: %v", i, line, err)
		}
		got, err := lookupPath(root, doc.Path(i))
		if err != nil {
			t.Fatalf("line %d: path %q: %v", i, doc.Path(i), err)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("line %d %q: path %q leads to %v", i, line, doc.Path(i), got)
		}
		checked++
	}
	if checked < 1000 {
		t.Fatalf("checked only %d lines", checked)
	}
}

// lookupPath follows a path of the form Path writes through decoded JSON.
func lookupPath(v any, path string) (any, error) {
	if !strings.HasPrefix(path, "$") {
		return nil, fmt.Errorf("no $")
	}
	p := path[1:]
	for p != "" {
		switch {
		case strings.HasPrefix(p, "."):
			end := strings.IndexAny(p[1:], ".[")
			if end < 0 {
				end = len(p) - 1
			}
			key := p[1 : end+1]
			p = p[end+1:]
			m, ok := v.(map[string]any)
			if !ok {
				return nil, fmt.Errorf(".%s on %T", key, v)
			}
			v = m[key]
		case strings.HasPrefix(p, `["`):
			dec := json.NewDecoder(strings.NewReader(p[1:]))
			var key string
			if err := dec.Decode(&key); err != nil {
				return nil, err
			}
			p = p[1+int(dec.InputOffset())+1:]
			v = v.(map[string]any)[key]
		case strings.HasPrefix(p, "["):
			end := strings.IndexByte(p, ']')
			n, err := strconv.Atoi(p[1:end])
			if err != nil {
				return nil, err
			}
			p = p[end+1:]
			v = v.([]any)[n]
		default:
			return nil, fmt.Errorf("bad path rest %q", p)
		}
	}
	return v, nil
}

func TestInvalidJSONGivesLineAndColumn(t *testing.T) {
	cases := []struct {
		src       string
		line, col int
		msg       string
	}{
		{"{\n  \"a\": 1,\n  \"b\": tru\n}", 3, 11, "in literal true"},
		{`[1, 2,, 3]`, 1, 7, "looking for beginning of value"},
		{`{"名前": x}`, 1, 8, "invalid character 'x'"},
		{`{"a": [1, 2`, 1, 12, "unexpected end of JSON input"},
		{"{\"a\":1}\n{\"b\":2}", 2, 1, "after top-level value"},
		{"[\"tab\there\"]", 1, 6, "in string literal"},
		{``, 1, 1, "unexpected end of JSON input"},
	}
	for _, c := range cases {
		doc, err := Build([]byte(c.src), JSON, Options{})
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Build(%q) = %v, %v; want a *SyntaxError", c.src, doc, err)
			continue
		}
		if se.Line != c.line || se.Column != c.col || !strings.Contains(se.Msg, c.msg) {
			t.Errorf("Build(%q): %v; want line %d, column %d, %q", c.src, err, c.line, c.col, c.msg)
		}
		want := fmt.Sprintf("invalid JSON at line %d, column %d: ", c.line, c.col)
		if !strings.HasPrefix(err.Error(), want) {
			t.Errorf("message %q does not start %q", err.Error(), want)
		}
		if err2 := CheckJSON([]byte(c.src)); err2 == nil || err2.Error() != err.Error() {
			t.Errorf("CheckJSON(%q) = %v, want %v", c.src, err2, err)
		}
	}
	if err := CheckJSON([]byte(`{"ok":true}`)); err != nil {
		t.Errorf("CheckJSON of valid JSON: %v", err)
	}
}

func TestPartialJSONShowsWhatThereIs(t *testing.T) {
	src := generateUsers(300 << 10)
	for _, cut := range []int{1, 2, 100, 1000, 4097, 150 << 10, len(src) - 1} {
		prefix := src[:cut]
		if _, err := Build(prefix, JSON, Options{}); err == nil {
			t.Errorf("cut at %d: strict Build accepted a cut document", cut)
		}
		doc, err := Build(prefix, JSON, Options{Partial: true})
		if err != nil {
			t.Fatalf("cut at %d: partial Build: %v", cut, err)
		}
		// What is shown is the whole document's pretty form, up to the cut.
		full, _ := Build(src, JSON, Options{})
		got := prettyText(doc)
		if !strings.HasPrefix(prettyText(full), got) {
			t.Fatalf("cut at %d: partial output is not a prefix of the full output:\n%s", cut, got[max(len(got)-200, 0):])
		}
		for i := range doc.Len() {
			_ = doc.Path(i) // every line, including a cut key, has a path
		}
	}
	if _, err := Build([]byte(`{"a": [1, 2 x`), JSON, Options{Partial: true}); err == nil {
		t.Errorf("partial Build accepted an error before the end")
	}
}

// FuzzPretty holds the printer to encoding/json: the same verdict on
// validity and, for valid input, json.Indent's output.
func FuzzPretty(f *testing.F) {
	for _, s := range prettySamples {
		f.Add([]byte(s))
	}
	for _, s := range []string{`{"a":tru}`, `[1,]`, `{"a" 1}`, `01`, `-`, `1.`, `1e`, `"\u12"`, `"\x"`, `[`, `{"a":1}x`, "\"\x01\""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		doc, err := Build(src, JSON, Options{})
		if valid := json.Valid(src); valid != (err == nil) {
			t.Fatalf("Build(%q) error %v, json.Valid %v", src, err, valid)
		}
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) || se.Line < 1 || se.Column < 1 {
				t.Fatalf("Build(%q): error %v has no position", src, err)
			}
			return
		}
		if got, want := prettyText(doc), indentWant(t, src); got != want {
			t.Fatalf("pretty(%q) = %q, want %q", src, got, want)
		}
		for i := range doc.Len() {
			assertTerminalSafe(t, "Line", doc.Line(i))
			_ = doc.Path(i)
		}
	})
}
