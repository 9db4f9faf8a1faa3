package shot

import (
	"image/color"

	uv "github.com/charmbracelet/ultraviolet"
	"github.com/charmbracelet/x/ansi"
)

// Default colours: a dark theme that matches kvdeck's own dark palette, so
// unstyled cells blend with the styled ones.
var (
	DefaultForeground color.Color = color.RGBA{0xcd, 0xd6, 0xf4, 0xff} // #cdd6f4
	DefaultBackground color.Color = color.RGBA{0x1e, 0x1e, 0x2e, 0xff} // #1e1e2e
)

// DefaultPalette is what the 16 ANSI colours (SGR 30–37, 90–97 and 256-colour
// indexes 0–15) look like. Terminals let users choose these, so a fixed
// choice that suits the dark background reads better than xterm's.
var DefaultPalette = [16]color.Color{
	hex(0x45475a), hex(0xf38ba8), hex(0xa6e3a1), hex(0xf9e2af),
	hex(0x89b4fa), hex(0xf5c2e7), hex(0x94e2d5), hex(0xbac2de),
	hex(0x585b70), hex(0xf38ba8), hex(0xa6e3a1), hex(0xf9e2af),
	hex(0x89b4fa), hex(0xf5c2e7), hex(0x94e2d5), hex(0xa6adc8),
}

func hex(v uint32) color.RGBA {
	return color.RGBA{uint8(v >> 16), uint8(v >> 8), uint8(v), 0xff}
}

// colors resolves the pixels' colours of cells from their style.
type colors struct {
	fg, bg  color.RGBA
	palette [16]color.Color
}

// resolve turns a terminal colour into the RGBA drawn, using def when the
// style leaves it unset (SGR 39/49 or reset).
func (c *colors) resolve(col color.Color, def color.RGBA) color.RGBA {
	switch v := col.(type) {
	case nil:
		return def
	case ansi.BasicColor:
		return toRGBA(c.palette[v&15])
	case ansi.IndexedColor:
		if v < 16 {
			return toRGBA(c.palette[v])
		}
	}
	return toRGBA(col)
}

// cellColors gives the text and background colour of a cell, after reverse
// video and faint are applied.
func (c *colors) cellColors(st uv.Style) (fg, bg color.RGBA) {
	fg = c.resolve(st.Fg, c.fg)
	bg = c.resolve(st.Bg, c.bg)
	if st.Attrs&uv.AttrReverse != 0 {
		fg, bg = bg, fg
	}
	if st.Attrs&uv.AttrFaint != 0 {
		fg = mix(fg, bg, 0.5)
	}
	return fg, bg
}

func toRGBA(col color.Color) color.RGBA {
	r, g, b, _ := col.RGBA()
	return color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), 0xff}
}

// mix returns a blend of a and b with weight w of a (0..1).
func mix(a, b color.RGBA, w float64) color.RGBA {
	m := func(x, y uint8) uint8 { return uint8(float64(x)*w + float64(y)*(1-w) + 0.5) }
	return color.RGBA{m(a.R, b.R), m(a.G, b.G), m(a.B, b.B), 0xff}
}
