package pickle

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/kvdeck/kvdeck/ui/format/codec"
)

// fixtures are the .pickle files make.py wrote (testdata/README.md).
func fixtures(t testing.TB) map[string][]byte {
	t.Helper()
	files, err := filepath.Glob("testdata/*.pickle")
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	m := map[string][]byte{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		m[strings.TrimSuffix(filepath.Base(f), ".pickle")] = b
	}
	return m
}

func decodeAny(t *testing.T, b []byte) any {
	t.Helper()
	d, err := Codec.Decode(b, 1<<20, false)
	if err != nil {
		t.Fatal(err)
	}
	if d.Cut || d.View != codec.JSON {
		t.Fatalf("cut %v view %v", d.Cut, d.View)
	}
	var v any
	if err := json.Unmarshal(d.Out, &v); err != nil {
		t.Fatalf("%v: %s", err, d.Out)
	}
	return v
}

func path(v any, keys ...any) any {
	for _, k := range keys {
		switch k := k.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			a, _ := v.([]any)
			if k >= len(a) {
				return nil
			}
			v = a[k]
		}
	}
	return v
}

func asJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// The same value pickled with protocols 0, 2, 4 and 5: what all show
// alike, then what each protocol writes its own way.
func TestMixedAllProtocols(t *testing.T) {
	fx := fixtures(t)
	same := map[string]string{
		"name":     `"kvdeck"`,
		"n":        `42`,
		"neg":      `-7`,
		"big":      `{"$int":"1267650600228229401496703205376"}`,
		"negbig":   `{"$int":"-1180591620717411303424"}`,
		"f":        `1.5`,
		"t":        `{"$tuple":[1,"two",3]}`,
		"l":        `[1,2,[3]]`,
		"none":     `null`,
		"yes":      `true`,
		"no":       `false`,
		"u":        `"héllo ✓ 😀"`,
		"ikeys":    `{"$dict":[[1,"one"],[{"$tuple":[2,3]},"tuple key"]]}`,
		"selfdict": ``, // checked below
	}
	for _, p := range []string{"0", "2", "4", "5"} {
		v := decodeAny(t, fx["mixed_p"+p])
		for k, want := range same {
			if want != "" {
				if got := asJSON(path(v, k)); got != want {
					t.Errorf("p%s %s: got %s, want %s", p, k, got, want)
				}
			}
		}
		if got := path(v, "ctrl"); got != "a\x00b\x1bc\n\x7f" {
			t.Errorf("p%s ctrl: %q", p, got)
		}
		// Cycles: the list holds itself, the dict has itself at "self".
		if got := path(v, "cycle", 0, "$memo"); got == nil {
			t.Errorf("p%s cycle: %s", p, asJSON(path(v, "cycle")))
		}
		if got := path(v, "selfdict", "self", "$memo"); got == nil {
			t.Errorf("p%s selfdict: %s", p, asJSON(path(v, "selfdict")))
		}
		if got := path(v, "point", "state"); asJSON(got) != `{"x":1,"y":[2,3]}` {
			t.Errorf("p%s point state: %s", p, asJSON(got))
		}
		if got := path(v, "when", "$call", "$global"); got != "datetime.datetime" {
			t.Errorf("p%s datetime: %s", p, asJSON(path(v, "when")))
		}
	}
	// Protocol 0 and 2 (Python 3 writing for Python 2) spell sets and
	// bytes as calls; 4 and 5 have opcodes for them.
	p2 := decodeAny(t, fx["mixed_p2"])
	if got := asJSON(path(p2, "s")); got != `{"$call":{"$global":"__builtin__.set"},"args":[[1,2,3]]}` {
		t.Errorf("p2 set: %s", got)
	}
	if got := asJSON(path(p2, "point", "$call")); got != `{"$global":"__main__.Point"}` {
		t.Errorf("p2 point: %s", got)
	}
	p0 := decodeAny(t, fx["mixed_p0"])
	if got := asJSON(path(p0, "point", "$call")); got != `{"$global":"copy_reg._reconstructor"}` {
		t.Errorf("p0 point: %s", got)
	}
	for _, p := range []string{"4", "5"} {
		v := decodeAny(t, fx["mixed_p"+p])
		for k, want := range map[string]string{
			"s":    `{"$set":[1,2,3]}`,
			"fs":   `{"$frozenset":["a"]}`,
			"b":    `{"$bytes":"AAFiaW4="}`,
			"when": `{"$call":{"$global":"datetime.datetime"},"args":[{"$bytes":"B+gFBgcICQHiQA=="}]}`,
			"day":  `{"$call":{"$global":"datetime.date"},"args":[{"$bytes":"B+gFBg=="}]}`,
		} {
			if got := asJSON(path(v, k)); got != want {
				t.Errorf("p%s %s: got %s, want %s", p, k, got, want)
			}
		}
	}
	if got := asJSON(path(decodeAny(t, fx["mixed_p5"]), "ba")); got != `{"$bytearray":"eHk="}` {
		t.Errorf("p5 bytearray: %s", got)
	}
}

func TestSmallFixtures(t *testing.T) {
	fx := fixtures(t)
	for name, want := range map[string]string{
		"reduce_os_system": `{"$call":{"$global":"posix.system"},"args":["echo pwned"]}`,
		"buffer_p5":        `[{"$readonly":{"$buffer":0}},{"$buffer":1}]`,
		"inband_p5":        `{"$bytearray":"aW5iYW5k"}`,
		"scalar_p4":        `"just a string"`,
	} {
		d, err := Codec.Decode(fx[name], 1<<20, false)
		if err != nil || string(d.Out) != want {
			t.Errorf("%s: %v %s, want %s", name, err, d.Out, want)
		}
	}
}

// Disassemble must list what pickletools.dis listed for each fixture.
func TestDisassembleMatchesPickletools(t *testing.T) {
	for name, b := range fixtures(t) {
		want, err := os.ReadFile(filepath.Join("testdata", name+".dis"))
		if err != nil {
			t.Fatal(err)
		}
		got, err := Disassemble(b, 1<<20)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got != string(want) {
			gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
			for i := range min(len(gl), len(wl)) {
				if gl[i] != wl[i] {
					t.Fatalf("%s line %d:\n got %q\nwant %q", name, i+1, gl[i], wl[i])
				}
			}
			t.Fatalf("%s: %d lines, want %d", name, len(gl), len(wl))
		}
		d, err := Disassembly.Decode(b, 100, false)
		if err != nil || d.View != codec.Text || !d.Cut || len(d.Out) > 100 {
			t.Fatalf("%s: Disassembly cut at 200: %v %v %d", name, err, d.Cut, len(d.Out))
		}
	}
}

func TestReadOnly(t *testing.T) {
	b := fixtures(t)["mixed_p4"]
	for _, c := range []codec.Codec{Codec, Disassembly} {
		d, err := c.Decode(b, 1<<20, false)
		if err != nil {
			t.Fatal(err)
		}
		if err := codec.RoundTrip(c, b, d, 1<<20); !errors.Is(err, codec.ErrReadOnly) {
			t.Fatalf("%s RoundTrip: %v, want ErrReadOnly", c.Name, err)
		}
	}
}

func TestSniff(t *testing.T) {
	for name, b := range fixtures(t) {
		if !Codec.Sniff(b) {
			t.Errorf("%s: not sniffed", name)
		}
		if b[0] == 0x80 && !Codec.Sniff(b[:len(b)/2]) {
			t.Errorf("%s: its first half not sniffed", name)
		}
	}
	for _, s := range []string{"", "(hello.", "]", "hello", `{"a":1}`, "\x80\x06.", "\x80\x01N.", "cos\nsystem", "N.trailing"} {
		if Codec.Sniff([]byte(s)) {
			t.Errorf("%q sniffed", s)
		}
	}
	for _, s := range []string{"N.", "cos\nsystem\n(S'ls'\ntR.", "]q\x00(K\x01K\x02e."} {
		if !Codec.Sniff([]byte(s)) {
			t.Errorf("%q not sniffed", s)
		}
	}
}

// check is what every decode must satisfy: Out within the limit, valid
// JSON whenever it holds something, no raw control characters.
func check(t testing.TB, b []byte, limit int64, partial bool) (codec.Decoded, error) {
	d, err := Codec.Decode(b, limit, partial)
	if err != nil {
		return d, err
	}
	if int64(len(d.Out)) > limit {
		t.Fatalf("Out is %d bytes, limit %d", len(d.Out), limit)
	}
	if len(d.Out) > 0 && !json.Valid(d.Out) {
		t.Fatalf("Out is not JSON (limit %d): %q", limit, d.Out)
	}
	if !d.Cut && len(d.Out) == 0 {
		t.Fatalf("empty Out without a cut")
	}
	if bytes.ContainsFunc(d.Out, func(r rune) bool { return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) }) {
		t.Fatalf("control character in Out: %q", d.Out)
	}
	return d, nil
}

func TestCutAtEveryLimit(t *testing.T) {
	for name, b := range fixtures(t) {
		full, _ := Codec.Decode(b, 1<<20, false)
		for limit := int64(0); limit <= int64(len(full.Out))+1; limit++ {
			d, err := check(t, b, limit, false)
			if err != nil {
				t.Fatalf("%s at %d: %v", name, limit, err)
			}
			if d.Cut != (limit < int64(len(full.Out))) {
				t.Fatalf("%s at %d: cut %v, whole is %d bytes", name, limit, d.Cut, len(full.Out))
			}
		}
	}
}

func TestTruncated(t *testing.T) {
	for name, b := range fixtures(t) {
		for n := 1; n < len(b); n++ {
			if _, err := Codec.Decode(b[:n], 1<<20, false); err == nil {
				t.Fatalf("%s[:%d]: decoded without its STOP", name, n)
			} else if !strings.HasPrefix(err.Error(), "pickle ") && !strings.HasPrefix(err.Error(), "not a pickle") {
				t.Fatalf("%s[:%d]: error not in user words: %v", name, n, err)
			}
			d, err := check(t, b[:n], 1<<20, true)
			if err != nil {
				t.Fatalf("%s[:%d] partial: %v", name, n, err)
			}
			if !strings.HasPrefix(string(d.Out), `{"$unfinished":[`) {
				t.Fatalf("%s[:%d] partial: %s", name, n, d.Out)
			}
			if _, err := Disassemble(b[:n], 1<<20); err == nil {
				t.Fatalf("%s[:%d]: disassembled without its STOP", name, n)
			}
		}
	}
}

func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// A pickle naming os.system with REDUCE is shown, never run: were it run,
// the file would exist.
func TestOSSystemIsShownNotRun(t *testing.T) {
	marker := filepath.Join(t.TempDir(), "ran")
	for _, p := range []string{
		"cos\nsystem\n(S'touch " + marker + "'\ntR.",
		"\x80\x04\x95\x00\x00\x00\x00\x00\x00\x00\x00\x8c\x05posix\x8c\x06system\x93\x8c" + string([]byte{byte(len("touch " + marker))}) + "touch " + marker + "\x85R.",
	} {
		d, err := Codec.Decode([]byte(p), 1<<20, false)
		if err != nil {
			t.Fatal(err)
		}
		var v any
		if err := json.Unmarshal(d.Out, &v); err != nil {
			t.Fatal(err)
		}
		g := path(v, "$call", "$global")
		if g != "os.system" && g != "posix.system" {
			t.Fatalf("got %s", d.Out)
		}
		if path(v, "args", 0) != "touch "+marker {
			t.Fatalf("args: %s", d.Out)
		}
	}
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("the pickle ran")
	}
}

func TestHostile(t *testing.T) {
	// Each level: the list so far appended twice to a new list. 60
	// levels would be 2^60 values written out: the limit stops it.
	var bomb bytes.Buffer
	bomb.WriteString("\x80\x02]q\x00")
	for i := 1; i < 60; i++ {
		bomb.WriteString("](h\x00h\x00eq\x00")
	}
	bomb.WriteString(".")
	cases := map[string]string{
		"BINUNICODE8 of 2^63":      "\x80\x04\x8d\xff\xff\xff\xff\xff\xff\xff\x7fabc.",
		"BINBYTES of 2^32-1":       "\x80\x03B\xff\xff\xff\xffabc.",
		"BYTEARRAY8 of 2^40":       "\x80\x05\x96\x00\x00\x00\x00\x00\x01\x00\x00abc.",
		"FRAME of 2^60":            "\x80\x04\x95\x00\x00\x00\x00\x00\x00\x00\x10N.",
		"LONG4 negative":           "\x80\x02\x8b\xff\xff\xff\xffN.",
		"LONG4 of 100000 bytes":    "\x80\x02\x8b\xa0\x86\x01\x00" + strings.Repeat("\xff", 100000) + ".",
		"LONG of 100000 digits":    "L" + strings.Repeat("9", 100000) + "L\n.",
		"deep nesting":             strings.Repeat("(", 100000) + strings.Repeat("l", 100000) + ".",
		"deep lists":               "\x80\x02" + strings.Repeat("]", 5000) + strings.Repeat("a", 4999) + ".",
		"GET before PUT":           "\x80\x02h\x05.",
		"unknown opcode":           "\x80\x02\xff.",
		"protocol 9":               "\x80\x09N.",
		"APPENDS without MARK":     "\x80\x02]N.e.",
		"STOP on empty":            ".",
		"STACK_GLOBAL of ints":     "\x80\x04K\x01K\x02\x93.",
		"memo bomb":                bomb.String(),
		"huge PUT index":           "Np99999999999999999999999\n.",
		"INT of junk":              "Iabc\n.",
		"self-BUILD":               "\x80\x02}q\x002b.",
		"STRING unquoted":          "Sabc\n.",
		"odd SETITEMS":             "}(Nu.",
		"POP of the MARK":          "(0N.",
		"million MARKs then STOP":  strings.Repeat("(", 1000000) + "N.",
		"READONLY_BUFFER on empty": "\x80\x05\x98.",
	}
	for name, p := range cases {
		var err error
		var d codec.Decoded
		n := allocated(func() { d, err = check(t, []byte(p), 1<<16, false) })
		if n > 64<<20 {
			t.Errorf("%s: allocated %d bytes", name, n)
		}
		if err != nil && !strings.HasPrefix(err.Error(), "pickle ") && !strings.HasPrefix(err.Error(), "not a pickle") {
			t.Errorf("%s: error not in user words: %v", name, err)
		}
		t.Logf("%s: %v %.80s", name, err, d.Out)
		_, _ = check(t, []byte(p), 1<<16, true)
		_, _ = Disassemble([]byte(p), 1<<16)
	}
}

func TestMemoBombIsCut(t *testing.T) {
	var bomb bytes.Buffer
	bomb.WriteString("\x80\x02]q\x00")
	for i := 1; i < 60; i++ {
		bomb.WriteString("](h\x00h\x00eq\x00")
	}
	bomb.WriteString(".")
	d, err := check(t, bomb.Bytes(), 1<<16, false)
	if err != nil || !d.Cut {
		t.Fatalf("%v cut %v", err, d.Cut)
	}
}

func TestControlBytesEscaped(t *testing.T) {
	var s []byte
	for c := 0; c < 0x80; c++ {
		s = append(s, byte(c))
	}
	s = append(s, 0xc2, 0x85, 0xed, 0xa0, 0x80, 0xe2, 0x80, 0xa8, 0xff)
	p := append([]byte{0x80, 0x04, 0x8c, byte(len(s))}, s...)
	p = append(p, '.')
	d, err := check(t, p, 1<<20, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, esc := range []string{`\u0000`, `\u001b`, `\u007f`, `\u0085`, `\ud800`, `\u2028`, "\ufffd"} {
		if !bytes.Contains(d.Out, []byte(esc)) {
			t.Errorf("%s missing from %s", esc, d.Out)
		}
	}
	dis, err := Disassemble(p, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if strings.ContainsFunc(dis, func(r rune) bool { return r != '\n' && (r < 0x20 || r == 0x7f) }) {
		t.Errorf("control character in the disassembly: %q", dis)
	}
}
