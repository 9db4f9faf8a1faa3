package format

import (
	"bytes"
	"fmt"
)

// Options tune Build.
type Options struct {
	// Partial says the bytes are a prefix of a larger value (a bounded
	// preview, backend.Entry.Truncated): JSON and gzip that end early are
	// shown as far as they go instead of being an error.
	Partial bool
	// MaxDecoded bounds the output of a gzip view; 0 means
	// DefaultMaxDecoded. Output beyond it is cut and the notice says so.
	MaxDecoded int64
}

// Build formats b in mode. Auto picks the mode with Detect. JSON that does
// not parse is an error (*SyntaxError, with line and column) and no
// document; so is base64 or gzip that does not decode.
func Build(b []byte, mode Mode, opts Options) (*Document, error) {
	return build(b, mode, opts, 0)
}

func build(b []byte, mode Mode, opts Options, depth int) (*Document, error) {
	if mode == Auto {
		mode = detect(b, depth, opts.Partial)
	}
	switch mode {
	case JSON:
		return buildJSON(b, opts)
	case Text:
		return buildText(b), nil
	case Hex:
		return buildHex(b), nil
	case Base64:
		decoded, err := decodeBase64(bytes.TrimSpace(b))
		if err != nil {
			return nil, err
		}
		return buildDecoded(decoded, Base64, opts, depth, false)
	case Gzip:
		limit := opts.MaxDecoded
		if limit <= 0 {
			limit = DefaultMaxDecoded
		}
		out, cut, err := gunzip(b, limit, opts.Partial)
		if err != nil {
			return nil, err
		}
		if cut {
			opts.Partial = true
		}
		return buildDecoded(out, Gzip, opts, depth, cut)
	}
	return nil, fmt.Errorf("unknown format %d", mode)
}

// buildDecoded shows decoded bytes in the mode that suits them, and says
// what was decoded in the document's notice.
func buildDecoded(decoded []byte, outer Mode, opts Options, depth int, cut bool) (*Document, error) {
	if depth >= maxNesting {
		return nil, fmt.Errorf("%s: nested encodings deeper than %d", outer, maxNesting)
	}
	inner := detect(decoded, depth+1, opts.Partial)
	doc, err := build(decoded, inner, opts, depth+1)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", outer, err)
	}
	verb := "decoded"
	if outer == Gzip {
		verb = "decompressed"
	}
	notice := fmt.Sprintf("%s: %s %s", outer, HumanBytes(int64(len(decoded))), verb)
	if cut {
		notice += " (cut there)"
	}
	if doc.notice != "" {
		notice += " → " + doc.notice
	} else {
		notice += ", shown as " + doc.mode.String()
	}
	doc.mode = outer
	doc.notice = notice
	return doc, nil
}

func buildJSON(b []byte, opts Options) (*Document, error) {
	p, err := prettyJSON(b, opts.Partial)
	if err != nil {
		return nil, syntaxError(b)
	}
	return &Document{mode: JSON, shown: JSON, buf: string(p.out), starts: p.starts, json: p.lines}, nil
}

// buildText splits b into lines. A line's text keeps its '\n' in the
// buffer (trimmed on reading); CRLF line ends show as plain line ends.
func buildText(b []byte) *Document {
	starts := make([]int, 0, bytes.Count(b, []byte{'\n'})+2)
	for i := 0; i < len(b); {
		starts = append(starts, i)
		nl := bytes.IndexByte(b[i:], '\n')
		if nl < 0 {
			break
		}
		i += nl + 1
	}
	starts = append(starts, len(b))
	return &Document{mode: Text, shown: Text, buf: string(b), starts: starts}
}
