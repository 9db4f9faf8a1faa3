package model

import (
	"fmt"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/kvdeck/kvdeck/ui"
	"github.com/kvdeck/kvdeck/ui/format"
)

// Bindings are data: each pane has one table of actions, and key presses,
// the help overlay and the command line all read it. A binding that cannot
// run now says why (read-only, not on this store, nothing selected), in the
// help overlay before it is pressed and in the status line when it is.
// Key overrides (keymap.KeyMap.Apply) change the table's bindings by name.

// action is one thing a key (or a command line verb) does.
type action struct {
	binding key.Binding
	run     func(a *App) tea.Cmd
	// why, when set, says why the action cannot run now ("" when it can).
	why func(a *App) string
	// verb is the action's name on the : command line ("" for none), alias
	// a short form; arg names its argument, which runArg takes instead of
	// asking for it.
	verb, alias, arg string
	runArg           func(a *App, arg string) (tea.Cmd, error)
	// desc describes a verb without a key binding.
	desc string
}

// disabled reports why act cannot run now ("" when it can).
func (act action) disabled(a *App) string {
	if act.why == nil {
		return ""
	}
	return act.why(a)
}

// dispatch runs the first action of table whose binding matches msg; ok is
// false when none matches.
func dispatch(a *App, table []action, msg tea.KeyPressMsg) (cmd tea.Cmd, ok bool) {
	for _, act := range table {
		if !key.Matches(msg, act.binding) {
			continue
		}
		if why := act.disabled(a); why != "" {
			a.inform(act.binding.Help().Desc + ": " + why)
			return nil, true
		}
		return act.run(a), true
	}
	return nil, false
}

// The reasons an action is off, shared by the tables.

func needsWrite(a *App) string {
	if a.info.ReadOnly {
		return "read-only (kvdeck was started with --read-only)"
	}
	for _, b := range a.buckets.list {
		if b.Name == a.keys.bucket && b.ReadOnly != "" {
			return "bucket " + format.Escape(b.Name) + " is read-only: " + b.ReadOnly
		}
	}
	return ""
}

func needsKey(a *App) string {
	if _, ok := a.targetKey(); !ok {
		return "no key selected"
	}
	return ""
}

func needsWritableKey(a *App) string {
	if why := needsWrite(a); why != "" {
		return why
	}
	return needsKey(a)
}

// needs says why a store without capability T cannot do something.
func needs[T any](what string) func(a *App) string {
	return func(a *App) string {
		if _, ok := a.store.(T); !ok {
			return "not on this store (" + what + ")"
		}
		return ""
	}
}

// all joins reasons: the first that applies.
func all(whys ...func(a *App) string) func(a *App) string {
	return func(a *App) string {
		for _, w := range whys {
			if s := w(a); s != "" {
				return s
			}
		}
		return ""
	}
}

func needsBucket(a *App) string {
	if a.keys.bucket == "" {
		return "no bucket open"
	}
	return ""
}

func needsCollection(a *App) string {
	if _, _, ok := a.collection(); !ok {
		return "the value is not a collection"
	}
	return ""
}

func needsElement(a *App) string {
	if why := needsCollection(a); why != "" {
		return why
	}
	if a.value.win.Cursor >= len(a.value.elements) {
		return "no element selected"
	}
	return ""
}

func needsTypedKeys(a *App) string {
	if !a.info.TypedKeys {
		return "every key in this store is a string"
	}
	return ""
}

func needsBucketSelected(a *App) string {
	if len(a.buckets.list) == 0 {
		return "no bucket selected"
	}
	return ""
}

// globalActions work in every pane.
func (a *App) globalActions() []action {
	km := a.km
	return []action{
		{binding: km.Help, run: func(a *App) tea.Cmd { a.openHelp(); return nil }, verb: "help", alias: "?"},
		{binding: km.Command, run: (*App).openCommandLine},
		{binding: km.NextPane, run: func(a *App) tea.Cmd { a.setFocus((a.focus + 1) % 3); return a.followFocus() }},
		{binding: km.PrevPane, run: func(a *App) tea.Cmd { a.setFocus((a.focus + 2) % 3); return a.followFocus() }},
		{binding: km.Undo, run: (*App).undoLast, verb: "undo", why: all(needsWrite, func(a *App) string {
			if a.lastUndoHere() < 0 {
				return a.nothingToUndo()
			}
			return ""
		})},
		{binding: km.Quit, run: (*App).quit, verb: "quit"},
		{verb: "bucket", arg: "NAME", desc: "open a bucket", runArg: (*App).openBucketNamed},
	}
}

// connectionActions work in every pane: they ask the Deck, which owns
// the tabs and the picker (deck.go).
func (a *App) connectionActions() []action {
	km := a.km
	return []action{
		{binding: km.Connect, run: func(a *App) tea.Cmd { return askDeck(opPicker, "") }, verb: "connect", arg: "NAME",
			runArg: func(a *App, name string) (tea.Cmd, error) { return askDeck(opPicker, name), nil }},
		{binding: km.NextTab, run: func(a *App) tea.Cmd { return askDeck(opNextTab, "") }, verb: "tab"},
		{binding: km.PrevTab, run: func(a *App) tea.Cmd { return askDeck(opPrevTab, "") }},
		{binding: km.CloseTab, run: func(a *App) tea.Cmd { return askDeck(opCloseTab, "") }, verb: "close"},
	}
}

// bucketActions work in the buckets pane.
func (a *App) bucketActions() []action {
	km := a.km
	admin := needs[backend.BucketAdmin]("its buckets are fixed by the server")
	acts := []action{
		{binding: km.Open, run: func(a *App) tea.Cmd { a.buckets.openSelected(&a.env); return nil }, why: needsBucketSelected},
		{binding: km.Reload, run: func(a *App) tea.Cmd {
			// Disconnected, r tries the connection now, not at the next
			// backoff step; connected, it reloads the counts.
			if c, ok := a.store.(backend.Connectivity); ok && (a.conn.down || !c.Connected()) {
				return a.checkConnection(a.opts.Now(), true)
			}
			// Connected: the counts again, and a listing a failure cut.
			return tea.Batch(a.buckets.refreshCounts(&a.env), a.relistCut(true))
		}, verb: "reconnect"},
		{binding: km.NewBucket, run: func(a *App) tea.Cmd { return a.openBucketForm(nil) }, why: all(admin, needsWrite)},
		{binding: km.EditBucket, run: func(a *App) tea.Cmd { return a.openBucketForm(&a.buckets.list[a.buckets.win.Cursor]) }, why: all(admin, needsWrite, needsBucketSelected)},
		{binding: km.DeleteBucket, run: func(a *App) tea.Cmd { return a.openDeleteBucket(a.buckets.selected()) }, why: all(admin, needsWrite, needsBucketSelected)},
	}
	return append(acts, pageActions(a, paneBuckets)...)
}

// keyActions work in the keys pane.
func (a *App) keyActions() []action {
	km := a.km
	k := &a.keys
	acts := []action{
		{binding: km.Open, run: func(a *App) tea.Cmd { return k.openSelected(&a.env) }},
		{binding: km.Back, run: func(a *App) tea.Cmd { return k.back(&a.env) }},
		{binding: km.Reload, run: func(a *App) tea.Cmd { return tea.Batch(k.reload(&a.env), a.buckets.refreshCounts(&a.env)) }, why: needsBucket, verb: "reload", alias: "r"},
		{binding: km.Filter, run: func(a *App) tea.Cmd { k.filter.begin(); return nil }, why: needsBucket,
			verb: "filter", arg: "TEXT", runArg: func(a *App, arg string) (tea.Cmd, error) {
				a.setFocus(paneKeys)
				return k.setFilter(&a.env, arg), nil
			}},
		{binding: km.Pattern, run: (*App).openPatternDialog, why: needsBucket,
			verb: "search", alias: "s", arg: "PATTERN", runArg: func(a *App, arg string) (tea.Cmd, error) {
				k.pattern = arg
				a.setFocus(paneKeys)
				return k.open(&a.env, k.bucket), nil
			}},
		{binding: km.TypeFilter, run: (*App).openTypeFilterDialog, why: all(needsTypedKeys, needsBucket)},
		{binding: km.ValueSearch, run: (*App).openValueSearch, why: needsBucket},
		{binding: km.Tree, run: func(a *App) tea.Cmd { return k.toggleTree(&a.env) }, why: needsBucket, verb: "tree"},
		{binding: km.Sort, run: func(a *App) tea.Cmd { return k.cycleSort(&a.env) }, why: needsBucket, verb: "sort"},
		{binding: km.Mark, run: func(a *App) tea.Cmd {
			k.toggleMark(&a.env)
			prev := k.win.Cursor
			k.win.Move(1, k.count())
			return k.afterMove(&a.env, prev)
		}, why: func(a *App) string {
			if k.count() == 0 {
				return "nothing to mark"
			}
			return ""
		}},
		{binding: km.MarkAll, run: func(a *App) tea.Cmd { k.toggleMarkAll(&a.env); return nil }, why: func(a *App) string {
			if k.count() == 0 {
				return "nothing to mark"
			}
			return ""
		}, verb: "mark-all"},
		{binding: km.NewKey, run: (*App).openNewKey, why: all(needsWrite, needsBucket)},
		{binding: km.Rename, run: (*App).openRename, why: all(needs[backend.Renamer]("no rename"), needsWritableKey)},
		{binding: km.Delete, run: (*App).openDelete, why: needsWrite, verb: "delete"},
		{binding: km.CopyTo, run: (*App).openCopy, why: needs[backend.RecordReader]("no copying from this store"), verb: "copy"},
		{binding: km.CopyKey, run: copyKey, why: needsKey},
		{binding: km.TTL, run: (*App).openTTLDialog, why: func(a *App) string {
			if k.hasChosen(a.focus) {
				return needsWrite(a) // a TTL on the marked keys or the folder
			}
			return needsWritableKey(a)
		}, verb: "ttl", arg: "DURATION", runArg: (*App).setTTLTo},
		{binding: km.RefreshTTL, run: (*App).refreshTTL, why: needsWritableKey, verb: "refresh"},
		{verb: "import", arg: "FILE", desc: "read FILE (.jsonl; .csv: Tiny RDM's, Redis) into this bucket, after a dry run", runArg: (*App).importFrom},
		{verb: "export", arg: "FILE", desc: "write the marked keys, the folder or every listed key to FILE (.jsonl; .csv: Tiny RDM's, Redis)", runArg: (*App).exportTo},
		{verb: "analyse", arg: "SAMPLE", desc: "the analysis page, of every key or of a sample of SAMPLE keys", runArg: func(a *App, arg string) (tea.Cmd, error) { return a.analyseSample(arg) }},
	}
	return append(acts, pageActions(a, paneKeys)...)
}

// valueActions work in the value pane.
func (a *App) valueActions() []action {
	km := a.km
	v := &a.value
	hasEntry := func(a *App) string {
		if v.entry == nil {
			return "no value open"
		}
		return ""
	}
	notCollection := func(a *App) string {
		if v.entry != nil && v.entry.Kind.IsCollection() {
			return "a " + v.entry.Kind.String() + " is edited element by element"
		}
		return ""
	}
	acts := []action{
		{binding: km.Back, run: func(a *App) tea.Cmd { a.setFocus(paneKeys); return nil }},
		{binding: km.Reload, run: func(a *App) tea.Cmd { return v.reload(&a.env) }, why: hasEntry},
		{binding: km.Format, run: func(a *App) tea.Cmd { return v.cycleFormat(&a.env) }, why: all(hasEntry, notCollection)},
		{binding: km.Wrap, run: func(a *App) tea.Cmd { v.toggleWrap(&a.env); return nil }, why: all(hasEntry, notCollection)},
		{binding: km.LoadWhole, run: func(a *App) tea.Cmd { v.whole = true; return v.reload(&a.env) }, why: all(hasEntry, func(a *App) string {
			if !v.entry.Truncated {
				return "the whole value is loaded"
			}
			return ""
		})},
		{binding: km.CopyValue, run: copyValue, why: all(hasEntry, notCollection)},
		{binding: km.CopyPath, run: copyPath, why: func(a *App) string {
			if v.doc == nil || v.win.Cursor >= v.doc.Len() || v.doc.Path(v.win.Cursor) == "" {
				return "no JSON path on this line"
			}
			return ""
		}},
		// In a collection, e and i edit the element under the cursor.
		{binding: km.Edit, run: func(a *App) tea.Cmd {
			if v.entry.Kind.IsCollection() {
				return a.editElement()
			}
			return a.editInEditor()
		}, why: all(needsWrite, hasEntry)},
		{binding: km.EditInline, run: func(a *App) tea.Cmd {
			if v.entry.Kind.IsCollection() {
				return a.editElement()
			}
			return a.openInlineEdit()
		}, why: all(needsWrite, hasEntry)},
		{binding: km.AddElement, run: (*App).addElement, why: all(needs[backend.Collections]("no collections"), needsWrite, needsCollection)},
		{binding: km.RemoveElement, run: (*App).removeElement, why: all(needs[backend.Collections]("no collections"), needsWrite, needsElement)},
		{binding: km.MemoryUsage, run: (*App).memoryUsage, why: all(needs[backend.MemoryReporter]("no MEMORY USAGE"), hasEntry)},
		{binding: km.TTL, run: (*App).openTTLDialog, why: all(needsWrite, hasEntry)},
		{binding: km.RefreshTTL, run: (*App).refreshTTL, why: all(needsWrite, hasEntry)},
		{binding: km.Purge, run: (*App).openPurge, why: all(needs[backend.Purger]("it keeps no history; delete instead"), needsWrite, hasEntry)},
		{binding: km.Delete, run: (*App).openDelete, why: all(needsWrite, hasEntry)},
		{binding: km.CopyKey, run: copyKey, why: hasEntry},
	}
	return append(acts, pageActions(a, paneValue)...)
}

func copyKey(a *App) tea.Cmd {
	name, ok := a.targetKey()
	if !ok {
		return nil
	}
	a.inform("copied key " + format.KeyName(name))
	return tea.SetClipboard(name)
}

func copyValue(a *App) tea.Cmd {
	e := a.value.entry
	if e.Truncated {
		a.fail(fmt.Errorf("only a preview is loaded; press %s to load the whole value before copying", a.km.LoadWhole.Help().Key))
		return nil
	}
	a.inform("copied value (" + format.HumanBytes(int64(len(e.Value))) + ")")
	return tea.SetClipboard(string(e.Value))
}

func copyPath(a *App) tea.Cmd {
	p := a.value.doc.Path(a.value.win.Cursor)
	a.inform("copied path " + p)
	return tea.SetClipboard(p)
}

// paneActions is the table of the focused pane.
func (a *App) paneActions() []action {
	switch a.focus {
	case paneBuckets:
		return a.bucketActions()
	case paneKeys:
		return a.keyActions()
	}
	return a.valueActions()
}

// openHelp shows the help overlay from its top.
func (a *App) openHelp() {
	a.showHelp, a.helpTop = true, 0
}

// helpKey scrolls or closes the help overlay.
func (a *App) helpKey(msg tea.KeyPressMsg) {
	// How far the overlay can scroll at this size, measured here so that
	// View only reads.
	_, last := ui.Help(a.helpSections(), a.helpStyles(), a.width, a.height, 0)
	a.helpLast = last
	switch {
	case key.Matches(msg, a.km.Help, a.km.Back, a.km.Quit):
		a.showHelp = false
	case key.Matches(msg, a.km.Down):
		a.helpTop = min(a.helpTop+1, a.helpLast)
	case key.Matches(msg, a.km.Up):
		a.helpTop = max(a.helpTop-1, 0)
	case key.Matches(msg, a.km.PageDown):
		a.helpTop = min(a.helpTop+max(a.height-6, 1), a.helpLast)
	case key.Matches(msg, a.km.PageUp):
		a.helpTop = max(a.helpTop-max(a.height-6, 1), 0)
	}
}

// helpSections are the overlay's contents: the global keys, moving, and
// the focused pane's table, each binding dimmed with the reason when it
// does nothing here now.
func (a *App) helpSections() []ui.HelpSection {
	section := func(title string, table []action) ui.HelpSection {
		s := ui.HelpSection{Title: title}
		for _, act := range table {
			h := act.binding.Help()
			if h.Key == "" {
				continue // a command-line verb with no key (:bucket NAME, :analyse)
			}
			s.Entries = append(s.Entries, ui.HelpEntry{Key: h.Key, Desc: h.Desc, Off: act.disabled(a)})
		}
		return s
	}
	km := a.km
	move := ui.HelpSection{Title: "Move"}
	for _, b := range []key.Binding{km.Up, km.Down, km.PageUp, km.PageDown, km.Home, km.End} {
		move.Entries = append(move.Entries, ui.HelpEntry{Key: b.Help().Key, Desc: b.Help().Desc})
	}
	pane := map[pane]string{paneBuckets: "Buckets pane", paneKeys: "Keys pane", paneValue: "Value pane"}[a.focus]
	if e := a.value.entry; a.focus == paneValue && e != nil && e.Kind.IsCollection() {
		pane = "Value pane (" + e.Kind.String() + ": e and i edit the element under the cursor)"
	}
	return []ui.HelpSection{section(pane, a.paneActions()), section("Global", a.globalActions()), section("Connections", a.connectionActions()), move}
}

// commandActions are the actions with a command line verb, from every
// table, each verb once.
func (a *App) commandActions() []action {
	var out []action
	seen := map[string]bool{}
	for _, table := range [][]action{a.globalActions(), a.keyActions(), a.valueActions(), a.bucketActions(), a.connectionActions()} {
		for _, act := range table {
			if act.verb != "" && !seen[act.verb] {
				seen[act.verb] = true
				out = append(out, act)
			}
		}
	}
	return out
}

// usage is how a verb is typed: "ttl DURATION".
func (act action) usage() string {
	if act.arg == "" {
		return act.verb
	}
	return act.verb + " " + act.arg
}
