package shot

import (
	"image"
	"image/color"
	"image/draw"

	"golang.org/x/image/vector"
)

// Why some runes are drawn by hand: kvdeck frames every pane with rounded
// borders (╭╮╰╯), and Go Mono has no glyph for the rounded corners, heavy
// lines or the small triangles of the key tree (▸ ▾). Even the box glyphs it
// has are sized to the font's em, not to our cell, so lines would not meet
// between rows. Terminals (kitty, WezTerm, foot, VTE) draw these blocks
// themselves for the same reason. We do the same for box drawing
// (U+2500–U+257F), block elements (U+2580–U+259F) and a few geometric
// shapes, so borders join seamlessly and no system font is needed.

// drawShape draws r into cell rectangle dst if it is one of the hand-drawn
// runes and reports whether it was.
func drawShape(img *image.RGBA, dst image.Rectangle, r rune, fg, bg color.RGBA) bool {
	switch {
	case r >= 0x2500 && r <= 0x257f:
		return drawBox(newCanvas(img, dst, fg), r)
	case r >= 0x2580 && r <= 0x259f:
		return drawBlock(newCanvas(img, dst, fg), r, bg)
	}
	return drawGeometric(newCanvas(img, dst, fg), r)
}

// canvas draws filled shapes in fg within one cell.
type canvas struct {
	img  *image.RGBA
	cell image.Rectangle
	w, h int
	fg   color.RGBA
}

func newCanvas(img *image.RGBA, cell image.Rectangle, fg color.RGBA) *canvas {
	return &canvas{img: img, cell: cell, w: cell.Dx(), h: cell.Dy(), fg: fg}
}

// rect fills cell-relative pixels [x0,x1)×[y0,y1), clipped to the cell.
func (c *canvas) rect(x0, y0, x1, y1 int) {
	r := image.Rect(x0, y0, x1, y1).Add(c.cell.Min).Intersect(c.cell)
	draw.Draw(c.img, r, image.NewUniform(c.fg), image.Point{}, draw.Src)
}

// rectColor fills like rect in another colour (for shades).
func (c *canvas) rectColor(x0, y0, x1, y1 int, col color.RGBA) {
	r := image.Rect(x0, y0, x1, y1).Add(c.cell.Min).Intersect(c.cell)
	draw.Draw(c.img, r, image.NewUniform(col), image.Point{}, draw.Src)
}

// path returns an anti-aliasing rasterizer the size of the cell; coordinates
// must stay within [0,w]×[0,h]. fillPath paints what was drawn on it.
func (c *canvas) path() *vector.Rasterizer {
	return vector.NewRasterizer(c.w, c.h)
}

func (c *canvas) fillPath(z *vector.Rasterizer) {
	z.Draw(c.img, c.cell, image.NewUniform(c.fg), image.Point{})
}

// polygon adds a closed polygon to z.
func polygon(z *vector.Rasterizer, pts ...[2]float32) {
	z.MoveTo(pts[0][0], pts[0][1])
	for _, p := range pts[1:] {
		z.LineTo(p[0], p[1])
	}
	z.ClosePath()
}
