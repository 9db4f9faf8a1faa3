package main

import (
	"regexp"
	"strconv"
	"strings"
)

// Screen is the terminal's text, one string a row. kvdeck's layout, which
// these readers rely on: row 0 is the title; the three panes (Buckets,
// keys, value) are boxes side by side below it; the last row is the status
// bar, with notices on the left and the key count on the right.
type Screen struct{ Lines []string }

func (s Screen) String() string { return strings.Join(s.Lines, "\n") }

// Contains reports whether text appears anywhere on the screen.
func (s Screen) Contains(text string) bool {
	for _, l := range s.Lines {
		if strings.Contains(l, text) {
			return true
		}
	}
	return false
}

// StatusBar is the bottom row.
func (s Screen) StatusBar() string {
	if len(s.Lines) == 0 {
		return ""
	}
	return s.Lines[len(s.Lines)-1]
}

var keysCount = regexp.MustCompile(`(\d+) keys`)

// ListedKeys is the key count the status bar shows and whether the listing
// is over (no "listing" after the count; a rate such as "listing 250k/s"
// may follow it while it runs).
func (s Screen) ListedKeys() (n int, done bool, ok bool) {
	bar := s.StatusBar()
	m := keysCount.FindStringSubmatch(bar)
	if m == nil {
		return 0, false, false
	}
	n, _ = strconv.Atoi(m[1])
	return n, !strings.Contains(bar, "listing"), true
}

// ListingComplete: the status bar shows exactly want keys and the listing
// has ended.
func (s Screen) ListingComplete(want int) bool {
	n, done, ok := s.ListedKeys()
	return ok && done && n == want
}

// box is a pane's columns (of its borders) in rune offsets of its rows.
type box struct {
	title       string
	left, right int // columns of ╭ and ╮
	top, bottom int // rows of ╭ and ╰
}

// boxes finds the panes from their top borders: the first row with a ╭.
func (s Screen) boxes() []box {
	var out []box
	for y, line := range s.Lines {
		r := []rune(line)
		for x := 0; x < len(r); x++ {
			if r[x] != '╭' {
				continue
			}
			end := x + 1
			for end < len(r) && r[end] != '╮' {
				end++
			}
			if end == len(r) {
				break
			}
			b := box{left: x, right: end, top: y, bottom: -1}
			b.title = strings.TrimSpace(strings.Trim(string(r[x+1:end]), "─ "))
			for yy := y + 1; yy < len(s.Lines); yy++ {
				rr := []rune(s.Lines[yy])
				if x < len(rr) && rr[x] == '╰' {
					b.bottom = yy
					break
				}
			}
			if b.bottom > 0 {
				out = append(out, b)
			}
			x = end
		}
		if out != nil {
			return out
		}
	}
	return nil
}

// rows is the trimmed text inside a box, row by row.
func (s Screen) rows(b box) []string {
	var out []string
	for y := b.top + 1; y < b.bottom; y++ {
		r := []rune(s.Lines[y])
		if b.right > len(r) {
			out = append(out, "")
			continue
		}
		out = append(out, strings.TrimSpace(string(r[b.left+1:b.right])))
	}
	return out
}

// pane is the i-th pane (0 Buckets, 1 keys, 2 value) when the three panes
// are drawn; an overlay breaks the borders, and then there is none.
func (s Screen) pane(i int) (box, bool) {
	bs := s.boxes()
	if len(bs) != 3 || bs[0].title != "Buckets" {
		return box{}, false
	}
	return bs[i], true
}

// FirstKey is the top row of the keys pane when it shows a key (or a
// folder of the tree) that starts with one of prefixes; "" while the pane
// is empty or says it is listing.
func (s Screen) FirstKey(prefixes []string) string {
	b, ok := s.pane(1)
	if !ok {
		return ""
	}
	rows := s.rows(b)
	if len(rows) == 0 {
		return ""
	}
	first := strings.TrimLeft(rows[0], " ▸▾›>*")
	for _, p := range prefixes {
		if strings.HasPrefix(first, p) {
			return first
		}
	}
	return ""
}

// KeysPaneTitle is the keys pane's title: the bucket listed.
func (s Screen) KeysPaneTitle() string {
	b, ok := s.pane(1)
	if !ok {
		return ""
	}
	return b.title
}

// KeyRow is the name on the i-th row of the keys pane: the row without
// the TTL column at its right ("session:…   23h57m"), which two or more
// spaces set apart (the data sets' names have no spaces).
func (s Screen) KeyRow(i int) string {
	b, ok := s.pane(1)
	if !ok {
		return ""
	}
	rows := s.rows(b)
	if i >= len(rows) {
		return ""
	}
	name, _, _ := strings.Cut(rows[i], "  ")
	return name
}

// ValueShown: the value pane's title is key and its value has been read
// (the "kind" line is drawn, not "loading…").
func (s Screen) ValueShown(key string) bool {
	b, ok := s.pane(2)
	if !ok || b.title != key {
		return false
	}
	rows := s.rows(b)
	return len(rows) > 0 && strings.HasPrefix(rows[0], "kind")
}

// HelpShown: the help overlay is open (its Global section is drawn).
func (s Screen) HelpShown() bool { return s.Contains("Global") }

// FilterEditing: the / filter's input line is open in the status bar.
func (s Screen) FilterEditing() bool { return strings.HasPrefix(s.StatusBar(), "/") }

var filterCount = regexp.MustCompile(`(\d+) of (\d+) keys match "((?:[^"\\]|\\.)*)"`)

// FilterDone: the status bar shows the count of the filter for query, and
// that filter has finished ("(filtering…)" is gone).
func (s Screen) FilterDone(query string) (matches int, ok bool) {
	bar := s.StatusBar()
	m := filterCount.FindStringSubmatch(bar)
	if m == nil || m[3] != query || strings.Contains(bar, "filtering") {
		return 0, false
	}
	n, _ := strconv.Atoi(m[1])
	return n, true
}

// SearchDialog: the value search dialog is open.
func (s Screen) SearchDialog() bool { return s.Contains("Search in values") && s.Contains("find>") }

var searchDone = regexp.MustCompile(`search in values for "((?:[^"\\]|\\.)*)": (\d+) of (\d+) keys match`)

// SearchDone is the final notice of a value search for query: how many of
// how many keys matched.
func (s Screen) SearchDone(query string) (found, total int, ok bool) {
	m := searchDone.FindStringSubmatch(s.StatusBar())
	if m == nil || m[1] != query {
		return 0, 0, false
	}
	found, _ = strconv.Atoi(m[2])
	total, _ = strconv.Atoi(m[3])
	return found, total, true
}

// FirstFrame: kvdeck has drawn its panes.
func (s Screen) FirstFrame() bool { return s.Contains("Buckets") }
