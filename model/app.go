// Package model is kvdeck's Bubble Tea model tree: the root App (focus,
// layout, routing), one file per pane and per dialog, the messages, and the
// Cmds that call the store (Update itself does no I/O).
package model

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/kvdeck/kvdeck/keymap"
	"github.com/kvdeck/kvdeck/theme"
	"github.com/kvdeck/kvdeck/ui/format"
)

// Options configure an App.
type Options struct {
	Bucket  string // open straight into this bucket
	Match   string // start its listing with this pattern
	Timeout time.Duration
	Keys    keymap.KeyMap
	// Dark and NoColor pick the theme; DetectBackground asks the terminal
	// for its background color and switches theme when it answers.
	Dark, NoColor, DetectBackground bool
	// Now is the clock (tests freeze it).
	Now func() time.Time
	// Editor is the command used to edit values ($EDITOR, else vi).
	Editor string
	// Delimiter overrides the store's tree delimiter.
	Delimiter string
	// Decoding is the user's own decoders (the config file's).
	Decoding Decoding
	// Notice, when set, is shown in the status line as the first thing:
	// a problem found before the UI started (a decoder's configuration).
	Notice string
}

// withDefaults fills in what was left unset.
func (opts Options) withDefaults() Options {
	if opts.Timeout == 0 {
		opts.Timeout = 10 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if len(opts.Keys.Quit.Keys()) == 0 {
		opts.Keys = keymap.Default()
	}
	return opts
}

type pane int

const (
	paneBuckets pane = iota
	paneKeys
	paneValue
)

// App is the root model.
type App struct {
	env

	width, height int
	focus         pane

	buckets bucketsPane
	keys    keysPane
	value   valuePane
	undo    []*undoRecord
	// ttlGiven is the TTL last set on a key from here (bucket NUL key), so
	// refresh works on stores that keep only the time left (Redis).
	ttlGiven map[string]time.Duration
	// conn is the connection's state, for the header and reconnecting.
	conn connState
	// bulk is a bulk TTL or delete under way (bulkrun.go).
	bulk *bulkRun
	// tabLine is the Deck's tabs, which the header shows in place of the
	// address when connections are named or more than one is open.
	tabLine string

	dialog modal
	// pages are the full-screen views open over the panes, top last.
	pages    []openPage
	showHelp bool
	// helpTop is the help overlay's scroll position; helpLast the largest
	// worth scrolling to, measured when a key scrolls it.
	helpTop, helpLast int
	// lastClick is for double-click detection.
	lastClick     time.Time
	lastClickPane pane
	lastClickRow  int
}

// New builds the App. Request ids for the first loads are taken here, not
// in Init, because Init has a value receiver in Bubble Tea's contract and
// state set there would be lost.
func New(s backend.Store, opts Options) *App {
	opts = opts.withDefaults()
	a := &App{env: env{store: s, info: s.Info(), opts: opts, km: opts.Keys, st: theme.New(opts.Dark, opts.NoColor)}}
	a.buckets.req = a.nextReq()
	a.buckets.want = opts.Bucket
	if a.buckets.want == "" {
		// The target's own bucket (redis://host/3 opens database 3).
		a.buckets.want = s.Info().Bucket
	}
	a.keys.pattern = opts.Match
	a.focus = paneBuckets
	if opts.Notice != "" {
		a.fail(errors.New(opts.Notice))
	}
	return a
}

// Init loads the buckets and starts the clock that counts TTLs down.
func (a *App) Init() tea.Cmd {
	cmds := []tea.Cmd{loadBucketsCmd(a.store, a.buckets.req, a.opts.Timeout), tick()}
	if a.buckets.want != "" {
		// The bucket asked for (--bucket, a Redis URL's database) lists at
		// once, beside the bucket list rather than after it: the list may
		// take as long as the listing (a bbolt file's exact counts walk
		// every key). When the list arrives, entering the bucket keeps this
		// listing; a bucket that is not there gives way to the first one.
		cmds = append(cmds, a.keys.open(&a.env, a.buckets.want))
	}
	if a.opts.DetectBackground {
		cmds = append(cmds, tea.RequestBackgroundColor)
	}
	return tea.Batch(cmds...)
}

func tick() tea.Cmd {
	return awaitClock(tea.Tick(time.Second, func(t time.Time) tea.Msg { return tickMsg(t) }))
}

// Update routes a message: dialogs first, then global keys, then the focused
// pane. It does no I/O: everything that talks to the store is a Cmd.
func (a *App) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	m, cmd := a.update(msg)
	cmd = tea.Batch(cmd, a.applyIntents())
	// Layout after every change, so that View only reads: the lists'
	// cursors in range, the value pane sized below its metadata.
	a.buckets.win.Clamp(len(a.buckets.list))
	if a.keys.set != nil {
		a.keys.win.Clamp(a.keys.count())
	}
	a.value.resize(a.valueSize())
	a.value.layout(&a.env)
	return m, cmd
}

func (a *App) update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case outsideWait:
		return a, msg.wait
	case tea.WindowSizeMsg:
		a.width, a.height = msg.Width, msg.Height
		a.layout()
		a.layoutPages()
		// Rows a larger window reveals get their type and TTL now, not
		// when the cursor next moves.
		return a, a.keys.describeVisible(&a.env)
	case storeOpenedMsg:
		return a, a.switchStore(msg.store)
	case tea.BackgroundColorMsg:
		a.st = theme.New(msg.IsDark(), a.opts.NoColor)
		a.value.restyle(&a.env)
		return a, nil
	case tickMsg:
		now := a.opts.Now()
		a.status.expire(now)
		return a, tea.Batch(tick(), a.value.reloadIfExpired(&a.env, now), a.checkConnection(now, false))
	case connProbeMsg:
		return a, a.probed(msg)
	case bucketsLoadedMsg:
		return a, a.buckets.loaded(&a.env, msg)
	case keysChunkMsg:
		return a, a.keys.chunk(&a.env, msg)
	case describedMsg:
		a.keys.described(&a.env, msg)
		return a, nil
	case filterDoneMsg:
		a.keys.filtered(&a.env, msg)
		return a, tea.Batch(a.keys.describeVisible(&a.env), a.followCursor(), a.keys.resortIfDirty(&a.env))
	case entryLoadedMsg:
		return a, a.value.loaded(&a.env, msg)
	case docBuiltMsg:
		a.value.docBuilt(&a.env, msg)
		return a, nil
	case collectionPageMsg:
		a.value.page(&a.env, msg)
		return a, nil
	case writeDoneMsg:
		return a, a.writeDone(msg)
	case bulkDryRunMsg:
		return a, a.dryRun(msg)
	case copyTargetsMsg:
		return a, a.chooseCopyTarget(msg)
	case copyDryRunMsg:
		return a, a.confirmCopy(msg)
	case importCountedMsg:
		return a, a.confirmImport(msg)
	case importProgressMsg:
		return a, a.importProgressed(msg)
	case bulkProgressMsg:
		return a, a.bulkProgressed(msg)
	case analysisMsg, analysisFactsMsg, analysisExportedMsg:
		return a, a.toAnalysisPage(msg)
	case watchMsg:
		return a, a.keys.watched(&a.env, msg)
	case valueSearchMsg:
		return a, a.keys.valueSearched(&a.env, msg)
	case sortDoneMsg:
		return a, tea.Batch(a.keys.sorted(&a.env, msg), a.followCursor())
	case editorReadyMsg:
		return a, a.runEditor(msg)
	case editedMsg:
		return a, a.edited(msg)
	case bucketChangedMsg:
		a.inform(msg.text)
		return a, a.buckets.refreshCounts(&a.env)
	case historyMsg:
		return a, a.routeToDialogOrPane(msg)
	case statusMsg:
		if msg.err != nil {
			a.fail(msg.err)
		} else {
			a.inform(msg.text)
		}
		return a, nil
	case tea.PasteMsg:
		if a.dialog != nil {
			return a, a.updateDialog(msg)
		}
		return a, nil
	case tea.KeyPressMsg:
		return a, a.keyPress(msg)
	case tea.MouseMsg:
		return a, a.mouse(msg)
	}
	if a.dialog != nil {
		return a, a.updateDialog(msg)
	}
	return a, nil
}

func (a *App) keyPress(msg tea.KeyPressMsg) tea.Cmd {
	if a.dialog != nil {
		return a.updateDialog(msg)
	}
	if a.bulk != nil && key.Matches(msg, a.km.Back) {
		a.cancelBulk()
		return nil
	}
	if a.keys.filter.editing {
		// Every key is text while the filter is typed: "q" must not quit
		// and ":" must not open the command line.
		return a.keys.filterKey(&a.env, msg)
	}
	if a.showHelp {
		a.helpKey(msg)
		return nil
	}
	if a.topPage() != nil {
		return a.updatePage(msg) // a page owns its input
	}
	if cmd, ok := dispatch(a, a.globalActions(), msg); ok {
		return cmd
	}
	if cmd, ok := dispatch(a, a.connectionActions(), msg); ok {
		return cmd
	}
	return a.paneKey(a.focus, msg)
}

// paneKey gives a key to pane p: its own moves first, then its table.
func (a *App) paneKey(p pane, msg tea.KeyPressMsg) tea.Cmd {
	switch p {
	case paneBuckets:
		if a.buckets.handleKey(&a.env, msg) {
			return nil
		}
		cmd, _ := dispatch(a, a.bucketActions(), msg)
		return cmd
	case paneKeys:
		if cmd, ok := a.keys.handleKey(&a.env, msg); ok {
			return cmd
		}
		cmd, _ := dispatch(a, a.keyActions(), msg)
		return cmd
	default:
		if cmd, ok := a.value.handleKey(&a.env, msg); ok {
			return cmd
		}
		cmd, _ := dispatch(a, a.valueActions(), msg)
		return tea.Batch(cmd, a.value.moreElements(&a.env))
	}
}

// switchStore points kvdeck at another store (the connection picker
// sends storeOpenedMsg). Nothing of the old store stays: its listing and
// watch stop, every pane resets, pages and dialogs close, and the undo
// stack goes, since its records would restore into the wrong store.
// Request ids keep counting, so a late answer from the old store matches
// no request, and a late write report is dropped by writeDone.
func (a *App) switchStore(s backend.Store) tea.Cmd {
	a.keys.reset()
	a.buckets.reset()
	a.value.reset()
	a.undo, a.ttlGiven, a.pages, a.dialog, a.showHelp = nil, nil, nil, nil, false
	a.intents = nil
	a.store, a.info = s, s.Info()
	a.status = statusLine{}
	a.conn = connState{}
	a.focus = paneBuckets
	a.buckets.req = a.nextReq()
	a.buckets.want = a.info.Bucket
	return loadBucketsCmd(a.store, a.buckets.req, a.opts.Timeout)
}

// stopAnalyses stops every analysis running on a page.
func (a *App) stopAnalyses() {
	for _, p := range a.pages {
		if ap, ok := p.page.(*analysisPage); ok {
			ap.stream.stop()
		}
	}
}

// toAnalysisPage gives an analysis message to the analysis page, wherever
// it is in the stack (a dialog or another page may be over it).
func (a *App) toAnalysisPage(msg tea.Msg) tea.Cmd {
	for _, p := range a.pages {
		if ap, ok := p.page.(*analysisPage); ok {
			cmd, _ := ap.update(&a.env, msg)
			return cmd
		}
	}
	return nil
}

// quit stops the listing and watch goroutines and ends the program.
func (a *App) quit() tea.Cmd {
	a.stopAll()
	return tea.Quit
}

// stopAll stops everything the App runs against its store: the listing,
// watch and searches, an analysis, a bulk TTL run (what it did stays done).
func (a *App) stopAll() {
	a.keys.stopStreams()
	a.cancelBulk()
	a.stopAnalyses()
}

// valueSize is the room the value pane draws in: its pane inside the
// border, or the whole page while the value is maximised.
func (a *App) valueSize() (w, h int) {
	if _, ok := a.topPage().(*zoomPage); ok {
		return a.pageSize()
	}
	g := a.geometry()
	return g.valW - 2, g.height - 2
}

func (a *App) setFocus(p pane) {
	a.focus = p
}

// followCursor shows the key under the cursor after the list was
// reordered or narrowed, unless the user is still choosing a bucket.
func (a *App) followCursor() tea.Cmd {
	if a.focus == paneBuckets {
		return nil
	}
	if _, _, ok := a.keys.selectedKey(); !ok {
		// A folder or nothing under the cursor: show no stale value.
		a.value.reset()
		return nil
	}
	return a.keys.selectCursor(&a.env)
}

// followFocus loads the key under the cursor when the user moves into the
// keys or value pane and nothing is shown yet.
func (a *App) followFocus() tea.Cmd {
	if a.focus != paneBuckets && !a.value.hasKey {
		return a.keys.selectCursor(&a.env)
	}
	return nil
}

// routeToDialogOrPane gives messages that belong to a dialog or a page
// (a history listing) to it.
func (a *App) routeToDialogOrPane(msg tea.Msg) tea.Cmd {
	if a.dialog != nil {
		return a.updateDialog(msg)
	}
	if a.topPage() != nil {
		return a.updatePage(msg)
	}
	return nil
}

func (a *App) updateDialog(msg tea.Msg) tea.Cmd {
	cur := a.dialog
	d, cmd := cur.update(a, msg)
	// A dialog may open the next step of a flow (name, then TTL, then
	// value); that one stays.
	if a.dialog == cur {
		a.dialog = d
	}
	return cmd
}

// writable says whether a write may be offered, and says why not on the
// status line; the backend refuses writes on a read-only store anyway, this
// only spares the user a pointless dialog.
func (a *App) writable() bool {
	if err := a.writeRefusal(); err != nil {
		a.fail(err)
		return false
	}
	return true
}

// writeRefusal is why the open bucket cannot be written, or nil.
func (a *App) writeRefusal() error {
	if a.info.ReadOnly {
		return backend.ErrReadOnly
	}
	for _, b := range a.buckets.list {
		if b.Name == a.keys.bucket && b.ReadOnly != "" {
			return fmt.Errorf("bucket %s is read-only: %s: %w", format.Escape(b.Name), b.ReadOnly, backend.ErrReadOnly)
		}
	}
	return nil
}

// undoLast undoes the latest action in the bucket shown. Records of other
// buckets stay for when the user goes back there: an undo never changes a
// bucket the user is not looking at.
func (a *App) undoLast() tea.Cmd {
	i := a.lastUndoHere()
	if i < 0 {
		a.inform(a.nothingToUndo())
		return nil
	}
	if !a.writable() {
		return nil
	}
	u := a.undo[i]
	a.undo = slices.Delete(a.undo, i, i+1)
	return undoCmd(a.store, a.opts.Timeout, u, false)
}

// lastUndoHere is the latest undo record of the bucket shown, or -1.
func (a *App) lastUndoHere() int {
	for i := len(a.undo) - 1; i >= 0; i-- {
		if a.undo[i].bucket == a.keys.bucket {
			return i
		}
	}
	return -1
}

// nothingToUndo says why u does nothing here.
func (a *App) nothingToUndo() string {
	if len(a.undo) > 0 {
		return fmt.Sprintf("nothing to undo in this bucket (the last undoable action was in %s)", format.Escape(a.undo[len(a.undo)-1].bucket))
	}
	return "nothing to undo"
}

// maxUndo bounds the undo stack (each entry may hold large values).
const maxUndo = 20

// maxUndoBytes bounds the memory the undo stack's copies of bulk deletes
// hold together (one delete stops at bulkDeleteUndoBytes).
const maxUndoBytes = 2 * bulkDeleteUndoBytes

func (a *App) writeDone(msg writeDoneMsg) tea.Cmd {
	if msg.from != any(a.store) {
		return nil // written to the store the user switched away from
	}
	if msg.err != nil && msg.conflict != nil && msg.retry != nil {
		a.dialog = newConflictDialog(a, msg)
		return nil
	}
	if msg.err != nil && msg.element != nil && errors.Is(msg.err, backend.ErrConflict) {
		a.dialog = newElementConflictDialog(a, msg)
		return nil
	}
	var recovered tea.Cmd
	if msg.err != nil && msg.put != nil && msg.put.recover != nil {
		// A failed save gives the edit back: nothing the user typed is lost.
		recovered = a.recoverEdit(*msg.put, describeError(msg.err))
	}
	if msg.undoConflicts != nil {
		a.dialog = newUndoConflictDialog(a, msg.undoConflicts, msg.undoConflictList)
	}
	if msg.undo != nil {
		a.undo = append(a.undo, msg.undo)
		if len(a.undo) > maxUndo {
			a.undo = a.undo[1:]
		}
		// The copies of bulk deletes are held in memory: the oldest
		// records go first when they hold too much together.
		held := int64(0)
		for _, u := range a.undo {
			held += u.copiesBytes
		}
		for len(a.undo) > 1 && held > maxUndoBytes {
			held -= a.undo[0].copiesBytes
			a.undo = a.undo[1:]
		}
	}
	if msg.err != nil {
		a.fail(msg.err)
	} else {
		text := msg.op
		if msg.undo != nil {
			text += " (" + a.keyName(a.km.Undo) + " to undo)"
		}
		a.inform(text)
	}
	if msg.bucket != a.keys.bucket {
		return recovered
	}
	for _, p := range a.pages {
		if an, ok := p.page.(*analysisPage); ok && an.bucket == msg.bucket && len(msg.keys)+len(msg.removed)+len(msg.added) > 0 {
			an.stale = true
		}
	}
	cmds := []tea.Cmd{recovered, a.keys.applyWrite(&a.env, msg), a.buckets.refreshCounts(&a.env)}
	switch {
	case !a.value.hasKey:
	case slices.Contains(msg.removed, a.value.key):
		// The key shown is gone: show the one the cursor moved to rather
		// than reading it again to say "not found".
		shown := a.value.key
		cmds = append(cmds, a.followCursor())
		if a.value.key == shown {
			a.value.reset()
		}
	case slices.Contains(msg.keys, a.value.key):
		cmds = append(cmds, a.value.reload(&a.env))
	}
	return tea.Batch(cmds...)
}
