package shot

import (
	"fmt"
	"image"
	"strings"
	"testing"

	"golang.org/x/text/unicode/runenames"
)

// drawAlone renders one rune in a single cell at 28px, large enough that
// light, heavy and double lines are told apart by width.
func drawAlone(t *testing.T, r rune) grid {
	t.Helper()
	return render(t, string(r), 1, 1, Options{FontSize: 28, Padding: -1})
}

// runs returns the widths of the inked runs along the pixels from..to
// (inclusive), stepping by step.
func (g grid) runs(from, step image.Point, n int) []int {
	var widths []int
	in := false
	for i := 0; i < n; i++ {
		p := from.Add(step.Mul(i))
		if !isBg(g.at(p.X, p.Y), defBg) {
			if !in {
				widths = append(widths, 0)
			}
			widths[len(widths)-1]++
			in = true
		} else {
			in = false
		}
	}
	return widths
}

// armsFromName reads which arms a box-drawing character has, and how heavy
// they are, from its Unicode name, e.g. "BOX DRAWINGS UP HEAVY AND RIGHT
// DOWN LIGHT": an independent check of the hand-transcribed table.
func armsFromName(name string) map[byte]string {
	name = strings.TrimPrefix(name, "BOX DRAWINGS ")
	name = strings.ReplaceAll(name, "ARC ", "")
	weightOf := func(w string) string {
		switch w {
		case "LIGHT", "SINGLE":
			return "light"
		case "HEAVY":
			return "heavy"
		case "DOUBLE":
			return "double"
		}
		return ""
	}
	overall := ""
	for _, w := range strings.Fields(name) {
		if overall = weightOf(w); overall != "" {
			break
		}
	}
	arms := map[byte]string{}
	for _, part := range strings.Split(name, " AND ") {
		weight := overall
		var dirs []byte
		for _, w := range strings.Fields(part) {
			if wt := weightOf(w); wt != "" {
				weight = wt
			}
			switch w {
			case "UP", "DOWN", "LEFT", "RIGHT":
				dirs = append(dirs, w[0])
			case "VERTICAL":
				dirs = append(dirs, 'U', 'D')
			case "HORIZONTAL":
				dirs = append(dirs, 'L', 'R')
			}
		}
		for _, d := range dirs {
			arms[d] = weight
		}
	}
	return arms
}

func TestBoxDrawingArmsMatchUnicodeNamesAndReachTheEdges(t *testing.T) {
	dash := drawAlone(t, '─')
	lightW := dash.runs(image.Pt(0, 0), image.Pt(0, 1), dash.cellH)
	if len(lightW) != 1 {
		t.Fatalf("─ does not reach the left edge as one line: runs %v", lightW)
	}
	light := lightW[0]
	for r := rune(0x2500); r <= 0x257f; r++ {
		name := runenames.Name(r)
		if strings.Contains(name, "DASH") || strings.Contains(name, "DIAGONAL") {
			continue
		}
		t.Run(fmt.Sprintf("%c %s", r, name), func(t *testing.T) {
			want := armsFromName(name)
			g := drawAlone(t, r)
			w, h := g.cellW, g.cellH
			edges := map[byte][]int{
				'U': g.runs(image.Pt(0, 0), image.Pt(1, 0), w),
				'D': g.runs(image.Pt(0, h-1), image.Pt(1, 0), w),
				'L': g.runs(image.Pt(0, 0), image.Pt(0, 1), h),
				'R': g.runs(image.Pt(w-1, 0), image.Pt(0, 1), h),
			}
			for dir, runs := range edges {
				switch want[dir] {
				case "":
					if len(runs) != 0 {
						t.Errorf("edge %c should be empty, has lines %v", dir, runs)
					}
				case "light":
					if len(runs) != 1 || runs[0] > light+1 {
						t.Errorf("edge %c should have one light line (%dpx), has %v", dir, light, runs)
					}
				case "heavy":
					if len(runs) != 1 || runs[0] < light+2 {
						t.Errorf("edge %c should have one heavy line, has %v (light is %dpx)", dir, runs, light)
					}
				case "double":
					if len(runs) != 2 {
						t.Errorf("edge %c should have a double line, has %v", dir, runs)
					}
				}
			}
			// Arms of single lines meet in the middle: all ink is one shape.
			hasDouble := false
			for _, wt := range want {
				hasDouble = hasDouble || wt == "double"
			}
			if !hasDouble && len(want) > 1 && g.shapes() != 1 {
				t.Errorf("the arms do not meet: %d separate shapes", g.shapes())
			}
		})
	}
}

// shapes counts the 4-connected regions of ink in the image.
func (g grid) shapes() int {
	b := g.img.Bounds()
	seen := map[image.Point]bool{}
	n := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			p := image.Pt(x, y)
			if seen[p] || isBg(g.at(x, y), defBg) {
				continue
			}
			n++
			stack := []image.Point{p}
			seen[p] = true
			for len(stack) > 0 {
				q := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				for _, d := range []image.Point{{1, 0}, {-1, 0}, {0, 1}, {0, -1}} {
					nb := q.Add(d)
					if nb.In(b) && !seen[nb] && !isBg(g.at(nb.X, nb.Y), defBg) {
						seen[nb] = true
						stack = append(stack, nb)
					}
				}
			}
		}
	}
	return n
}

func TestDashedAndDiagonalLines(t *testing.T) {
	for r, want := range map[rune]int{'┄': 3, '┈': 4, '╌': 2, '┆': 3, '┊': 4, '╎': 2, '┅': 3, '╏': 2} {
		g := drawAlone(t, r)
		if n := g.shapes(); n != want {
			t.Errorf("%c (%s) has %d dashes, want %d", r, runenames.Name(r), n, want)
		}
	}
	for _, r := range "╱╲╳" {
		g := drawAlone(t, r)
		w, h := g.cellW, g.cellH
		rising := g.ink(image.Rect(w-2, 0, w, 2), defBg) > 0 && g.ink(image.Rect(0, h-2, 2, h), defBg) > 0
		falling := g.ink(image.Rect(0, 0, 2, 2), defBg) > 0 && g.ink(image.Rect(w-2, h-2, w, h), defBg) > 0
		if rising != (r != '╲') || falling != (r != '╱') {
			t.Errorf("%c: corner to corner rising %v, falling %v", r, rising, falling)
		}
	}
}

// blockFraction reads a block element's name: which side it fills and how
// much, e.g. "LOWER THREE EIGHTHS BLOCK" → 'D', 3/8.
func blockFraction(name string) (side byte, frac float64, ok bool) {
	fracs := map[string]float64{"ONE EIGHTH": 1. / 8, "ONE QUARTER": 2. / 8, "THREE EIGHTHS": 3. / 8, "HALF": 4. / 8,
		"FIVE EIGHTHS": 5. / 8, "THREE QUARTERS": 6. / 8, "SEVEN EIGHTHS": 7. / 8}
	if name == "FULL BLOCK" {
		return 'D', 1, true
	}
	for words, f := range fracs {
		for prefix, s := range map[string]byte{"UPPER ": 'U', "LOWER ": 'D', "LEFT ": 'L', "RIGHT ": 'R'} {
			if name == prefix+words+" BLOCK" || name == prefix+strings.TrimSuffix(words, "S")+" BLOCK" {
				return s, f, true
			}
		}
	}
	return 0, 0, false
}

func TestBlockElementsMatchUnicodeNames(t *testing.T) {
	prevShade := 0
	for r := rune(0x2580); r <= 0x259f; r++ {
		name := runenames.Name(r)
		g := drawAlone(t, r)
		w, h := g.cellW, g.cellH
		switch {
		case strings.HasPrefix(name, "QUADRANT "):
			quads := map[string]image.Point{"UPPER LEFT": {w / 4, h / 4}, "UPPER RIGHT": {3 * w / 4, h / 4},
				"LOWER LEFT": {w / 4, 3 * h / 4}, "LOWER RIGHT": {3 * w / 4, 3 * h / 4}}
			parts := strings.Split(strings.TrimPrefix(name, "QUADRANT "), " AND ")
			for q, p := range quads {
				named := false
				for _, part := range parts {
					named = named || part == q
				}
				if inked := !isBg(g.at(p.X, p.Y), defBg); inked != named {
					t.Errorf("%c %s: quadrant %s inked=%v", r, name, q, inked)
				}
			}
		case strings.HasSuffix(name, " SHADE"):
			c := g.at(w/2, h/2)
			bright := int(c.R) + int(c.G) + int(c.B)
			if bright <= prevShade {
				t.Errorf("%c %s is not brighter than the lighter shade", r, name)
			}
			prevShade = bright
		default:
			side, frac, ok := blockFraction(name)
			if !ok {
				t.Fatalf("test cannot read %U %q", r, name)
			}
			n, step, from := h, image.Pt(0, 1), image.Pt(w/2, 0)
			if side == 'L' || side == 'R' {
				n, step, from = w, image.Pt(1, 0), image.Pt(0, h/2)
			}
			runs := g.runs(from, step, n)
			want := frac * float64(n)
			if len(runs) != 1 || float64(runs[0]) < want-1 || float64(runs[0]) > want+1 {
				t.Errorf("%c %s: filled runs %v along %dpx, want one of %.1f", r, name, runs, n, want)
				continue
			}
			atStart := !isBg(g.at(from.X, from.Y), defBg)
			if wantStart := side == 'U' || side == 'L' || frac == 1; atStart != wantStart {
				t.Errorf("%c %s: filled from the wrong side", r, name)
			}
		}
	}
}

func TestTreeTrianglesPointTheirWay(t *testing.T) {
	// ▸ (collapsed) has its ink mass on the left, pointing right; ▾
	// (expanded) has it at the top, pointing down.
	for r, heavier := range map[rune]string{'▸': "left", '▶': "left", '▾': "top", '▼': "top", '◂': "right", '▴': "bottom"} {
		g := drawAlone(t, r)
		w, h := g.cellW, g.cellH
		left, right := g.ink(image.Rect(0, 0, w/2, h), defBg), g.ink(image.Rect(w/2, 0, w, h), defBg)
		top, bottom := g.ink(image.Rect(0, 0, w, h/2), defBg), g.ink(image.Rect(0, h/2, w, h), defBg)
		got := map[string]bool{"left": left > right+2, "right": right > left+2, "top": top > bottom+2, "bottom": bottom > top+2}
		if !got[heavier] {
			t.Errorf("%c: ink left %d right %d top %d bottom %d, want more on the %s", r, left, right, top, bottom, heavier)
		}
	}
}
