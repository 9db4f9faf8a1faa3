package model

import (
	"context"
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/kvdeck/kvdeck/backend"
	dlg "github.com/kvdeck/kvdeck/model/dialog"
	"github.com/kvdeck/kvdeck/ui/format"
)

// targetKey is the key an action applies to: the open value, else the key
// under the cursor in the list.
func (a *App) targetKey() (string, bool) {
	if a.focus == paneValue && a.value.hasKey {
		return a.value.key, true
	}
	name, _, ok := a.keys.selectedKey()
	return name, ok
}

func (a *App) openDelete() tea.Cmd {
	if !a.writable() {
		return nil
	}
	bucket := a.keys.bucket
	// Marked keys, or a folder under the cursor in the tree, go together.
	var rows []int
	if len(a.keys.marked) > 0 && a.focus == paneKeys {
		for r := range a.keys.marked {
			if !a.keys.set.Deleted(r) {
				rows = append(rows, r)
			}
		}
	} else if a.focus == paneKeys && a.keys.tree.on && a.keys.win.Cursor < len(a.keys.tree.rows) && a.keys.tree.rows[a.keys.win.Cursor].Row < 0 {
		rows = a.keys.rowsUnderCursor()
	}
	if len(rows) > 0 {
		names := make([]string, len(rows))
		for i, r := range rows {
			names[i] = a.keys.set.Name(r)
		}
		return a.openBulkDelete(bucket, names)
	}
	name, ok := a.targetKey()
	if !ok {
		return nil
	}
	version := ""
	if a.value.key == name && a.value.entry != nil {
		version = a.value.entry.Version
	}
	undoable := a.keyName(a.km.Undo) + " undoes it in this session (the key comes back with its expiry)."
	a.dialog = newConfirm("Delete key?", []string{
		"Delete " + a.st.Danger.Render(format.KeyName(name)) + " from bucket " + format.Escape(bucket) + "?",
		undoable,
	}, func(a *App) tea.Cmd { return deleteCmd(a.store, a.opts.Timeout, bucket, []string{name}, version) })
	return nil
}

func (a *App) openTTLDialog() tea.Cmd {
	if names := a.keys.chosenNames(a.focus); names != nil {
		about := "marked"
		if len(a.keys.marked) == 0 {
			about = "in the folder"
		}
		return a.openBulkTTL(names, about)
	}
	name, ok := a.writableTarget()
	if !ok {
		return nil
	}
	bucket := a.keys.bucket
	current := ""
	if a.value.key == name && a.value.entry != nil && !a.value.entry.ExpiresAt.IsZero() {
		current = backend.FormatTTL(time.Until(a.value.entry.ExpiresAt))
	}
	hint := []string{
		"seconds, minutes, hours, days: 90s  15m  36h  7d  1d12h",
		"never (or 0) removes the TTL",
	}
	if h := a.historyWarning(); h != "" {
		hint = append(hint, h)
	}
	if current != "" {
		hint = append([]string{"now: " + current + " left"}, hint...)
	}
	a.dialog = newInput("Set TTL of "+format.KeyName(name), "ttl> ", "", hint, func(a *App, v string) (tea.Cmd, error) {
		ttl, err := backend.ParseTTL(v)
		if err != nil {
			return nil, err
		}
		what := "TTL of " + format.KeyName(name) + " set to " + v
		if ttl == 0 {
			what = "TTL of " + format.KeyName(name) + " removed"
		}
		a.rememberTTL(bucket, name, ttl)
		return expireCmd(a.store, a.opts.Timeout, bucket, name, ttl, what), nil
	})
	return nil
}

// rememberTTL keeps the TTL a key was given here, for refresh (+) on a
// store that does not keep it.
func (a *App) rememberTTL(bucket, key string, ttl time.Duration) {
	if a.ttlGiven == nil {
		a.ttlGiven = map[string]time.Duration{}
	}
	a.ttlGiven[bucket+"\x00"+key] = ttl
}

// historyWarning tells NATS users what a TTL does to kept revisions.
func (a *App) historyWarning() string {
	for _, b := range a.buckets.list {
		if b.Name == a.keys.bucket && b.Config != nil && b.Config.History > 1 && a.info.ExpiryUncoversHistory {
			return fmt.Sprintf("note: this bucket keeps %d revisions; when this revision expires, NATS removes only it, and an older revision without a TTL becomes the value again", b.Config.History)
		}
	}
	return ""
}

// refreshTTL re-applies the key's configured TTL from now (local, NATS),
// or asks for one when the store does not remember it (Redis).
func (a *App) refreshTTL() tea.Cmd {
	name, ok := a.writableTarget()
	if !ok {
		return nil
	}
	e := a.value.entry
	if a.value.key != name || e == nil || e.ExpiresAt.IsZero() {
		a.inform("this key has no TTL to refresh; " + a.keyName(a.km.TTL) + " sets one")
		return nil
	}
	ttl := e.TTL
	if ttl <= 0 {
		// Redis keeps only the time left, not the TTL a key was given; a
		// TTL set from kvdeck in this session is remembered for refresh.
		ttl = a.ttlGiven[a.keys.bucket+"\x00"+name]
	}
	if ttl <= 0 {
		a.inform("the store does not remember the TTL this key was given, so there is nothing to refresh to; " + a.keyName(a.km.TTL) + " sets one")
		return nil
	}
	return expireCmd(a.store, a.opts.Timeout, a.keys.bucket, name, ttl, "refreshed TTL of "+format.KeyName(name)+" to "+backend.FormatTTL(ttl))
}

// openNewKey creates a key: its name, then (on Redis) its type, then an
// optional TTL set in the same write, then its value or first element.
func (a *App) openNewKey() tea.Cmd {
	if !a.writable() || a.keys.bucket == "" {
		return nil
	}
	bucket := a.keys.bucket
	prefix := ""
	if a.keys.tree.on && a.keys.win.Cursor < len(a.keys.tree.rows) {
		if r := a.keys.tree.rows[a.keys.win.Cursor]; r.Row < 0 {
			prefix = r.Node.Path(a.keys.tree.delim)
		}
	}
	a.dialog = newInput("New key in "+format.Escape(bucket), "key> ", prefix, []string{"then its type (Redis), a TTL and its value"}, func(a *App, name string) (tea.Cmd, error) {
		if name == "" {
			return nil, backend.Invalid("key", "must not be empty")
		}
		if _, ok := a.store.(backend.Collections); ok {
			a.dialog = newInput("Type of "+format.KeyName(name), "type> ", "string", []string{"string hash list set zset stream"}, func(a *App, t string) (tea.Cmd, error) {
				kind, ok := backend.ParseKind(strings.TrimSpace(t))
				if !ok || kind == backend.KindJSON {
					return nil, backend.Invalid("type", "%q: use string, hash, list, set, zset or stream", t)
				}
				a.dialog = a.newKeyTTL(bucket, name, kind)
				return nil, nil
			})
			return nil, nil
		}
		a.dialog = a.newKeyTTL(bucket, name, backend.KindString)
		return nil, nil
	})
	return nil
}

// newKeyTTL asks for the new key's TTL, then for its value.
func (a *App) newKeyTTL(bucket, name string, kind backend.Kind) modal {
	return newInput("TTL of the new key "+format.KeyName(name), "ttl> ", "", []string{"empty for none (or the bucket's default): 90s 15m 36h 7d"}, func(a *App, v string) (tea.Cmd, error) {
		ttl := time.Duration(0)
		if strings.TrimSpace(v) != "" {
			var err error
			if ttl, err = backend.ParseTTL(v); err != nil {
				return nil, err
			}
		}
		if kind == backend.KindString {
			a.dialog = newValueEditor(a, bucket, name, nil, true, ttl)
			return nil, nil
		}
		a.dialog = a.newCollectionKey(bucket, name, kind, ttl)
		return nil, nil
	})
}

func (a *App) openRename() tea.Cmd {
	if !a.writable() {
		return nil
	}
	r, ok := a.store.(backend.Renamer)
	if !ok {
		a.fail(fmt.Errorf("rename: %w", backend.ErrUnsupported))
		return nil
	}
	name, ok := a.targetKey()
	if !ok {
		return nil
	}
	bucket := a.keys.bucket
	// The input starts from the current name, unless the name is too long
	// to edit by hand: a 1 MB name made every keystroke take a minute.
	// A name with bytes a one-line input cannot hold (control bytes, a
	// newline, invalid UTF-8, bidi or zero-width characters) is edited in
	// its escaped form and decoded back, so bytes the user did not touch
	// stay as they were.
	start, escaped := inlineLine([]byte(name))
	hint := []string{"an existing key is never overwritten"}
	if escaped {
		hint = append(hint, `the name is shown escaped: \xNN, \uNNNN, \t, \r, \n, \\ for a backslash`)
	}
	if len(name) > maxPrefilledName {
		start = ""
		hint = append(hint, fmt.Sprintf("the current name is %d bytes long: type the new name whole", len(name)))
	}
	a.dialog = newInput("Rename "+format.KeyName(name), "to> ", start, hint, func(a *App, typed string) (tea.Cmd, error) {
		b, err := fromInline(typed, escaped)
		if err != nil {
			return nil, backend.Invalid("name", "%v", err)
		}
		to := string(b)
		if to == "" || to == name {
			return nil, backend.Invalid("name", "type a different, non-empty name")
		}
		return renameCmd(r, a.opts.Timeout, bucket, name, to), nil
	})
	return nil
}

// maxPrefilledName is the longest name the rename dialog starts from.
const maxPrefilledName = 4096

func (a *App) openPatternDialog() tea.Cmd {
	if a.keys.bucket == "" {
		return nil
	}
	help := a.info.PatternHelp
	if help == "" {
		help = "glob: * any, ? one char, [abc] class"
	}
	a.dialog = newInput("Server-side pattern search", "pattern> ", a.keys.pattern, []string{help, "empty lists every key"}, func(a *App, p string) (tea.Cmd, error) {
		a.keys.pattern = p
		a.setFocus(paneKeys)
		return a.keys.open(&a.env, a.keys.bucket), nil
	})
	return nil
}

func (a *App) openTypeFilterDialog() tea.Cmd {
	if !a.info.TypedKeys {
		a.inform("type filter: every key in this store is a string")
		return nil
	}
	a.dialog = newInput("Filter by type", "type> ", a.keys.kind.String(), []string{"string hash list set zset stream json, or empty for all"}, func(a *App, t string) (tea.Cmd, error) {
		k := backend.KindUnknown
		if t != "" {
			var ok bool
			if k, ok = backend.ParseKind(t); !ok {
				return nil, backend.Invalid("type", "%q is not one of string hash list set zset stream json", t)
			}
		}
		a.keys.kind = k
		return a.keys.open(&a.env, a.keys.bucket), nil
	})
	return nil
}

func (a *App) openPurge() tea.Cmd {
	p, ok := a.store.(backend.Purger)
	if !ok {
		a.inform("purge: this store has no history to purge; " + a.keyName(a.km.Delete) + " deletes")
		return nil
	}
	name, ok := a.writableTarget()
	if !ok {
		return nil
	}
	bucket := a.keys.bucket
	a.dialog = newConfirm("Purge key?", []string{
		"Purge " + a.st.Danger.Render(format.KeyName(name)) + "?",
		"Delete (" + a.keyName(a.km.Delete) + ") leaves a marker and keeps the key's history;",
		"purge removes the key and every kept revision.",
		a.keyName(a.km.Undo) + " brings back the current value; the older revisions are gone for good.",
	}, func(a *App) tea.Cmd {
		s, timeout := a.store, a.opts.Timeout
		return withTimeout(timeout, func(ctx context.Context) tea.Msg {
			msg := writeDoneMsg{from: s, op: "purged " + format.KeyName(name), bucket: bucket, keys: []string{name}}
			kept, _, err := snapshotFor(ctx, s, bucket, name)
			if err != nil {
				msg.err = err
				return msg
			}
			if msg.err = p.Purge(ctx, bucket, name); msg.err != nil {
				return msg
			}
			msg.removed = msg.keys
			if kept != nil {
				msg.undo = &undoRecord{what: "purge of " + format.KeyName(name), bucket: bucket,
					steps: []undoStep{{key: name, restore: kept, cond: backend.RestoreOptions{IfAbsent: true}}}}
			}
			return msg
		})
	})
	return nil
}

func (a *App) openDeleteBucket(name string) tea.Cmd {
	ad, ok := a.store.(backend.BucketAdmin)
	if !ok {
		a.fail(fmt.Errorf("delete bucket: %w", backend.ErrUnsupported))
		return nil
	}
	if !a.writable() {
		return nil
	}
	a.dialog = newTypedConfirm("Delete bucket?", []string{
		"Bucket " + a.st.Danger.Render(format.Escape(name)) + " and every key in it will be deleted.",
		"This cannot be undone.",
	}, name, func(a *App) tea.Cmd {
		timeout := a.opts.Timeout
		return withTimeout(timeout, func(ctx context.Context) tea.Msg {
			err := ad.DeleteBucket(ctx, name)
			if err != nil {
				return statusMsg{err: err}
			}
			return bucketChangedMsg{text: "deleted bucket " + format.Escape(name)}
		})
	})
	return nil
}

// bucketChangedMsg reloads the bucket list after an admin action.
type bucketChangedMsg struct{ text string }

func (a *App) openCommandLine() tea.Cmd {
	var usages []string
	for _, act := range a.commandActions() {
		usages = append(usages, act.usage())
	}
	d := newInput("Command", ":", "", []string{strings.Join(usages, " · "), "tab completes"}, func(a *App, line string) (tea.Cmd, error) {
		return a.runCommand(line)
	})
	d.d.(*dlg.Input).Complete = func(v string) []string {
		verb, arg, hasArg := strings.Cut(v, " ")
		if !hasArg {
			var out []string
			for _, act := range a.commandActions() {
				if strings.HasPrefix(act.verb, verb) {
					out = append(out, act.verb)
				}
			}
			return out
		}
		if verb == "bucket" {
			var out []string
			for _, b := range a.buckets.list {
				if strings.HasPrefix(b.Name, arg) {
					out = append(out, "bucket "+b.Name)
				}
			}
			return out
		}
		return nil
	}
	a.dialog = d
	return nil
}

// runCommand runs a command line: a verb of the action tables, with its
// argument when it takes one. A verb may be shortened to any unique prefix.
func (a *App) runCommand(line string) (tea.Cmd, error) {
	verb, arg, _ := strings.Cut(strings.TrimSpace(line), " ")
	arg = strings.TrimSpace(arg)
	var match []action
	for _, act := range a.commandActions() {
		if act.verb == verb || act.alias != "" && act.alias == verb {
			match = []action{act}
			break
		}
		if verb != "" && strings.HasPrefix(act.verb, verb) {
			match = append(match, act)
		}
	}
	switch {
	case len(match) == 0:
		return nil, backend.Invalid("command", "%q is not a command; tab lists them", verb)
	case len(match) > 1:
		return nil, backend.Invalid("command", "%q could be %s; type more", verb, match[0].verb+" or "+match[1].verb)
	}
	act := match[0]
	if why := act.disabled(a); why != "" {
		return nil, fmt.Errorf("%s: %s", act.verb, why)
	}
	if act.runArg != nil && (arg != "" || act.run == nil) {
		return act.runArg(a, arg)
	}
	if arg != "" {
		return nil, backend.Invalid("command", "%s takes no argument", act.verb)
	}
	return act.run(a), nil
}

// openBucketNamed opens the bucket name (the command line's "bucket").
func (a *App) openBucketNamed(name string) (tea.Cmd, error) {
	for i, b := range a.buckets.list {
		if b.Name == name {
			a.buckets.win.Cursor = i
			a.buckets.win.Clamp(len(a.buckets.list))
			a.setFocus(paneKeys)
			return a.keys.open(&a.env, name), nil
		}
	}
	return nil, backend.Invalid("bucket", "%q does not exist", name)
}

// setTTLTo sets the target key's TTL from text (the command line's "ttl").
func (a *App) setTTLTo(text string) (tea.Cmd, error) {
	ttl, err := backend.ParseTTL(text)
	if err != nil {
		return nil, err
	}
	name, _ := a.targetKey()
	a.rememberTTL(a.keys.bucket, name, ttl)
	return expireCmd(a.store, a.opts.Timeout, a.keys.bucket, name, ttl, "TTL of "+format.KeyName(name)+" set to "+text), nil
}

// matchesPattern tells whether a key created elsewhere belongs to the
// running listing's pattern, in the store's own pattern language.
func (k *keysPane) matchesPattern(syntax backend.PatternSyntax, name string) bool {
	return syntax.Match(k.pattern, name)
}
