package format

import (
	"bytes"
	"encoding/xml"
	"flag"
	"maps"
	"os"
	"regexp"
	"slices"
	"testing"

	"github.com/alecthomas/chroma/v2"
	"github.com/alecthomas/chroma/v2/lexers"
	"github.com/alecthomas/chroma/v2/styles"
)

var updateChroma = flag.Bool("update", false, "rewrite chroma/*.xml from the chroma module")

// TestChromaDefinitionsMatchChroma keeps the lexer and styles kvdeck embeds
// the same as those of the chroma version in go.mod: the test may import
// chroma's registries, the program does not.
func TestChromaDefinitionsMatchChroma(t *testing.T) {
	want, ok := lexers.Get("json").(*chroma.RegexLexer)
	if !ok || want.Config().Name != "JSON" {
		t.Fatalf("chroma has no JSON regex lexer: %v", lexers.Get("json"))
	}
	wantXML, err := marshalLexer(want)
	if err != nil {
		t.Fatal(err)
	}
	check(t, jsonLexerFile, wantXML, func() ([]byte, error) {
		return marshalLexer(chroma.MustNewXMLLexer(chromaFiles, jsonLexerFile))
	})

	for _, name := range []string{darkStyle, lightStyle} {
		style, ok := styles.Registry[name]
		if !ok {
			t.Fatalf("chroma has no style %q", name)
		}
		wantXML, err := marshal(style)
		if err != nil {
			t.Fatal(err)
		}
		check(t, styleFile(name), wantXML, func() ([]byte, error) {
			return marshal(mustStyle(name))
		})
	}
}

// marshalLexer serialises a lexer as chroma.Marshal does, but with its
// states in order: chroma.Marshal writes them in map order, which changes
// from run to run.
func marshalLexer(l *chroma.RegexLexer) ([]byte, error) {
	rules, err := l.Rules()
	if err != nil {
		return nil, err
	}
	type state struct {
		Name  string        `xml:"name,attr"`
		Rules []chroma.Rule `xml:"rule"`
	}
	lexer := struct {
		XMLName xml.Name      `xml:"lexer"`
		Config  chroma.Config `xml:"config"`
		States  []state       `xml:"rules>state"`
	}{Config: *l.Config()}
	for _, name := range slices.Sorted(maps.Keys(rules)) {
		lexer.States = append(lexer.States, state{name, rules[name]})
	}
	return marshal(lexer)
}

// marshal indents as chroma's own files are and closes empty elements
// with />, as chroma.Marshal does.
func marshal(v any) ([]byte, error) {
	data, err := xml.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, err
	}
	return emptyElement.ReplaceAll(data, []byte("/>")), nil
}

var emptyElement = regexp.MustCompile(`></[a-zA-Z_]+>`)

// check compares chroma's definition, serialised, with the embedded copy
// read back and serialised the same way; -update writes chroma's.
func check(t *testing.T, file string, want []byte, got func() ([]byte, error)) {
	t.Helper()
	want = append(want, '\n')
	if *updateChroma {
		if err := os.WriteFile(file, want, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	data, err := got()
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	if !bytes.Equal(append(data, '\n'), want) {
		t.Errorf("%s differs from chroma's definition; run go test ./ui/format -run ChromaDefinitions -update", file)
	}
}
