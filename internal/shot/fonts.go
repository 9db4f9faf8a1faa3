package shot

import (
	"fmt"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/gofont/gomonobold"
	"golang.org/x/image/font/gofont/gomonobolditalic"
	"golang.org/x/image/font/gofont/gomonoitalic"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// The Go Mono family is compiled into the binary, so a screenshot looks the
// same on every machine and `make screenshots` needs no system font.
var (
	parseOnce   sync.Once
	parsedFonts [4]*opentype.Font // indexed by fontVariant
	parseErr    error
)

// fontVariant picks one of the four Go Mono faces from bold and italic.
type fontVariant int

const (
	regular fontVariant = iota
	bold
	italic
	boldItalic
)

func variantOf(isBold, isItalic bool) fontVariant {
	v := regular
	if isBold {
		v |= bold
	}
	if isItalic {
		v |= italic
	}
	return v
}

func goMonoFonts() ([4]*opentype.Font, error) {
	parseOnce.Do(func() {
		for i, ttf := range [4][]byte{gomono.TTF, gomonobold.TTF, gomonoitalic.TTF, gomonobolditalic.TTF} {
			f, err := opentype.Parse(ttf)
			if err != nil {
				parseErr = fmt.Errorf("parse built-in Go Mono font: %w", err)
				return
			}
			parsedFonts[i] = f
		}
	})
	return parsedFonts, parseErr
}

// faceSet holds the faces and cell metrics for one Render call. Faces are
// not safe for concurrent use, so every call makes its own.
type faceSet struct {
	fonts    [4]*opentype.Font
	faces    [4]font.Face
	glyphBuf sfnt.Buffer
	cellW    int // advance of one column, in pixels
	cellH    int // line height, in pixels
	ascent   int // baseline offset from the top of a cell
	descent  int
}

func newFaceSet(size float64) (*faceSet, error) {
	fonts, err := goMonoFonts()
	if err != nil {
		return nil, err
	}
	fs := &faceSet{fonts: fonts}
	for i, f := range fonts {
		face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingFull})
		if err != nil {
			return nil, fmt.Errorf("make %gpx Go Mono face: %w", size, err)
		}
		fs.faces[i] = face
	}
	// Every Go Mono glyph has the same advance; hinting rounds it to whole
	// pixels so columns never drift.
	adv, ok := fs.faces[regular].GlyphAdvance('0')
	if !ok {
		return nil, fmt.Errorf("built-in Go Mono font has no digit zero")
	}
	m := fs.faces[regular].Metrics()
	fs.cellW = adv.Ceil()
	fs.ascent = m.Ascent.Ceil()
	fs.descent = m.Descent.Ceil()
	fs.cellH = max(m.Height.Ceil(), fs.ascent+fs.descent)
	return fs, nil
}

// hasGlyph reports whether Go Mono can draw r; runes it lacks are drawn by
// hand or shown as an empty box, as a terminal without the glyph would.
func (fs *faceSet) hasGlyph(r rune) bool {
	i, err := fs.fonts[regular].GlyphIndex(&fs.glyphBuf, r)
	return err == nil && i != 0
}

func (fs *faceSet) close() {
	for _, f := range fs.faces {
		if f != nil {
			f.Close()
		}
	}
}

// baseline returns the dot for text whose cell's top-left pixel is (x, y).
func (fs *faceSet) baseline(x, y int) fixed.Point26_6 {
	return fixed.P(x, y+fs.ascent)
}
