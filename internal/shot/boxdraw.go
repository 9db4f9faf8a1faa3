package shot

import "math"

// weight is how one arm of a box-drawing character is drawn.
type weight byte

const (
	none weight = iota
	light
	heavy
	double
)

// boxArms lists, for U+2500–U+257F, the arms from the cell centre to each
// edge in the order up, right, down, left: '.' none, 'l' light, 'h' heavy,
// 'd' double. Empty entries (dashes, arcs, diagonals) are drawn by their own
// code. Transcribed from the character names in the Unicode chart.
var boxArms = [0x80]string{
	0x00: ".l.l", 0x01: ".h.h", 0x02: "l.l.", 0x03: "h.h.",
	0x0c: ".ll.", 0x0d: ".hl.", 0x0e: ".lh.", 0x0f: ".hh.",
	0x10: "..ll", 0x11: "..lh", 0x12: "..hl", 0x13: "..hh",
	0x14: "ll..", 0x15: "lh..", 0x16: "hl..", 0x17: "hh..",
	0x18: "l..l", 0x19: "l..h", 0x1a: "h..l", 0x1b: "h..h",
	0x1c: "lll.", 0x1d: "lhl.", 0x1e: "hll.", 0x1f: "llh.",
	0x20: "hlh.", 0x21: "hhl.", 0x22: "lhh.", 0x23: "hhh.",
	0x24: "l.ll", 0x25: "l.lh", 0x26: "h.ll", 0x27: "l.hl",
	0x28: "h.hl", 0x29: "h.lh", 0x2a: "l.hh", 0x2b: "h.hh",
	0x2c: ".lll", 0x2d: ".llh", 0x2e: ".hll", 0x2f: ".hlh",
	0x30: ".lhl", 0x31: ".lhh", 0x32: ".hhl", 0x33: ".hhh",
	0x34: "ll.l", 0x35: "ll.h", 0x36: "lh.l", 0x37: "lh.h",
	0x38: "hl.l", 0x39: "hl.h", 0x3a: "hh.l", 0x3b: "hh.h",
	0x3c: "llll", 0x3d: "lllh", 0x3e: "lhll", 0x3f: "lhlh",
	0x40: "hlll", 0x41: "llhl", 0x42: "hlhl", 0x43: "hllh",
	0x44: "hhll", 0x45: "llhh", 0x46: "lhhl", 0x47: "hhlh",
	0x48: "lhhh", 0x49: "hlhh", 0x4a: "hhhl", 0x4b: "hhhh",
	0x50: ".d.d", 0x51: "d.d.", 0x52: ".dl.", 0x53: ".ld.",
	0x54: ".dd.", 0x55: "..ld", 0x56: "..dl", 0x57: "..dd",
	0x58: "ld..", 0x59: "dl..", 0x5a: "dd..", 0x5b: "l..d",
	0x5c: "d..l", 0x5d: "d..d", 0x5e: "ldl.", 0x5f: "dld.",
	0x60: "ddd.", 0x61: "l.ld", 0x62: "d.dl", 0x63: "d.dd",
	0x64: ".dld", 0x65: ".ldl", 0x66: ".ddd", 0x67: "ld.d",
	0x68: "dl.l", 0x69: "dd.d", 0x6a: "ldld", 0x6b: "dldl",
	0x6c: "dddd",
	0x74: "...l", 0x75: "l...", 0x76: ".l..", 0x77: "..l.",
	0x78: "...h", 0x79: "h...", 0x7a: ".h..", 0x7b: "..h.",
	0x7c: ".h.l", 0x7d: "l.h.", 0x7e: ".l.h", 0x7f: "h.l.",
}

// dashes lists the dashed lines: how many dashes, heavy, vertical.
var dashes = map[rune]struct {
	n               int
	heavy, vertical bool
}{
	0x2504: {3, false, false}, 0x2505: {3, true, false}, 0x2506: {3, false, true}, 0x2507: {3, true, true},
	0x2508: {4, false, false}, 0x2509: {4, true, false}, 0x250a: {4, false, true}, 0x250b: {4, true, true},
	0x254c: {2, false, false}, 0x254d: {2, true, false}, 0x254e: {2, false, true}, 0x254f: {2, true, true},
}

// boxPen holds the line thicknesses for one cell size.
type boxPen struct {
	*canvas
	light, heavy int
	gap          int // offset of each line of a double line from the centre line
}

func newBoxPen(c *canvas) boxPen {
	lt := max(1, int(math.Round(float64(c.w)/9)))
	return boxPen{canvas: c, light: lt, heavy: 2 * lt, gap: lt + 1}
}

func (p boxPen) thick(w weight) int {
	switch w {
	case heavy:
		return p.heavy
	case light, double:
		return p.light
	}
	return 0
}

// drawBox draws a box-drawing rune (U+2500–U+257F).
func drawBox(c *canvas, r rune) bool {
	p := newBoxPen(c)
	if d, ok := dashes[r]; ok {
		p.dashed(d.n, d.heavy, d.vertical)
		return true
	}
	switch r {
	case 0x256d:
		p.arc(1, 1)
	case 0x256e:
		p.arc(-1, 1)
	case 0x256f:
		p.arc(-1, -1)
	case 0x2570:
		p.arc(1, -1)
	case 0x2571:
		p.diagonal(false)
	case 0x2572:
		p.diagonal(true)
	case 0x2573:
		p.diagonal(false)
		p.diagonal(true)
	default:
		spec := boxArms[r-0x2500]
		if spec == "" {
			return false
		}
		var arms [4]weight
		for i := range arms {
			arms[i] = map[byte]weight{'.': none, 'l': light, 'h': heavy, 'd': double}[spec[i]]
		}
		p.arms(arms[0], arms[1], arms[2], arms[3])
	}
	return true
}

// segment is a line along an arm: pixels [a0,a1) along the arm's axis,
// [b,b+t) across it.
type segment struct{ a0, a1, b, t int }

// arms draws the four arms so that they meet cleanly at the centre: double
// lines form proper corners, tees and crossings, and a thin arm reaches
// into a thick crossing line instead of stopping short of it.
func (p boxPen) arms(up, right, down, left weight) {
	for _, s := range p.armSegments(right, up, down, left, true, p.w, p.h) {
		p.rect(s.a0, s.b, s.a1, s.b+s.t)
	}
	for _, s := range p.armSegments(left, up, down, right, false, p.w, p.h) {
		p.rect(s.a0, s.b, s.a1, s.b+s.t)
	}
	for _, s := range p.armSegments(down, left, right, up, true, p.h, p.w) {
		p.rect(s.b, s.a0, s.b+s.t, s.a1)
	}
	for _, s := range p.armSegments(up, left, right, down, false, p.h, p.w) {
		p.rect(s.b, s.a0, s.b+s.t, s.a1)
	}
}

// armSegments returns the lines of one arm. far is true for the arm that
// runs from the centre to the far edge (right, down); neg and pos are the
// perpendicular arms on the low and high side across it, opp is the arm
// opposite; along and across are the cell's lengths on the two axes.
func (p boxPen) armSegments(arm, neg, pos, opp weight, far bool, along, across int) []segment {
	if arm == none {
		return nil
	}
	centre := func(length, t int) int { return (length - t) / 2 }
	anyDouble := neg == double || pos == double
	// reach places the arm's inner end on a line across it at offset off
	// from the centre (positive = towards the far edge) of thickness t.
	reach := func(off, t, b, bt int) segment {
		if far {
			return segment{centre(along, t) + off, along, b, bt}
		}
		return segment{0, centre(along, t) - off + t, b, bt}
	}
	if arm == double {
		var segs []segment
		for _, side := range []int{-1, 1} {
			perp := neg
			if side > 0 {
				perp = pos
			}
			b := centre(across, p.light) + side*p.gap
			switch {
			case perp == double: // stop at the inner line of a double arm
				segs = append(segs, reach(p.gap, p.light, b, p.light))
			case perp != none: // meet a single line
				segs = append(segs, reach(0, p.thick(perp), b, p.light))
			case opp != none: // run on into the opposite arm
				segs = append(segs, reach(0, p.light, b, p.light))
			case anyDouble: // outer side of a double corner
				segs = append(segs, reach(-p.gap, p.light, b, p.light))
			default:
				segs = append(segs, reach(0, max(p.light, p.thick(neg), p.thick(pos)), b, p.light))
			}
		}
		return segs
	}
	t := p.thick(arm)
	b := centre(across, t)
	switch {
	case neg == double && pos == double && opp == none:
		return []segment{reach(p.gap, p.light, b, t)}
	case anyDouble && opp == none:
		return []segment{reach(-p.gap, p.light, b, t)}
	case anyDouble:
		return []segment{reach(0, t, b, t)}
	}
	return []segment{reach(0, max(t, p.thick(neg), p.thick(pos)), b, t)}
}

// dashed draws n dashes spread over the cell with small gaps, so a run of
// them reads as one dashed line.
func (p boxPen) dashed(n int, isHeavy, vertical bool) {
	t := p.light
	if isHeavy {
		t = p.heavy
	}
	along, across := p.w, p.h
	if vertical {
		along, across = p.h, p.w
	}
	b := (across - t) / 2
	gap := max(1, along/(3*n))
	for i := range n {
		a0 := i*along/n + gap/2
		a1 := (i+1)*along/n - (gap - gap/2)
		if vertical {
			p.rect(b, a0, b+t, a1)
		} else {
			p.rect(a0, b, a1, b+t)
		}
	}
}

// arc draws a rounded corner (╭╮╯╰): a quarter circle joining the centre of
// the edge in direction dx (±1, right/left) to the edge in direction dy
// (±1, down/up), tangent to both lines it continues.
func (p boxPen) arc(dx, dy float32) {
	t := float32(p.light)
	cx := float32((p.w-p.light)/2) + t/2 // centre of the vertical line
	cy := float32((p.h-p.light)/2) + t/2 // centre of the horizontal line
	r := min(cx, float32(p.w)-cx, cy, float32(p.h)-cy)
	ox, oy := cx+dx*r, cy+dy*r // the circle's centre
	z := p.path()
	// The straight parts from the arc's ends to the cell's edges.
	edgeY := float32(0)
	if dy > 0 {
		edgeY = float32(p.h)
	}
	polygon(z, [2]float32{cx - t/2, oy}, [2]float32{cx + t/2, oy}, [2]float32{cx + t/2, edgeY}, [2]float32{cx - t/2, edgeY})
	edgeX := float32(0)
	if dx > 0 {
		edgeX = float32(p.w)
	}
	if edgeX != ox {
		polygon(z, [2]float32{ox, cy - t/2}, [2]float32{edgeX, cy - t/2}, [2]float32{edgeX, cy + t/2}, [2]float32{ox, cy + t/2})
	}
	p.fillPath(z)
	// The quarter ring between radii r±t/2, from the vertical line's end
	// (direction -dx from the circle's centre) to the horizontal line's end
	// (direction -dy), each quarter circle approximated by one cubic.
	const k = 0.5523 // 4/3·(√2−1): control distance for a quarter circle
	z = p.path()
	ro, ri := r+t/2, r-t/2
	z.MoveTo(ox-dx*ro, oy)
	z.CubeTo(ox-dx*ro, oy-dy*k*ro, ox-dx*k*ro, oy-dy*ro, ox, oy-dy*ro)
	z.LineTo(ox, oy-dy*ri)
	z.CubeTo(ox-dx*k*ri, oy-dy*ri, ox-dx*ri, oy-dy*k*ri, ox-dx*ri, oy)
	z.ClosePath()
	p.fillPath(z)
}

// diagonal draws ╲ (falling) or ╱ corner to corner.
func (p boxPen) diagonal(falling bool) {
	w, h := float32(p.w), float32(p.h)
	hyp := float32(math.Hypot(float64(w), float64(h)))
	hx := float32(p.light) * hyp / h / 2 // half the line's width along x
	hy := float32(p.light) * hyp / w / 2
	z := p.path()
	if falling {
		polygon(z, [2]float32{0, 0}, [2]float32{hx, 0}, [2]float32{w, h - hy}, [2]float32{w, h}, [2]float32{w - hx, h}, [2]float32{0, hy})
	} else {
		polygon(z, [2]float32{w, 0}, [2]float32{w, hy}, [2]float32{hx, h}, [2]float32{0, h}, [2]float32{0, h - hy}, [2]float32{w - hx, 0})
	}
	p.fillPath(z)
}
