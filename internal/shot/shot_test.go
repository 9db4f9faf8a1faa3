package shot

import (
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"charm.land/lipgloss/v2"
)

var (
	defBg = toRGBA(DefaultBackground)
	defFg = toRGBA(DefaultForeground)
)

func TestImageSizeIsTheCellGridPlusPadding(t *testing.T) {
	for _, tc := range []struct {
		name    string
		opts    Options
		wantPad int
	}{
		{"defaults", Options{}, DefaultPadding},
		{"no padding", Options{Padding: -1}, 0},
		{"padding 5, 20px font", Options{Padding: 5, FontSize: 20}, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := render(t, "hello", 30, 7, tc.opts)
			b := g.img.Bounds()
			if b.Dx() != 30*g.cellW+2*tc.wantPad || b.Dy() != 7*g.cellH+2*tc.wantPad {
				t.Fatalf("image %dx%d, want %dx%d (cell %dx%d, padding %d)", b.Dx(), b.Dy(),
					30*g.cellW+2*tc.wantPad, 7*g.cellH+2*tc.wantPad, g.cellW, g.cellH, tc.wantPad)
			}
			if g.cellW < 4 || g.cellH <= g.cellW {
				t.Fatalf("implausible monospace cell %dx%d", g.cellW, g.cellH)
			}
		})
	}
	w14, h14, _ := CellSize(Options{})
	w28, h28, _ := CellSize(Options{FontSize: 28})
	if w28 < 2*w14-2 || h28 < 2*h14-2 {
		t.Fatalf("doubling the font size gave cells %dx%d from %dx%d", w28, h28, w14, h14)
	}
}

func TestBackgroundColoursOfStyledCells(t *testing.T) {
	screen := "\x1b[48;2;200;10;30mTC\x1b[0m" + // truecolor
		"\x1b[41mB\x1b[0m" + // basic red, from the palette
		"\x1b[48;5;208mI\x1b[0m" + // 256-colour orange #ff8700
		"\x1b[7mR\x1b[0m" + // reverse video: default fg behind
		"\x1b[48;5;1mP\x1b[49mD" // indexed 1 is palette red; 49 restores the default
	g := render(t, screen, 10, 2, Options{})
	want := []color.RGBA{
		{200, 10, 30, 255}, {200, 10, 30, 255},
		toRGBA(DefaultPalette[1]),
		{0xff, 0x87, 0x00, 0xff},
		defFg,
		toRGBA(DefaultPalette[1]),
		defBg, defBg,
	}
	for x, w := range want {
		r := g.cell(x, 0)
		if got := g.at(r.Min.X, r.Min.Y); got != w { // a corner pixel: no glyph ink there
			t.Errorf("cell %d background %v, want %v", x, got, w)
		}
	}
	if got := g.at(1, 1); got != defBg {
		t.Errorf("padding %v, want the default background %v", got, defBg)
	}
}

func TestOptionsColoursAndPalette(t *testing.T) {
	bg := color.RGBA{250, 250, 250, 255}
	red := color.RGBA{10, 200, 10, 255}
	g := render(t, "\x1b[41m \x1b[0m ", 3, 1, Options{Background: bg, Palette: [16]color.Color{1: red}})
	if got := g.at(g.cell(0, 0).Min.X, g.cell(0, 0).Min.Y); got != red {
		t.Errorf("palette red cell %v, want the overridden %v", got, red)
	}
	if got := g.at(g.cell(1, 0).Min.X, g.cell(1, 0).Min.Y); got != bg {
		t.Errorf("plain cell %v, want the chosen background %v", got, bg)
	}
}

func TestTextIsDrawnInItsForegroundColour(t *testing.T) {
	green := color.RGBA{0, 220, 0, 255}
	g := render(t, "\x1b[38;2;0;220;0mW\x1b[0m  W", 5, 1, Options{})
	// Anti-aliasing blends most edge pixels, so look for the pure colour in
	// a few and for any ink at all in the rest.
	if n := g.count(g.cell(0, 0), green, 10); n < 3 {
		t.Errorf("green W has %d green pixels", n)
	}
	if n := g.count(g.cell(3, 0), defFg, 10); n < 3 {
		t.Errorf("plain W has %d default-foreground pixels", n)
	}
	if g.count(g.cell(3, 0), green, 60) != 0 {
		t.Errorf("plain W has green pixels")
	}
	if n := g.ink(g.cell(1, 0), defBg) + g.ink(g.cell(2, 0), defBg); n > 4 {
		t.Errorf("the spaces between have %d ink pixels", n)
	}
}

func TestAttributes(t *testing.T) {
	ink := func(t *testing.T, screen string) (n int, brightest int) {
		g := render(t, screen, 2, 1, Options{})
		r := g.cell(0, 0)
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				if c := g.at(x, y); !isBg(c, defBg) {
					n++
					brightest = max(brightest, int(c.R)+int(c.G)+int(c.B))
				}
			}
		}
		return n, brightest
	}
	plain, plainBright := ink(t, "W")
	if boldInk, _ := ink(t, "\x1b[1mW"); boldInk <= plain {
		t.Errorf("bold W has %d ink pixels, regular %d", boldInk, plain)
	}
	if _, faintBright := ink(t, "\x1b[2mW"); faintBright >= plainBright*3/4 {
		t.Errorf("faint W is as bright as regular: %d vs %d", faintBright, plainBright)
	}
	if n, _ := ink(t, "\x1b[8mW"); n != 0 {
		t.Errorf("concealed W shows %d ink pixels", n)
	}
	if n, _ := ink(t, "\x1b[4m "); n < 4 {
		t.Errorf("underlined space shows %d ink pixels, want an underline", n)
	}
	if n, _ := ink(t, "\x1b[9m "); n < 4 {
		t.Errorf("struck-through space shows %d ink pixels, want a line", n)
	}
	if n, _ := ink(t, "\x1b[4m \x1b[24m"); n == 0 {
		t.Errorf("underline should still apply before SGR 24")
	}
	if n, _ := ink(t, "\x1b[4m\x1b[0m "); n != 0 {
		t.Errorf("reset space shows %d ink pixels", n)
	}

	italic := render(t, "\x1b[3mW", 2, 1, Options{})
	regular := render(t, "W", 2, 1, Options{})
	same := true
	r := regular.cell(0, 0)
	for y := r.Min.Y; y < r.Max.Y && same; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if italic.at(x, y) != regular.at(x, y) {
				same = false
				break
			}
		}
	}
	if same {
		t.Errorf("italic W is drawn exactly like regular W")
	}
}

func TestRoundedBorderFromLipglossIsContinuous(t *testing.T) {
	border := color.RGBA{0x89, 0xb4, 0xfa, 0xff}
	box := lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(border).Width(12).Render("keys\nvalue")
	lines := strings.Split(box, "\n")
	cols, rows := lipgloss.Width(box), len(lines)
	g := render(t, box, cols, rows, Options{})

	// The top edge runs unbroken through every cell of ─, from the first
	// corner's cell to the last one's.
	top := g.cell(0, 0)
	right := g.cell(cols-1, 0)
	lineY := -1
	for y := top.Min.Y; y < top.Max.Y; y++ {
		if near(g.at(top.Min.X+g.cellW, y), border, 8) { // inside the first ─
			lineY = y
			break
		}
	}
	if lineY < 0 {
		t.Fatalf("no horizontal border line in the top row")
	}
	for x := top.Max.X; x < right.Min.X; x++ {
		if c := g.at(x, lineY); !near(c, border, 8) {
			t.Fatalf("top border broken at pixel x=%d: %v", x, c)
		}
	}
	// The left edge runs unbroken down through the rows of │, from the
	// corner row to the bottom corner row: no gap between rows.
	lineX := -1
	side := g.cell(0, 1)
	for x := side.Min.X; x < side.Max.X; x++ {
		if near(g.at(x, side.Min.Y), border, 8) {
			lineX = x
			break
		}
	}
	if lineX < 0 {
		t.Fatalf("no vertical border line in the first column")
	}
	bottom := g.cell(0, rows-1)
	for y := top.Max.Y; y < bottom.Min.Y; y++ {
		if c := g.at(lineX, y); !near(c, border, 8) {
			t.Fatalf("left border broken at pixel y=%d: %v", y, c)
		}
	}
	// The corner joins both lines but is rounded: the point where square
	// lines would cross stays (nearly) background.
	if g.ink(image.Rect(top.Max.X-1, lineY, top.Max.X, lineY+1), defBg) != 1 ||
		g.ink(image.Rect(lineX, top.Max.Y-1, lineX+1, top.Max.Y), defBg) != 1 {
		t.Errorf("corner ╭ does not reach the next cells' lines")
	}
	if c := g.at(lineX, lineY); near(c, border, 8) {
		t.Errorf("corner ╭ is square: the point where its lines would cross is inked")
	}
}

func TestWideRunesTakeTwoCells(t *testing.T) {
	blue := color.RGBA{0, 0, 200, 255}
	g := render(t, "\x1b[48;2;0;0;200m世\x1b[0mx🙂y", 8, 1, Options{})
	for x := range 2 {
		r := g.cell(x, 0)
		if got := g.at(r.Max.X-1, r.Max.Y-1); got != blue {
			t.Errorf("cell %d of the wide rune has background %v, want %v", x, got, blue)
		}
	}
	if g.ink(g.cell(2, 0), defBg) < 5 {
		t.Errorf("x after a wide rune is not in column 2")
	}
	// The emoji has no Go Mono glyph: an outline box spans both its cells.
	for x := 3; x <= 4; x++ {
		if g.ink(g.cell(x, 0), defBg) < 3 {
			t.Errorf("cell %d of the emoji shows no outline", x)
		}
	}
	if g.ink(g.cell(5, 0), defBg) < 5 {
		t.Errorf("y after the emoji is not in column 5")
	}
	if g.ink(g.cell(6, 0), defBg) != 0 {
		t.Errorf("column 6 should be empty")
	}
}

func TestTextBeyondTheScreenIsCutNotWrapped(t *testing.T) {
	g := render(t, "abcdefXYZ\nline2\nline3\nline4", 6, 2, Options{})
	want := render(t, "abcdef\nline2", 6, 2, Options{})
	if !sameImage(g.img, want.img) {
		t.Errorf("a long line or extra rows changed what a 6x2 screen shows")
	}
}

func sameImage(a, b image.Image) bool {
	if a.Bounds() != b.Bounds() {
		return false
	}
	r := a.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if toRGBA(a.At(x, y)) != toRGBA(b.At(x, y)) {
				return false
			}
		}
	}
	return true
}

func TestWritePNG(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shot.png")
	if err := WritePNG(path, "\x1b[1mkvdeck\x1b[0m", 20, 3, Options{}); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	want, _ := Render("\x1b[1mkvdeck\x1b[0m", 20, 3, Options{})
	if img.Bounds() != want.Bounds() {
		t.Fatalf("PNG is %v, Render gives %v", img.Bounds(), want.Bounds())
	}
	for _, p := range []image.Point{{0, 0}, {want.Bounds().Dx() / 2, want.Bounds().Dy() / 2}} {
		if toRGBA(img.At(p.X, p.Y)) != toRGBA(want.At(p.X, p.Y)) {
			t.Errorf("PNG pixel %v differs from Render's", p)
		}
	}
	if err := WritePNG(filepath.Join(t.TempDir(), "no", "such", "dir.png"), "x", 1, 1, Options{}); err == nil {
		t.Errorf("writing into a missing directory succeeded")
	}
}

func TestBadSizeIsAnError(t *testing.T) {
	for _, sz := range [][2]int{{0, 5}, {5, 0}, {-1, 3}} {
		if _, err := Render("x", sz[0], sz[1], Options{}); err == nil {
			t.Errorf("Render with %dx%d succeeded", sz[0], sz[1])
		}
	}
}
