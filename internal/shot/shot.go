// Package shot draws a terminal screen, as a program renders it (text with
// ANSI SGR styling), to an image at a fixed size, so the README's
// screenshots are made from real runs without a person at a terminal.
package shot

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"os"

	uv "github.com/charmbracelet/ultraviolet"
	"github.com/charmbracelet/x/ansi"
)

// DefaultFontSize and DefaultPadding apply when Options leaves them zero.
const (
	DefaultFontSize = 14 // pixels
	DefaultPadding  = 12 // pixels
)

// Options sets how a screen is drawn. The zero value is a dark theme with a
// 14px font and a 12px margin.
type Options struct {
	// Foreground and Background are the terminal's default colours, used
	// where the screen sets none. Nil means DefaultForeground and
	// DefaultBackground.
	Foreground, Background color.Color
	// Palette overrides the 16 ANSI colours; nil entries keep DefaultPalette.
	Palette [16]color.Color
	// FontSize is the font's size in pixels; 0 means DefaultFontSize.
	FontSize float64
	// Padding is the margin around the text grid in pixels, filled with the
	// background colour; 0 means DefaultPadding, a negative value none.
	Padding int
}

func (o Options) fontSize() float64 {
	if o.FontSize <= 0 {
		return DefaultFontSize
	}
	return o.FontSize
}

func (o Options) padding() int {
	switch {
	case o.Padding < 0:
		return 0
	case o.Padding == 0:
		return DefaultPadding
	}
	return o.Padding
}

func (o Options) colors() *colors {
	c := &colors{fg: toRGBA(DefaultForeground), bg: toRGBA(DefaultBackground), palette: DefaultPalette}
	if o.Foreground != nil {
		c.fg = toRGBA(o.Foreground)
	}
	if o.Background != nil {
		c.bg = toRGBA(o.Background)
	}
	for i, p := range o.Palette {
		if p != nil {
			c.palette[i] = p
		}
	}
	return c
}

// CellSize returns the size in pixels of one terminal cell for opts; an
// image of cols×rows cells is cols*w+2*padding wide and rows*h+2*padding high.
func CellSize(opts Options) (w, h int, err error) {
	fs, err := newFaceSet(opts.fontSize())
	if err != nil {
		return 0, 0, err
	}
	defer fs.close()
	return fs.cellW, fs.cellH, nil
}

// Render draws screen on a cols×rows terminal. Lines past rows and text past
// cols are cut off, as a terminal of that size would; wide runes (CJK, emoji)
// take two cells.
func Render(screen string, cols, rows int, opts Options) (image.Image, error) {
	if cols <= 0 || rows <= 0 {
		return nil, fmt.Errorf("screen size %dx%d: columns and rows must be positive", cols, rows)
	}
	fs, err := newFaceSet(opts.fontSize())
	if err != nil {
		return nil, err
	}
	defer fs.close()

	// Ultraviolet (the cell buffer under Bubble Tea v2) decodes the SGR
	// sequences and grapheme widths exactly as the program's own renderer
	// measured them, so cells land where the terminal would put them.
	buf := uv.NewScreenBuffer(cols, rows)
	buf.Method = ansi.GraphemeWidth
	uv.NewStyledString(screen).Draw(buf, buf.Bounds())

	pad := opts.padding()
	pal := opts.colors()
	img := image.NewRGBA(image.Rect(0, 0, cols*fs.cellW+2*pad, rows*fs.cellH+2*pad))
	draw.Draw(img, img.Bounds(), image.NewUniform(pal.bg), image.Point{}, draw.Src)

	p := &painter{img: img, fs: fs, pad: pad}
	// Backgrounds first, then glyphs, so an italic glyph that leans into
	// the next cell is not cut off by that cell's background.
	for pass := range 2 {
		for y := range rows {
			for x := 0; x < cols; x++ {
				cell := buf.CellAt(x, y)
				if cell == nil || cell.Width == 0 { // right half of a wide rune
					continue
				}
				span := min(cell.Width, cols-x)
				fg, bg := pal.cellColors(cell.Style)
				if pass == 0 {
					p.fill(p.cellRect(x, y, span), bg)
				} else {
					p.drawCell(x, y, span, cell, fg, bg)
				}
			}
		}
	}
	return img, nil
}

// WritePNG renders screen like Render and writes it to path as a PNG.
func WritePNG(path string, screen string, cols, rows int, opts Options) error {
	img, err := Render(screen, cols, rows, opts)
	if err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write screenshot: %w", err)
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return fmt.Errorf("write screenshot %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write screenshot %s: %w", path, err)
	}
	return nil
}
