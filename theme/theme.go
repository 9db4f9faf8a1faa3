// Package theme turns a palette into the one Styles struct every pane draws
// with. Light and dark palettes are picked from the terminal's background;
// NO_COLOR gives styles with no color at all (bold and reverse remain so the
// cursor and focus are still visible).
package theme

import (
	"image/color"
	"os"

	"charm.land/lipgloss/v2"
)

// Styles is everything the UI draws with.
type Styles struct {
	Dark    bool
	NoColor bool

	App           lipgloss.Style
	Header        lipgloss.Style
	HeaderAccent  lipgloss.Style
	Pane          lipgloss.Style // unfocused pane border
	PaneFocused   lipgloss.Style // focused pane border
	PaneTitle     lipgloss.Style
	PaneTitleDim  lipgloss.Style
	Row           lipgloss.Style
	RowSelected   lipgloss.Style // cursor row in the focused pane
	RowCursorDim  lipgloss.Style // cursor row in an unfocused pane
	RowMarked     lipgloss.Style // rows marked for a bulk action
	Folder        lipgloss.Style
	Muted         lipgloss.Style
	Kind          lipgloss.Style
	TTL           lipgloss.Style
	TTLSoon       lipgloss.Style // expires within a minute
	MetaLabel     lipgloss.Style
	MetaValue     lipgloss.Style
	Status        lipgloss.Style
	StatusKey     lipgloss.Style
	StatusError   lipgloss.Style
	StatusInfo    lipgloss.Style
	StatusWarn    lipgloss.Style
	Dialog        lipgloss.Style
	DialogTitle   lipgloss.Style
	Danger        lipgloss.Style
	Help          lipgloss.Style
	HelpKey       lipgloss.Style
	HelpDesc      lipgloss.Style
	HelpSection   lipgloss.Style
	DiffAdd       lipgloss.Style
	DiffDel       lipgloss.Style
	ReadOnlyBadge lipgloss.Style
}

// palette is the handful of colors a theme is made of.
type palette struct {
	fg, muted, accent, accent2, border, borderFocus               color.Color
	selBg, selFg, dimSelBg, errFg, warnFg, okFg, kindFg, folderFg color.Color
}

var darkPalette = palette{
	fg: lipgloss.Color("#cdd6f4"), muted: lipgloss.Color("#7f849c"), accent: lipgloss.Color("#89b4fa"),
	accent2: lipgloss.Color("#cba6f7"), border: lipgloss.Color("#45475a"), borderFocus: lipgloss.Color("#89b4fa"),
	selBg: lipgloss.Color("#89b4fa"), selFg: lipgloss.Color("#1e1e2e"), dimSelBg: lipgloss.Color("#45475a"),
	errFg: lipgloss.Color("#f38ba8"), warnFg: lipgloss.Color("#fab387"), okFg: lipgloss.Color("#a6e3a1"),
	kindFg: lipgloss.Color("#94e2d5"), folderFg: lipgloss.Color("#f9e2af"),
}

var lightPalette = palette{
	fg: lipgloss.Color("#4c4f69"), muted: lipgloss.Color("#8c8fa1"), accent: lipgloss.Color("#1e66f5"),
	accent2: lipgloss.Color("#8839ef"), border: lipgloss.Color("#bcc0cc"), borderFocus: lipgloss.Color("#1e66f5"),
	selBg: lipgloss.Color("#1e66f5"), selFg: lipgloss.Color("#eff1f5"), dimSelBg: lipgloss.Color("#ccd0da"),
	errFg: lipgloss.Color("#d20f39"), warnFg: lipgloss.Color("#fe640b"), okFg: lipgloss.Color("#40a02b"),
	kindFg: lipgloss.Color("#179299"), folderFg: lipgloss.Color("#df8e1d"),
}

// NoColorRequested reports whether the user asked for no color
// (https://no-color.org: NO_COLOR set to anything non-empty).
func NoColorRequested() bool { return os.Getenv("NO_COLOR") != "" }

// New builds the styles for a dark or light background; noColor drops every
// color.
func New(dark, noColor bool) Styles {
	if noColor {
		return plain()
	}
	p := lightPalette
	if dark {
		p = darkPalette
	}
	s := Styles{Dark: dark}
	fg := lipgloss.NewStyle().Foreground
	s.App = lipgloss.NewStyle()
	s.Header = lipgloss.NewStyle().Bold(true).Foreground(p.accent)
	s.HeaderAccent = fg(p.muted)
	border := lipgloss.RoundedBorder()
	s.Pane = lipgloss.NewStyle().Border(border).BorderForeground(p.border)
	s.PaneFocused = lipgloss.NewStyle().Border(border).BorderForeground(p.borderFocus)
	s.PaneTitle = lipgloss.NewStyle().Bold(true).Foreground(p.accent)
	s.PaneTitleDim = fg(p.muted)
	s.Row = fg(p.fg)
	s.RowSelected = lipgloss.NewStyle().Background(p.selBg).Foreground(p.selFg).Bold(true)
	s.RowCursorDim = lipgloss.NewStyle().Background(p.dimSelBg).Foreground(p.fg)
	s.RowMarked = fg(p.accent2).Bold(true)
	s.Folder = fg(p.folderFg).Bold(true)
	s.Muted = fg(p.muted)
	s.Kind = fg(p.kindFg)
	s.TTL = fg(p.okFg)
	s.TTLSoon = fg(p.warnFg).Bold(true)
	s.MetaLabel = fg(p.muted)
	s.MetaValue = fg(p.fg)
	s.Status = fg(p.fg)
	s.StatusKey = fg(p.accent).Bold(true)
	s.StatusError = fg(p.errFg).Bold(true)
	s.StatusInfo = fg(p.okFg)
	s.StatusWarn = fg(p.warnFg)
	s.Dialog = lipgloss.NewStyle().Border(border).BorderForeground(p.accent2).Padding(0, 1)
	s.DialogTitle = fg(p.accent2).Bold(true)
	s.Danger = fg(p.errFg).Bold(true)
	s.Help = lipgloss.NewStyle().Border(border).BorderForeground(p.accent).Padding(0, 1)
	s.HelpKey = fg(p.accent).Bold(true)
	s.HelpDesc = fg(p.fg)
	s.HelpSection = fg(p.accent2).Bold(true)
	s.DiffAdd = fg(p.okFg)
	s.DiffDel = fg(p.errFg)
	s.ReadOnlyBadge = lipgloss.NewStyle().Foreground(p.selFg).Background(p.warnFg).Bold(true).Padding(0, 1)
	return s
}

// plain is the NO_COLOR theme: attributes only.
func plain() Styles {
	b := lipgloss.NewStyle()
	border := lipgloss.RoundedBorder()
	return Styles{
		NoColor: true, App: b, Header: b.Bold(true), HeaderAccent: b,
		Pane: b.Border(border), PaneFocused: b.Border(lipgloss.ThickBorder()),
		PaneTitle: b.Bold(true), PaneTitleDim: b, Row: b, RowSelected: b.Reverse(true).Bold(true),
		RowCursorDim: b.Reverse(true), RowMarked: b.Bold(true), Folder: b.Bold(true), Muted: b, Kind: b,
		TTL: b, TTLSoon: b.Bold(true), MetaLabel: b, MetaValue: b, Status: b, StatusKey: b.Bold(true),
		StatusError: b.Bold(true), StatusInfo: b, StatusWarn: b.Bold(true), Dialog: b.Border(border).Padding(0, 1),
		DialogTitle: b.Bold(true), Danger: b.Bold(true), Help: b.Border(border).Padding(0, 1),
		HelpKey: b.Bold(true), HelpDesc: b, HelpSection: b.Bold(true), DiffAdd: b, DiffDel: b,
		ReadOnlyBadge: b.Reverse(true).Padding(0, 1),
	}
}
