package format

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/kvdeck/kvdeck/ui/format/codec"
)

// Base64 and gzip, the decodings kvdeck had before the codec package, as
// codecs too, so that an edit goes back through them like through any
// other layer (base64 of gzip of JSON).

func builtinLayer(m Mode) (codec.Codec, bool) {
	switch m {
	case Base64:
		return base64Codec, true
	case Gzip:
		return gzipCodec, true
	}
	return codec.Codec{}, false
}

var gzipCodec = codec.Codec{
	Name:  string(Gzip),
	Sniff: func(b []byte) bool { return bytes.HasPrefix(b, gzipMagic) },
	Decode: func(b []byte, limit int64, partial bool) (codec.Decoded, error) {
		out, cut, err := gunzip(b, limit, partial)
		return codec.Decoded{Out: out, Cut: cut, Params: gzipLevel(b)}, err
	},
	Encode: func(d codec.Decoded, edited []byte) ([]byte, error) {
		level, _ := d.Params.(int)
		var buf bytes.Buffer
		w, err := gzip.NewWriterLevel(&buf, level)
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(edited); err != nil {
			return nil, err
		}
		if err := w.Close(); err != nil {
			return nil, err
		}
		return buf.Bytes(), nil
	},
}

// gzipLevel is the compression level a gzip header's XFL byte suggests:
// 2 for the best, 4 for the fastest (RFC 1952), the default otherwise.
func gzipLevel(b []byte) int {
	if len(b) > 8 {
		switch b[8] {
		case 2:
			return gzip.BestCompression
		case 4:
			return gzip.BestSpeed
		}
	}
	return gzip.DefaultCompression
}

// base64Form is how a base64 value was written, to write an edit back the
// same way: the alphabet and padding, the line length (MIME wraps at 76)
// and a final newline.
type base64Form struct {
	enc      *base64.Encoding
	wrap     int
	newline  string // "", "\n" or "\r\n"
	lineSeps string
}

var base64Codec = codec.Codec{
	Name: string(Base64),
	// Detected by detect itself, which also asks whether the decoded
	// bytes read as something.
	Decode: func(b []byte, limit int64, partial bool) (codec.Decoded, error) {
		out, err := decodeBase64(bytes.TrimSpace(b))
		if err != nil {
			return codec.Decoded{}, err
		}
		cut := int64(len(out)) > limit
		if cut {
			out = out[:limit]
		}
		return codec.Decoded{Out: out, Cut: cut, Params: base64FormOf(b)}, nil
	},
	Encode: func(d codec.Decoded, edited []byte) ([]byte, error) {
		f, ok := d.Params.(base64Form)
		if !ok || f.enc == nil {
			return nil, errors.New("base64: the original form is unknown")
		}
		s := f.enc.EncodeToString(edited)
		var out bytes.Buffer
		for f.wrap > 0 && len(s) > f.wrap {
			out.WriteString(s[:f.wrap])
			out.WriteString(f.lineSeps)
			s = s[f.wrap:]
		}
		out.WriteString(s)
		out.WriteString(f.newline)
		return out.Bytes(), nil
	},
	Exact: true,
}

// base64FormOf reads the form of a base64 value (see base64Form).
func base64FormOf(b []byte) base64Form {
	var f base64Form
	body := b
	for _, nl := range []string{"\r\n", "\n"} {
		if bytes.HasSuffix(body, []byte(nl)) {
			f.newline, body = nl, body[:len(body)-len(nl)]
			break
		}
	}
	if i := bytes.IndexAny(body, "\r\n"); i >= 0 {
		f.wrap, f.lineSeps = i, "\n"
		if body[i] == '\r' {
			f.lineSeps = "\r\n"
		}
	}
	clean := bytes.Map(func(r rune) rune {
		if r == '\r' || r == '\n' {
			return -1
		}
		return r
	}, body)
	url := bytes.ContainsAny(clean, "-_")
	padded := bytes.HasSuffix(clean, []byte("=")) || len(clean)%4 == 0
	switch {
	case url && padded:
		f.enc = base64.URLEncoding
	case url:
		f.enc = base64.RawURLEncoding
	case padded:
		f.enc = base64.StdEncoding
	default:
		f.enc = base64.RawStdEncoding
	}
	return f
}

// errNotEditable marks a chain that cannot be edited through.
var errNotEditable = errors.New("cannot be edited through its decoding")

func notEditable(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errNotEditable, fmt.Sprintf(format, args...))
}
