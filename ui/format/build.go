package format

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/kvdeck/kvdeck/ui/format/codec"
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
	// Decoders are the decoders beyond the built-in modes; nil is
	// Default().
	Decoders *Decoders
}

func (o Options) limit() int64 {
	if o.MaxDecoded <= 0 {
		return DefaultMaxDecoded
	}
	return o.MaxDecoded
}

// Build formats b in mode. Auto picks the mode with Detect. JSON that does
// not parse is an error (*SyntaxError, with line and column) and no
// document; so is base64 or gzip that does not decode.
func Build(b []byte, mode Mode, opts Options) (*Document, error) {
	return build(b, mode, opts, 0)
}

func build(b []byte, mode Mode, opts Options, depth int) (*Document, error) {
	if mode == Auto {
		mode = opts.Decoders.detect(b, depth, opts.Partial)
		doc, err := build(b, mode, opts, depth)
		if err != nil && mode != JSON && mode != Base64 && mode != Gzip {
			// A decoder's Sniff was wrong about b: show it as
			// it is rather than an error.
			return build(b, fallback(b), opts, depth)
		}
		return doc, err
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
		return buildDecoded(decoded, Base64, string(Base64), "decoded", opts, depth, false)
	case Gzip:
		out, cut, err := gunzip(b, opts.limit(), opts.Partial)
		if err != nil {
			return nil, err
		}
		if cut {
			opts.Partial = true
		}
		return buildDecoded(out, Gzip, string(Gzip), "decompressed", opts, depth, cut)
	}
	c, ok := opts.Decoders.codec(mode)
	if !ok {
		return nil, fmt.Errorf("unknown format %q", mode)
	}
	return buildCodec(b, c, opts, depth)
}

// buildCodec decodes b with c and shows what it gives: inner bytes in the
// mode that suits them, a decoder's JSON in the JSON viewer, its text as
// text.
func buildCodec(b []byte, c codec.Codec, opts Options, depth int) (doc *Document, err error) {
	defer func() {
		// A decoder is fuzzed for panics, but a value the fuzzer never
		// made must not end kvdeck either.
		if r := recover(); r != nil {
			doc, err = nil, fmt.Errorf("%s: the decoder failed on this value: %v", c.Name, r)
		}
	}()
	d, err := c.Decode(b, opts.limit(), opts.Partial)
	if err != nil {
		return nil, err
	}
	label := c.Name
	if d.Detail != "" && !strings.Contains(c.Name, d.Detail) {
		label += " (" + d.Detail + ")"
	}
	switch d.View {
	case codec.Bytes:
		if d.Cut {
			opts.Partial = true
		}
		return buildDecoded(d.Out, Mode(c.Name), label, "decoded", opts, depth, d.Cut)
	case codec.JSON:
		doc, err := buildJSON(d.Out, Options{Partial: d.Cut})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", label, err)
		}
		doc.mode, doc.chain = Mode(c.Name), []string{label}
		doc.notice = fmt.Sprintf("%s: decoded, shown as json", label)
		if d.Cut {
			doc.notice += fmt.Sprintf(" (cut at %s)", HumanBytes(int64(len(d.Out))))
		}
		return doc, nil
	default:
		doc := buildText(d.Out)
		doc.mode, doc.chain = Mode(c.Name), []string{label}
		doc.notice = fmt.Sprintf("%s: decoded, shown as text (read-only)", label)
		if d.Cut {
			doc.notice += fmt.Sprintf(" (cut at %s)", HumanBytes(int64(len(d.Out))))
		}
		return doc, nil
	}
}

// buildDecoded shows decoded bytes in the mode that suits them, and says
// what was decoded (outer: its label, "lz4 (frame)") in the document's
// notice and chain; the document's mode is mode.
func buildDecoded(decoded []byte, mode Mode, outer, verb string, opts Options, depth int, cut bool) (*Document, error) {
	if depth >= maxNesting {
		return nil, fmt.Errorf("%s: nested encodings deeper than %d", outer, maxNesting)
	}
	doc, err := build(decoded, Auto, opts, depth+1)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", outer, err)
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
	doc.chain = append([]string{outer}, doc.chain...)
	doc.mode = mode
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
