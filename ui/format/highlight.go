package format

import (
	"embed"
	"strings"
	"sync"

	"charm.land/lipgloss/v2"
	"github.com/alecthomas/chroma/v2"
)

// kvdeck needs one chroma lexer (JSON) and two styles (Catppuccin mocha and
// latte). Importing chroma's lexers and styles packages would build every
// lexer and style chroma has when the program starts, which was most of
// kvdeck's start-up time; so chroma/ holds copies of just these three
// definitions, in chroma's own XML format, built on first use. They are
// generated from the chroma version in go.mod, and a test fails when they
// differ from it (go test ./ui/format -run ChromaDefinitions -update
// rewrites them).
//
//go:embed chroma/*.xml
var chromaFiles embed.FS

const (
	jsonLexerFile = "chroma/json.xml"
	darkStyle     = "catppuccin-mocha"
	lightStyle    = "catppuccin-latte"
)

func styleFile(name string) string { return "chroma/" + name + ".xml" }

// The lexer reads its rules when it first tokenises; the styles parse once.
var (
	jsonLexer = sync.OnceValue(func() chroma.Lexer {
		return chroma.MustNewXMLLexer(chromaFiles, jsonLexerFile)
	})
	chromaStyles = map[string]func() *chroma.Style{
		darkStyle:  sync.OnceValue(func() *chroma.Style { return mustStyle(darkStyle) }),
		lightStyle: sync.OnceValue(func() *chroma.Style { return mustStyle(lightStyle) }),
	}
)

func mustStyle(name string) *chroma.Style {
	f, err := chromaFiles.Open(styleFile(name))
	if err != nil {
		panic(err)
	}
	defer f.Close()
	return chroma.MustNewXMLStyle(f)
}

// Highlighter colours the lines on screen: JSON through chroma's JSON
// lexer, one line at a time, and the escapes and columns of text and hex
// lines. A nil *Highlighter renders plain text (NO_COLOR).
type Highlighter struct {
	lexer chroma.Lexer
	style *chroma.Style

	mu     sync.Mutex
	styles map[chroma.TokenType]lipgloss.Style
}

// NewHighlighter uses the Catppuccin chroma style that matches kvdeck's
// dark or light theme.
func NewHighlighter(dark bool) *Highlighter {
	name := lightStyle
	if dark {
		name = darkStyle
	}
	return &Highlighter{lexer: jsonLexer(), style: chromaStyles[name](), styles: map[chroma.TokenType]lipgloss.Style{}}
}

// styleFor maps a chroma token type to a lipgloss style, once per type.
// Backgrounds are left out: the pane draws its own.
func (h *Highlighter) styleFor(tt chroma.TokenType) lipgloss.Style {
	h.mu.Lock()
	defer h.mu.Unlock()
	if s, ok := h.styles[tt]; ok {
		return s
	}
	e := h.style.Get(tt)
	s := lipgloss.NewStyle()
	if e.Colour.IsSet() {
		s = s.Foreground(lipgloss.Color(e.Colour.String()))
	}
	if e.Bold == chroma.Yes {
		s = s.Bold(true)
	}
	if e.Italic == chroma.Yes {
		s = s.Italic(true)
	}
	if e.Underline == chroma.Yes {
		s = s.Underline(true)
	}
	h.styles[tt] = s
	return s
}

func (h *Highlighter) paint(b *strings.Builder, tt chroma.TokenType, text string) {
	if text == "" {
		return
	}
	if strings.TrimLeft(text, " ") == "" {
		b.WriteString(text) // nothing to see in spaces
		return
	}
	b.WriteString(h.styleFor(tt).Render(text))
}

// ellipsis marks a line cut at the pane's edge.
func (h *Highlighter) ellipsis(b *strings.Builder) { h.paint(b, chroma.Comment, "…") }

// lexerState is the state of chroma's JSON lexer that a pretty-printed line
// starts in, so a key is told from a string value without the lines
// before it.
func lexerState(l jsonLine, content string) string {
	switch {
	case l.index == lineMember:
		return "objectvalue"
	case l.index >= 0:
		return "arrayvalue"
	case l.index == lineCloser && strings.HasPrefix(content, "}"):
		return "objectvalue"
	case l.index == lineCloser:
		return "arrayvalue"
	}
	return "root"
}

// json colours one JSON line's content (its indent is written plain).
func (h *Highlighter) json(b *strings.Builder, content, state string, cut bool) {
	h.jsonPiece(b, content, state, "", cut)
}

// jsonPiece colours content, a piece of a JSON line that the lexer reads
// after prefix: a row of a wrapped line or a line scrolled sideways may
// start inside a string, and prefix (`"`, or `"\` after an escaping
// backslash) puts the lexer there. The prefix is lexed, not written.
func (h *Highlighter) jsonPiece(b *strings.Builder, content, state, prefix string, cut bool) {
	lexed := prefix + content
	if insideString(lexed) {
		// Close the string cut at the edge so the lexer sees a token, not
		// an error; the added quote is not written. After an escaping
		// backslash a quote would be escaped, so a second one closes.
		if endsEscaping(lexed) {
			lexed += `"`
		}
		lexed += `"`
	}
	it, err := h.lexer.Tokenise(&chroma.TokeniseOptions{State: state}, lexed)
	if err != nil {
		b.WriteString(content)
		return
	}
	skip, left := len(prefix), len(content)
	for tok := it(); tok != chroma.EOF && left > 0; tok = it() {
		v := tok.Value
		if skip > 0 {
			n := min(skip, len(v))
			v, skip = v[n:], skip-n
		}
		v = v[:min(len(v), left)]
		if v == "" {
			continue
		}
		left -= len(v)
		tt := tok.Type
		if tt == chroma.Error {
			// Our lines are valid JSON, so what the lexer cannot place is
			// the comma after a closing bracket (its state ended with the
			// bracket) or text of a line cut short inside a string.
			tt = chroma.LiteralStringDouble
			if strings.Trim(v, ",") == "" {
				tt = chroma.Punctuation
			}
		}
		h.paint(b, tt, v)
	}
	if cut {
		h.ellipsis(b)
	}
}

// endsEscaping reports whether s ends in an odd run of backslashes, whose
// last one escapes what would come next.
func endsEscaping(s string) bool {
	n := 0
	for n < len(s) && s[len(s)-1-n] == '\\' {
		n++
	}
	return n%2 == 1
}

// insideString reports whether a JSON line's content ends inside a string.
func insideString(s string) bool {
	in := false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if in {
				i++
			}
		case '"':
			in = !in
		}
	}
	return in
}

// text writes a text line with its escapes set apart from literal text.
func (h *Highlighter) text(b *strings.Builder, line string, spans []span, cut bool) {
	at := 0
	for _, sp := range spans {
		if sp.from >= len(line) {
			break
		}
		b.WriteString(line[at:sp.from])
		h.paint(b, chroma.LiteralStringEscape, line[sp.from:min(sp.to, len(line))])
		at = min(sp.to, len(line))
	}
	b.WriteString(line[at:])
	if cut {
		h.ellipsis(b)
	}
}

// hex writes a hex dump line: offset muted, bytes plain, ASCII as a string.
func (h *Highlighter) hex(b *strings.Builder, line string, per int, cut bool) {
	bytesAt, asciiAt := hexColumns(line, per)
	bytesAt, asciiAt = min(bytesAt, len(line)), min(asciiAt, len(line))
	h.paint(b, chroma.Comment, line[:bytesAt])
	b.WriteString(line[bytesAt:asciiAt])
	h.paint(b, chroma.LiteralString, line[asciiAt:])
	if cut {
		h.ellipsis(b)
	}
}
