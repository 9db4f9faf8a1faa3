package shot

import (
	"image"
	"image/color"
	"image/draw"
	"unicode/utf8"

	uv "github.com/charmbracelet/ultraviolet"
	"golang.org/x/image/font"
)

// painter draws cells onto the image.
type painter struct {
	img *image.RGBA
	fs  *faceSet
	pad int
}

// cellRect is the pixel rectangle of span cells starting at column x, row y.
func (p *painter) cellRect(x, y, span int) image.Rectangle {
	x0 := p.pad + x*p.fs.cellW
	y0 := p.pad + y*p.fs.cellH
	return image.Rect(x0, y0, x0+span*p.fs.cellW, y0+p.fs.cellH)
}

func (p *painter) fill(r image.Rectangle, c color.RGBA) {
	draw.Draw(p.img, r, image.NewUniform(c), image.Point{}, draw.Src)
}

// drawCell draws a cell's glyph and its underline or strike-through; the
// background is already painted.
func (p *painter) drawCell(x, y, span int, cell *uv.Cell, fg, bg color.RGBA) {
	r := p.cellRect(x, y, span)
	st := cell.Style
	if st.Attrs&uv.AttrConceal == 0 && cell.Content != "" && cell.Content != " " {
		p.drawGlyph(r, cell.Content, fg, bg, st)
	}
	thick := max(1, p.fs.cellH/16)
	if st.Underline != uv.UnderlineNone {
		uc := fg
		if st.UnderlineColor != nil {
			uc = toRGBA(st.UnderlineColor)
		}
		y0 := r.Min.Y + p.fs.ascent + max(1, p.fs.descent/3)
		p.fill(image.Rect(r.Min.X, y0, r.Max.X, y0+thick), uc)
		if st.Underline == uv.UnderlineDouble {
			y1 := y0 + 2*thick
			p.fill(image.Rect(r.Min.X, y1, r.Max.X, y1+thick), uc)
		}
	}
	if st.Attrs&uv.AttrStrikethrough != 0 {
		y0 := r.Min.Y + p.fs.ascent - p.fs.ascent*3/10
		p.fill(image.Rect(r.Min.X, y0, r.Max.X, y0+thick), fg)
	}
}

func (p *painter) drawGlyph(r image.Rectangle, content string, fg, bg color.RGBA, st uv.Style) {
	base, size := utf8.DecodeRuneInString(content)
	// Box drawing, block elements and a few UI shapes are drawn as shapes,
	// not from the font: see handdrawn.go for why.
	if size == len(content) && drawShape(p.img, r, base, fg, bg) {
		return
	}
	if !p.fs.hasGlyph(base) {
		p.drawMissing(r, fg)
		return
	}
	d := font.Drawer{
		Dst:  p.img,
		Src:  image.NewUniform(fg),
		Face: p.fs.faces[variantOf(st.Attrs&uv.AttrBold != 0, st.Attrs&uv.AttrItalic != 0)],
		Dot:  p.fs.baseline(r.Min.X, r.Min.Y),
	}
	d.DrawString(content)
}

// drawMissing outlines the cells of a rune Go Mono has no glyph for (CJK,
// emoji), as terminals show a missing glyph, so the layout stays readable.
func (p *painter) drawMissing(r image.Rectangle, fg color.RGBA) {
	box := image.Rect(r.Min.X+1, r.Min.Y+p.fs.cellH/8, r.Max.X-1, r.Min.Y+p.fs.ascent+1)
	p.fill(image.Rect(box.Min.X, box.Min.Y, box.Max.X, box.Min.Y+1), fg)
	p.fill(image.Rect(box.Min.X, box.Max.Y-1, box.Max.X, box.Max.Y), fg)
	p.fill(image.Rect(box.Min.X, box.Min.Y, box.Min.X+1, box.Max.Y), fg)
	p.fill(image.Rect(box.Max.X-1, box.Min.Y, box.Max.X, box.Max.Y), fg)
}
