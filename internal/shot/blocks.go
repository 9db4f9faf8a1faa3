package shot

import "image/color"

// drawBlock draws a block element (U+2580–U+259F): partial and full
// blocks, shades and quadrants, filling the cell edge to edge so that bars
// and charts made of them have no seams.
func drawBlock(c *canvas, r rune, bg color.RGBA) bool {
	w, h := c.w, c.h
	eighthH := func(n int) int { return (h*n + 4) / 8 }
	eighthW := func(n int) int { return (w*n + 4) / 8 }
	switch {
	case r == 0x2580: // ▀ upper half
		c.rect(0, 0, w, h/2)
	case r >= 0x2581 && r <= 0x2588: // ▁…█ lower n eighths
		c.rect(0, h-eighthH(int(r-0x2580)), w, h)
	case r >= 0x2589 && r <= 0x258f: // ▉…▏ left n eighths
		c.rect(0, 0, eighthW(int(0x2590-r)), h)
	case r == 0x2590: // ▐ right half
		c.rect(w/2, 0, w, h)
	case r >= 0x2591 && r <= 0x2593: // ░▒▓ shades: 1/4, 2/4, 3/4 of the ink
		c.rectColor(0, 0, w, h, mix(c.fg, bg, float64(r-0x2590)/4))
	case r == 0x2594: // ▔ upper eighth
		c.rect(0, 0, w, eighthH(1))
	case r == 0x2595: // ▕ right eighth
		c.rect(w-eighthW(1), 0, w, h)
	default: // ▖…▟ quadrants
		const ul, ur, ll, lr = 1, 2, 4, 8
		quads := [...]int{ll, lr, ul, ul | ll | lr, ul | lr, ul | ur | ll, ul | ur | lr, ur, ur | ll, ur | ll | lr}
		q := quads[r-0x2596]
		for bit, box := range map[int][4]int{
			ul: {0, 0, w / 2, h / 2}, ur: {w / 2, 0, w, h / 2},
			ll: {0, h / 2, w / 2, h}, lr: {w / 2, h / 2, w, h},
		} {
			if q&bit != 0 {
				c.rect(box[0], box[1], box[2], box[3])
			}
		}
	}
	return true
}

// triangles are the pointers kvdeck's key tree and menus use (▸ ▾). Go Mono
// lacks most of them, so all are drawn alike: points of the triangle as
// fractions of its box, and whether it is the small variant.
var triangles = map[rune]struct {
	pts   [3][2]float32
	small bool
}{
	0x25b2: {[3][2]float32{{0.5, 0}, {1, 1}, {0, 1}}, false}, // ▲
	0x25b4: {[3][2]float32{{0.5, 0}, {1, 1}, {0, 1}}, true},  // ▴
	0x25b6: {[3][2]float32{{0, 0}, {1, 0.5}, {0, 1}}, false}, // ▶
	0x25b8: {[3][2]float32{{0, 0}, {1, 0.5}, {0, 1}}, true},  // ▸
	0x25bc: {[3][2]float32{{0, 0}, {1, 0}, {0.5, 1}}, false}, // ▼
	0x25be: {[3][2]float32{{0, 0}, {1, 0}, {0.5, 1}}, true},  // ▾
	0x25c0: {[3][2]float32{{1, 0}, {1, 1}, {0, 0.5}}, false}, // ◀
	0x25c2: {[3][2]float32{{1, 0}, {1, 1}, {0, 0.5}}, true},  // ◂
}

// drawGeometric draws the triangles above and ◆, centred in the cell.
func drawGeometric(c *canvas, r rune) bool {
	side := float32(c.w) - 2 // the large shapes leave a pixel each side
	tri, isTri := triangles[r]
	switch {
	case isTri && tri.small:
		side *= 0.7
	case isTri, r == 0x25c6:
	default:
		return false
	}
	x0 := (float32(c.w) - side) / 2
	y0 := (float32(c.h) - side) / 2
	at := func(fx, fy float32) [2]float32 { return [2]float32{x0 + fx*side, y0 + fy*side} }
	z := c.path()
	if isTri {
		polygon(z, at(tri.pts[0][0], tri.pts[0][1]), at(tri.pts[1][0], tri.pts[1][1]), at(tri.pts[2][0], tri.pts[2][1]))
	} else { // ◆
		polygon(z, at(0.5, 0), at(1, 0.5), at(0.5, 1), at(0, 0.5))
	}
	c.fillPath(z)
	return true
}
