package model

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/kvdeck/kvdeck/connect"
	dlg "github.com/kvdeck/kvdeck/model/dialog"
	"github.com/kvdeck/kvdeck/ui"
	"github.com/kvdeck/kvdeck/ui/format"
)

// The connection picker: a page over the tabs (or, with no connection
// open yet, the whole program) listing saved connections, natscli
// contexts, recent targets and the local default store. / filters as you
// type, enter connects (a connection already open in a tab switches to
// it), n/e/d add, edit and delete saved connections in the config file.
// A connection that fails shows its error here and nothing else changes.
type picker struct {
	entries  []Entry
	warnings []string
	loadErr  string
	loading  bool

	query  textinput.Model
	typing bool
	shown  []int // indexes into entries that match the query
	win    ui.Window

	status string
	isErr  bool

	// req is the latest connect (or load) request; answers to older ones
	// are dropped, and a connection opened for one is closed.
	req        uint64
	connecting string
	// connectNamed is :connect NAME: connect to it once the list loads.
	connectNamed string

	form    *dlg.Form
	formFor *Entry // the entry edited; nil for a new one
	// formSeen are the values the form opened with: the save is
	// conditional on the file still holding them.
	formSeen   map[string]string
	confirm    *dlg.Confirm
	confirmFor Entry

	width, height int
}

// pickerMsg is a message meant for the picker; orphaned says what to do
// with one that arrives after the picker closed.
type pickerMsg interface{ orphaned() tea.Cmd }

type entriesMsg struct {
	req      uint64
	entries  []Entry
	warnings []string
	err      error
}

type connectedMsg struct {
	req   uint64
	entry Entry
	conn  *connect.Conn
	err   error
}

type pickerWroteMsg struct {
	text string
	err  error
	form bool // the answer to a form's save
}

// formReadMsg is the form of an entry, read from the config file.
type formReadMsg struct {
	req      uint64
	title    string
	forEntry *Entry
	fields   []dlg.FormField
	err      error
}

func (entriesMsg) orphaned() tea.Cmd     { return nil }
func (pickerWroteMsg) orphaned() tea.Cmd { return nil }
func (formReadMsg) orphaned() tea.Cmd    { return nil }

// orphaned closes a connection nobody waits for any more.
func (m connectedMsg) orphaned() tea.Cmd {
	if m.conn == nil {
		return nil
	}
	return func() tea.Msg { m.conn.Close(); return nil }
}

func (d *Deck) openPicker() tea.Cmd {
	if d.picker == nil {
		q := textinput.New()
		q.Prompt = "/"
		q.Placeholder = "filter"
		q.CharLimit = 256
		d.picker = &picker{query: q}
		d.picker.layout(d.width, d.height)
	}
	return d.picker.load(d)
}

func (p *picker) load(d *Deck) tea.Cmd {
	p.req++
	p.loading = true
	req, c := p.req, d.connector
	if c == nil {
		return nil
	}
	return func() tea.Msg {
		entries, warnings, err := c.Entries()
		return entriesMsg{req: req, entries: entries, warnings: warnings, err: err}
	}
}

func (p *picker) layout(w, h int) {
	p.width, p.height = w, h
	p.win.Height = max(h-6, 1)
	p.query.SetWidth(max(w-8, 10))
}

func (p *picker) update(d *Deck, msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case entriesMsg:
		if msg.req != p.req {
			return nil
		}
		p.loading = false
		p.entries, p.warnings = msg.entries, msg.warnings
		p.loadErr = ""
		if msg.err != nil {
			p.loadErr = describeError(msg.err)
		}
		p.refilter()
		if name := p.connectNamed; name != "" {
			p.connectNamed = ""
			i := slices.IndexFunc(p.entries, func(e Entry) bool { return e.Name == name })
			if i < 0 {
				p.fail(fmt.Sprintf("no connection named %s", format.Escape(name)))
				return nil
			}
			return p.connect(d, p.entries[i])
		}
		return nil
	case connectedMsg:
		return p.connected(d, msg)
	case formReadMsg:
		if msg.req != p.req {
			return nil
		}
		if msg.err != nil {
			p.fail(describeError(msg.err))
			return nil
		}
		p.form, p.formFor = dlg.NewForm(msg.title, msg.fields), msg.forEntry // the header names the file
		p.formSeen = map[string]string{}
		for _, f := range msg.fields {
			p.formSeen[f.Key] = f.Value
		}
		return nil
	case pickerWroteMsg:
		if msg.err != nil {
			if msg.form && p.form != nil {
				p.form.SetError(describeError(msg.err))
				return nil
			}
			p.fail(describeError(msg.err))
			return nil
		}
		if msg.form {
			p.form, p.formFor, p.formSeen = nil, nil, nil
		}
		p.inform(msg.text)
		return p.load(d)
	}
	env := dlg.Env{Styles: d.st, Keys: d.opts.Keys, Width: p.width, Height: p.height}
	if p.form != nil {
		act, cmd := p.form.Update(env, msg)
		switch act := act.(type) {
		case dlg.Cancelled:
			p.form, p.formFor, p.formSeen = nil, nil, nil
		case dlg.FormSaved:
			return p.save(d, act.Values)
		}
		return cmd
	}
	if p.confirm != nil {
		act, cmd := p.confirm.Update(env, msg)
		switch act.(type) {
		case dlg.Confirmed:
			p.confirm = nil
			return p.remove(d, p.confirmFor)
		case dlg.Declined, dlg.Cancelled:
			p.confirm = nil
		}
		return cmd
	}
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	if p.typing {
		switch k.String() {
		case "esc":
			p.typing = false
			p.query.Blur()
			p.query.SetValue("")
			p.refilter()
			return nil
		case "enter":
			p.typing = false
			p.query.Blur()
			if e, ok := p.selected(); ok {
				return p.connect(d, e)
			}
			return nil
		case "up", "down", "pgup", "pgdown":
		default:
			var cmd tea.Cmd
			p.query, cmd = p.query.Update(msg)
			p.refilter()
			return cmd
		}
	}
	km := d.opts.Keys
	switch {
	case key.Matches(k, km.Quit) && !p.typing:
		return tea.Quit
	case key.Matches(k, km.Up):
		p.win.Move(-1, len(p.shown))
	case key.Matches(k, km.Down):
		p.win.Move(1, len(p.shown))
	case key.Matches(k, km.PageUp):
		p.win.Page(-1, len(p.shown))
	case key.Matches(k, km.PageDown):
		p.win.Page(1, len(p.shown))
	case key.Matches(k, km.Home):
		p.win.Home(len(p.shown))
	case key.Matches(k, km.End):
		p.win.End(len(p.shown))
	case key.Matches(k, km.Filter):
		p.typing = true
		return p.query.Focus()
	case k.String() == "enter":
		if e, ok := p.selected(); ok {
			return p.connect(d, e)
		}
	case key.Matches(k, km.NewKey):
		return p.openForm(d, nil)
	case key.Matches(k, km.Edit):
		if e, ok := p.selected(); ok {
			return p.openForm(d, &e)
		}
	case key.Matches(k, km.Delete):
		if e, ok := p.selected(); ok {
			p.askDelete(d, e)
		}
	case key.Matches(k, km.Reload):
		return p.load(d)
	case k.String() == "esc" || key.Matches(k, km.Connect):
		if p.query.Value() != "" {
			p.query.SetValue("")
			p.refilter()
			return nil
		}
		if len(d.tabs) > 0 {
			p.req++ // a connection still being opened is not wanted
			d.picker = nil
			return nil
		}
		p.inform("no connection open: pick one, or " + d.keyName(km.Quit) + " quits")
	}
	return nil
}

func (p *picker) inform(text string) { p.status, p.isErr = format.EscapeLine(text), false }
func (p *picker) fail(text string)   { p.status, p.isErr = format.EscapeLine(text), true }

// refilter keeps the entries whose name, kind, address or source hold
// the query (case-insensitive), the cursor on the same entry if it stays.
func (p *picker) refilter() {
	var was Entry
	had := false
	if e, ok := p.selected(); ok {
		was, had = e, true
	}
	q := strings.ToLower(p.query.Value())
	p.shown = p.shown[:0]
	for i, e := range p.entries {
		hay := strings.ToLower(e.Name + " " + e.Kind + " " + e.Address + " " + string(e.Source))
		if q == "" || strings.Contains(hay, q) {
			p.shown = append(p.shown, i)
		}
	}
	p.win.Cursor = 0
	if had {
		if i := slices.IndexFunc(p.shown, func(j int) bool { return p.entries[j].same(was) }); i >= 0 {
			p.win.Cursor = i
		}
	}
	p.win.Clamp(len(p.shown))
}

func (p *picker) selected() (Entry, bool) {
	if p.win.Cursor < len(p.shown) {
		return p.entries[p.shown[p.win.Cursor]], true
	}
	return Entry{}, false
}

// connect opens e in a Cmd; one already open in a tab is switched to.
func (p *picker) connect(d *Deck, e Entry) tea.Cmd {
	if i := slices.IndexFunc(d.tabs, func(t *tab) bool { return t.entry.same(e) }); i >= 0 {
		d.active = i
		d.picker = nil
		return nil
	}
	if e.Problem != "" {
		p.fail(e.Name + ": " + e.Problem)
		return nil
	}
	p.req++
	p.connecting = e.Name
	p.inform("connecting to " + e.Name + "…")
	req, c, timeout := p.req, d.connector, d.opts.Timeout
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		conn, err := c.Open(ctx, e, connect.NeedsTerminal{})
		return connectedMsg{req: req, entry: e, conn: conn, err: err}
	}
}

func (p *picker) connected(d *Deck, msg connectedMsg) tea.Cmd {
	if msg.req != p.req {
		return msg.orphaned()
	}
	if errors.Is(msg.err, connect.ErrNeedsTerminal) {
		// A question only the user can answer (a password, an SSH host
		// key): ask it on the terminal, outside the UI, as ssh would.
		p.inform("answering on the terminal…")
		run := &terminalOpen{connector: d.connector, entry: msg.entry, timeout: d.opts.Timeout}
		req := msg.req
		return tea.Exec(run, func(error) tea.Msg {
			return connectedMsg{req: req, entry: msg.entry, conn: run.conn, err: run.err}
		})
	}
	p.connecting = ""
	if msg.err != nil {
		p.fail(msg.entry.Name + ": " + describeError(msg.err))
		return nil
	}
	t := d.addTab(msg.conn, msg.entry)
	d.picker = nil
	c, e := d.connector, msg.entry
	recent := func() tea.Msg {
		if err := c.Opened(e); err != nil {
			return tabMsg{tab: t.id, msg: statusMsg{err: fmt.Errorf("recent list: %w", err)}}
		}
		return nil
	}
	return tea.Batch(tagCmd(t.id, t.app.Init()), tagCmd(t.id, func() tea.Msg {
		return tea.WindowSizeMsg{Width: d.width, Height: d.height}
	}), recent)
}

// terminalOpen opens a connection with the terminal handed over, so its
// questions (password, passphrase, host key) are asked there.
type terminalOpen struct {
	connector Connector
	entry     Entry
	timeout   time.Duration
	in        io.Reader
	out       io.Writer
	conn      *connect.Conn
	err       error
}

func (t *terminalOpen) SetStdin(r io.Reader)  { t.in = r }
func (t *terminalOpen) SetStdout(w io.Writer) { t.out = w }
func (t *terminalOpen) SetStderr(io.Writer)   {}

func (t *terminalOpen) Run() error {
	term := connect.Terminal{Out: t.out}
	if f, ok := t.in.(*os.File); ok {
		term.In = f
	}
	fmt.Fprintf(t.out, "kvdeck: connecting to %s\n", format.EscapeLine(t.entry.Name))
	// The time to answer is the user's: only the connection itself is
	// bounded, by the store's own dial and read timeouts.
	t.conn, t.err = t.connector.Open(context.Background(), t.entry, term)
	return nil
}

// openForm reads e's form (the config file, in a Cmd) and opens it.
func (p *picker) openForm(d *Deck, e *Entry) tea.Cmd {
	title := "New saved connection"
	var forEntry *Entry
	if e != nil {
		if e.Source == FromSaved {
			title = "Edit " + format.Escape(e.Name)
			forEntry = e
		} else {
			title = "Save " + format.Escape(e.Name) + " as a connection"
		}
	}
	p.req++
	req, c := p.req, d.connector
	return func() tea.Msg {
		fields, err := c.Form(e)
		return formReadMsg{req: req, title: title, forEntry: forEntry, fields: fields, err: err}
	}
}

func (p *picker) save(d *Deck, values map[string]string) tea.Cmd {
	c, old, seen := d.connector, p.formFor, p.formSeen
	return func() tea.Msg {
		err := c.Save(old, seen, values)
		return pickerWroteMsg{text: "saved " + values["name"] + " in " + c.Where(), err: err, form: true}
	}
}

func (p *picker) askDelete(d *Deck, e Entry) {
	switch e.Source {
	case FromSaved:
		p.confirm = dlg.NewConfirm("Delete saved connection "+format.Escape(e.Name)+"?",
			[]string{"Its table is removed from " + d.connector.Where() + "; comments and other entries stay.", "y deletes · n or esc keeps it"})
	case FromRecent:
		p.confirm = dlg.NewConfirm("Forget "+format.Escape(e.Name)+"?", []string{"It leaves the recent list.", "y forgets it · n or esc keeps it"})
	case FromNATSCLI:
		p.fail("natscli contexts are natscli's: remove one with nats context rm " + e.Name)
		return
	default:
		p.fail("the local default store is always offered")
		return
	}
	p.confirmFor = e
}

func (p *picker) remove(d *Deck, e Entry) tea.Cmd {
	c := d.connector
	return func() tea.Msg {
		return pickerWroteMsg{text: "deleted " + e.Name, err: c.Delete(e)}
	}
}
