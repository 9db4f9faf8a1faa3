package shot

import (
	"image"
	"image/color"
	"testing"
)

// grid locates cells in a rendered image.
type grid struct {
	img          image.Image
	cellW, cellH int
	pad          int
}

func render(t *testing.T, screen string, cols, rows int, opts Options) grid {
	t.Helper()
	img, err := Render(screen, cols, rows, opts)
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	w, h, err := CellSize(opts)
	if err != nil {
		t.Fatalf("CellSize: %v", err)
	}
	return grid{img: img, cellW: w, cellH: h, pad: opts.padding()}
}

// cell is the pixel rectangle of the cell at column x, row y.
func (g grid) cell(x, y int) image.Rectangle {
	x0, y0 := g.pad+x*g.cellW, g.pad+y*g.cellH
	return image.Rect(x0, y0, x0+g.cellW, y0+g.cellH)
}

func (g grid) at(x, y int) color.RGBA { return toRGBA(g.img.At(x, y)) }

// count returns how many pixels of r are within tol of c in every channel.
func (g grid) count(r image.Rectangle, c color.Color, tol int) int {
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if near(g.at(x, y), toRGBA(c), tol) {
				n++
			}
		}
	}
	return n
}

func near(a, b color.RGBA, tol int) bool {
	d := func(x, y uint8) int { return max(int(x)-int(y), int(y)-int(x)) }
	return d(a.R, b.R) <= tol && d(a.G, b.G) <= tol && d(a.B, b.B) <= tol
}

// ink counts the pixels of r that differ visibly from the background bg.
func (g grid) ink(r image.Rectangle, bg color.RGBA) int {
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if !isBg(g.at(x, y), bg) {
				n++
			}
		}
	}
	return n
}

// isBg reports whether a pixel is close to the background colour bg.
func isBg(c, bg color.RGBA) bool { return near(c, bg, 40) }
