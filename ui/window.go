// Package ui holds components that draw and keep view state only: no
// Update, no I/O, nothing that knows about a store.
package ui

// Window is the cursor and scroll state of a list that draws only the rows
// that fit: with a million rows, a frame still touches Height rows.
type Window struct {
	Cursor int // selected row, 0-based
	Offset int // first visible row
	Height int // rows that fit
}

// Clamp keeps the cursor inside [0, n) and visible.
func (w *Window) Clamp(n int) {
	if w.Height < 1 {
		w.Height = 1
	}
	if n <= 0 {
		w.Cursor, w.Offset = 0, 0
		return
	}
	w.Cursor = min(max(w.Cursor, 0), n-1)
	if w.Cursor < w.Offset {
		w.Offset = w.Cursor
	}
	if w.Cursor >= w.Offset+w.Height {
		w.Offset = w.Cursor - w.Height + 1
	}
	w.Offset = min(max(w.Offset, 0), max(n-w.Height, 0))
}

// Move moves the cursor by delta rows.
func (w *Window) Move(delta, n int) {
	w.Cursor += delta
	w.Clamp(n)
}

// Page moves by one screen.
func (w *Window) Page(dir, n int) {
	step := max(w.Height-1, 1) * dir
	w.Cursor += step
	w.Offset += step
	w.Clamp(n)
}

// Home and End jump to the ends.
func (w *Window) Home(n int) { w.Cursor, w.Offset = 0, 0; w.Clamp(n) }

// End jumps to the last row.
func (w *Window) End(n int) { w.Cursor = n - 1; w.Clamp(n) }

// Scroll moves the view without moving the cursor off screen more than
// needed (mouse wheel).
func (w *Window) Scroll(delta, n int) {
	w.Offset = min(max(w.Offset+delta, 0), max(n-w.Height, 0))
	if w.Cursor < w.Offset {
		w.Cursor = w.Offset
	}
	if w.Cursor >= w.Offset+w.Height {
		w.Cursor = w.Offset + w.Height - 1
	}
	w.Cursor = min(w.Cursor, max(n-1, 0))
}

// Visible returns the half-open range of rows on screen.
func (w Window) Visible(n int) (from, to int) {
	return w.Offset, min(w.Offset+w.Height, n)
}
