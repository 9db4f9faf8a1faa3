package model

import (
	"fmt"
	"github.com/kvdeck/kvdeck/backend"
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/kvdeck/kvdeck/connect"
	"github.com/kvdeck/kvdeck/theme"
	"github.com/kvdeck/kvdeck/ui/format"
)

// Deck is the root model: the open connections as tabs, each an App with
// its own listing, cursor, value and undo stack, and the connection
// picker over them. It routes input to the picker when it is open, else
// to the active tab, and every tab's own messages back to that tab
// (tabtag.go), so tabs in the background keep listing and watching.
type Deck struct {
	opts      Options
	connector Connector
	st        theme.Styles

	tabs   []*tab
	active int
	lastID int
	picker *picker

	width, height int
}

// tab is one open connection.
type tab struct {
	id    int
	app   *App
	entry Entry
	conn  *connect.Conn
}

// NewDeck builds the root model. With no tab added before the program
// runs, it starts on the picker.
func NewDeck(opts Options, c Connector) *Deck {
	opts = opts.withDefaults()
	return &Deck{opts: opts, connector: c, st: theme.New(opts.Dark, opts.NoColor)}
}

// AddTab opens a tab on conn before the program runs (the target on the
// command line).
func (d *Deck) AddTab(conn *connect.Conn, e Entry) {
	d.addTab(conn, e)
}

func (d *Deck) addTab(conn *connect.Conn, e Entry) *tab {
	opts := d.opts
	opts.Bucket, opts.Match = e.Bucket, e.Match
	opts.DetectBackground = false // the Deck asks once for every tab
	d.lastID++
	t := &tab{id: d.lastID, app: New(conn.Store, opts), entry: e, conn: conn}
	d.tabs = append(d.tabs, t)
	d.active = len(d.tabs) - 1
	return t
}

// Close closes every tab's store and tunnel (main calls it when the
// program ends).
func (d *Deck) Close() {
	for _, t := range d.tabs {
		t.app.stopAll()
		t.conn.Close()
	}
	d.tabs = nil
}

func (d *Deck) Init() tea.Cmd {
	cmds := []tea.Cmd{}
	for _, t := range d.tabs {
		cmds = append(cmds, tagCmd(t.id, t.app.Init()))
	}
	if len(d.tabs) == 0 {
		cmds = append(cmds, d.openPicker())
	}
	if d.opts.DetectBackground {
		cmds = append(cmds, tea.RequestBackgroundColor)
	}
	return tea.Batch(cmds...)
}

func (d *Deck) current() *tab {
	if d.active < len(d.tabs) {
		return d.tabs[d.active]
	}
	return nil
}

func (d *Deck) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	cmd := d.update(msg)
	d.layoutTabs()
	return d, cmd
}

func (d *Deck) update(msg tea.Msg) tea.Cmd {
	if w, ok := msg.(tabWaitMsg); ok {
		msg = w.tabMsg
	}
	switch msg := msg.(type) {
	case tabMsg:
		i := slices.IndexFunc(d.tabs, func(t *tab) bool { return t.id == msg.tab })
		if i < 0 {
			return nil // the tab was closed: its answers go nowhere
		}
		if req, ok := msg.msg.(deckRequest); ok {
			return d.request(i, req)
		}
		return d.toTab(d.tabs[i], msg.msg)
	case tea.WindowSizeMsg:
		d.width, d.height = msg.Width, msg.Height
		var cmds []tea.Cmd
		for _, t := range d.tabs {
			cmds = append(cmds, d.toTab(t, msg))
		}
		if d.picker != nil {
			d.picker.layout(d.width, d.height)
		}
		return tea.Batch(cmds...)
	case tea.BackgroundColorMsg:
		d.st = theme.New(msg.IsDark(), d.opts.NoColor)
		var cmds []tea.Cmd
		for _, t := range d.tabs {
			cmds = append(cmds, d.toTab(t, msg))
		}
		return tea.Batch(cmds...)
	case pickerMsg:
		if d.picker == nil {
			return msg.orphaned()
		}
		return d.picker.update(d, msg)
	}
	if d.picker != nil {
		// Input, and whatever else is untagged (its input's cursor blink),
		// is the picker's while it is open.
		return d.picker.update(d, msg)
	}
	if t := d.current(); t != nil {
		return d.toTab(t, msg)
	}
	return nil
}

// toTab gives msg to t's App and tags what comes back.
func (d *Deck) toTab(t *tab, msg tea.Msg) tea.Cmd {
	_, cmd := t.app.Update(msg)
	return tagCmd(t.id, cmd)
}

// deckRequest is a tab asking the Deck for something only it can do.
type deckRequest struct {
	op  deckOp
	arg string
	// names are the keys of a copy (opCopyTargets).
	names []string
	// tab and msg: opToTab gives msg to the tab with that id.
	tab int
	msg tea.Msg
}

type deckOp int

const (
	opPicker deckOp = iota
	opNextTab
	opPrevTab
	opCloseTab
	// opCopyTargets asks for the other tabs a copy can write to.
	opCopyTargets
	// opToTab delivers a message to another tab (what a copy wrote there).
	opToTab
)

func askDeck(op deckOp, arg string) tea.Cmd {
	return func() tea.Msg { return deckRequest{op: op, arg: arg} }
}

func (d *Deck) request(from int, req deckRequest) tea.Cmd {
	if req.op == opToTab {
		// From a copy that may end after the user moved on.
		for _, t := range d.tabs {
			if t.id == req.tab {
				return d.toTab(t, req.msg)
			}
		}
		return nil
	}
	if from != d.active {
		return nil // asked by a tab the user has left
	}
	switch req.op {
	case opPicker:
		cmd := d.openPicker()
		if req.arg != "" {
			d.picker.connectNamed = req.arg
		}
		return cmd
	case opNextTab, opPrevTab:
		if len(d.tabs) < 2 {
			d.tabs[d.active].app.inform("one connection open: " + d.keyName(d.opts.Keys.Connect) + " or :connect opens another")
			return nil
		}
		step := 1
		if req.op == opPrevTab {
			step = len(d.tabs) - 1
		}
		d.active = (d.active + step) % len(d.tabs)
		return nil
	case opCloseTab:
		return d.closeTab(d.active)
	case opCopyTargets:
		var targets []copyTarget
		for i, t := range d.tabs {
			if i == d.active {
				continue
			}
			if _, ok := t.app.store.(backend.RecordWriter); !ok || t.app.info.ReadOnly {
				continue
			}
			label := fmt.Sprintf("tab %d: %s", i+1, t.app.info.Address)
			if t.entry.Name != "" {
				label = fmt.Sprintf("tab %d: %s (%s)", i+1, t.entry.Name, t.app.info.Kind)
			}
			targets = append(targets, copyTarget{tab: t.id, label: label, store: t.app.store, bucket: t.app.keys.bucket})
		}
		return d.toTab(d.tabs[d.active], copyTargetsMsg{names: req.names, targets: targets})
	}
	return nil
}

// closeTab stops everything tab i runs (listing, searches, watch, an
// analysis, a bulk run), closes
// its store and tunnel, and shows the next tab, or the picker when it was
// the last.
func (d *Deck) closeTab(i int) tea.Cmd {
	t := d.tabs[i]
	t.app.stopAll()
	d.tabs = slices.Delete(d.tabs, i, i+1)
	if d.active >= len(d.tabs) {
		d.active = max(len(d.tabs)-1, 0)
	}
	closing := func() tea.Msg { t.conn.Close(); return nil }
	if len(d.tabs) == 0 {
		return tea.Batch(closing, d.openPicker())
	}
	return closing
}

func (d *Deck) keyName(b interface{ Keys() []string }) string {
	if k := b.Keys(); len(k) > 0 {
		return k[0]
	}
	return ""
}

// layoutTabs gives the active App the tab line its header shows (View
// only reads it).
func (d *Deck) layoutTabs() {
	t := d.current()
	if t == nil {
		return
	}
	t.app.tabLine = ""
	if len(d.tabs) == 1 && t.entry.Name == "" {
		return // one target from the command line: the header as always
	}
	var parts []string
	for i, o := range d.tabs {
		parts = append(parts, d.tabLabel(o, i == d.active))
	}
	t.app.tabLine = strings.Join(parts, " ")
}

// tabLabel is a tab in the header: its number and name in its label
// colour, marked when read-only; the active one reversed.
func (d *Deck) tabLabel(t *tab, active bool) string {
	name := t.entry.Name
	if name == "" {
		name = t.entry.Address
	}
	text := fmt.Sprintf(" %d %s ", slices.Index(d.tabs, t)+1, format.Escape(name))
	if t.app.info.ReadOnly || t.entry.ReadOnly {
		text += "RO "
	}
	st := d.st.Muted
	if c := labelColor(t.entry.Color); c != nil && !d.opts.NoColor {
		st = lipgloss.NewStyle().Foreground(c)
	}
	if active {
		st = st.Reverse(true).Bold(true)
	}
	return st.Render(text)
}

func (d *Deck) View() tea.View {
	if d.picker != nil {
		v := tea.NewView(d.picker.render(d))
		v.AltScreen = true
		v.WindowTitle = "kvdeck connections"
		return v
	}
	if t := d.current(); t != nil {
		return t.app.View()
	}
	return tea.NewView("")
}

// Render is the screen as a string, for tests.
func (d *Deck) Render() string {
	if d.picker != nil {
		return d.picker.render(d)
	}
	if t := d.current(); t != nil {
		return t.app.Render()
	}
	return ""
}

// fitWidth cuts s to w cells.
func fitWidth(s string, w int) string {
	if ansi.StringWidth(s) <= w {
		return s
	}
	return ansi.Truncate(s, w, "…")
}
