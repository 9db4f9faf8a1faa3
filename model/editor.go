package model

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/kvdeck/kvdeck/internal/shutdown"
	dlg "github.com/kvdeck/kvdeck/model/dialog"
	"github.com/kvdeck/kvdeck/ui/format"
)

// Editing a value: in $EDITOR through a private temp file, or inline in a
// textarea for short values. Either way JSON is checked before saving, the
// write carries the version that was shown (a concurrent change is a
// conflict, never a silent overwrite) and the key's TTL is kept.

// editorReadyMsg: the temp file holds the value (decoded, see
// format.OpenEdit); run the editor on it.
type editorReadyMsg struct {
	bucket, key string
	entry       backend.Entry
	edit        *format.Edit
	path        string
	err         error
}

// editedMsg: the editor exited and the file was read back and removed.
type editedMsg struct {
	bucket, key string
	entry       backend.Entry
	edit        *format.Edit
	value       []byte
	err         error
}

func (a *App) editInEditor() tea.Cmd {
	if !a.writable() {
		return nil
	}
	name, ok := a.targetKey()
	if !ok {
		return nil
	}
	if a.value.entry != nil && a.value.key == name && a.value.entry.Kind.IsCollection() {
		a.fail(fmt.Errorf("edit: %s values are edited element by element, not as text", a.value.entry.Kind))
		return nil
	}
	s, bucket, timeout := a.store, a.keys.bucket, a.opts.Timeout
	// The value is edited the way the pane shows it: through its
	// decoders (the JSON inside gzip, msgpack as JSON), or as it is.
	decs, mode := a.opts.Decoding.forKey(a.info.Kind, bucket, name)
	if v := &a.value; v.hasKey && v.bucket == bucket && v.key == name && v.doc != nil {
		decs, mode = v.decs, v.doc.Mode()
	}
	return withTimeout(timeout, func(ctx context.Context) tea.Msg {
		e, err := s.Get(ctx, bucket, name, backend.GetOptions{MaxBytes: -1})
		if err != nil {
			return editorReadyMsg{err: err}
		}
		ed, err := format.OpenEdit(e.Value, mode, format.Options{Decoders: decs})
		if err != nil {
			// Before the editor opens: nothing typed is lost.
			return editorReadyMsg{err: fmt.Errorf("edit of %s refused: %w (f shows it as text or hex, which edit it as it is stored)", format.KeyName(name), err)}
		}
		// The file is 0600 (the value may be a secret), and removed on
		// every way out, a signal included.
		suffix := editSuffix(ed.Text)
		if ed.JSON {
			suffix = ".json"
		}
		f, err := shutdown.CreateTemp("kvdeck-*" + suffix)
		if err != nil {
			return editorReadyMsg{err: err}
		}
		_, werr := f.Write(ed.Text)
		cerr := f.Close()
		if werr != nil || cerr != nil {
			shutdown.Remove(f.Name())
			return editorReadyMsg{err: fmt.Errorf("writing temp file: %v %v", werr, cerr)}
		}
		return editorReadyMsg{bucket: bucket, key: name, entry: e, edit: ed, path: f.Name()}
	})
}

func editSuffix(v []byte) string {
	if format.Detect(v) == format.JSON {
		return ".json"
	}
	return ".txt"
}

func (a *App) editorCommand(path string) *exec.Cmd {
	ed := a.opts.Editor
	if ed == "" {
		ed = "vi"
	}
	parts := strings.Fields(ed)
	return exec.Command(parts[0], append(parts[1:], path)...)
}

func (a *App) runEditor(msg editorReadyMsg) tea.Cmd {
	if msg.err != nil {
		a.fail(msg.err)
		return nil
	}
	// shutdown.Command lets a signal that ends kvdeck end the editor too.
	return tea.Exec(shutdown.Command{Cmd: a.editorCommand(msg.path)}, func(err error) tea.Msg {
		// Runs after the editor exits: read back and remove the file.
		defer shutdown.Remove(msg.path)
		if shutdown.Stopping() {
			// The editor ended because kvdeck is ending: whatever is in
			// the file was not meant to be saved.
			return nil
		}
		if err != nil {
			return editedMsg{err: fmt.Errorf("editor: %w", err)}
		}
		b, rerr := os.ReadFile(msg.path)
		return editedMsg{bucket: msg.bucket, key: msg.key, entry: msg.entry, edit: msg.edit, value: b, err: rerr}
	})
}

func (a *App) edited(msg editedMsg) tea.Cmd {
	if shutdown.Stopping() {
		return nil // a signal came while the editor was open: no save
	}
	if msg.err != nil {
		a.fail(msg.err)
		return nil
	}
	if ed := msg.edit; ed != nil && len(ed.Chain) > 0 {
		return a.editedThroughDecoders(msg, ed)
	}
	value := fromEditor(msg.entry.Value, msg.value)
	if string(value) == string(msg.entry.Value) {
		a.inform("value unchanged; nothing saved")
		return nil
	}
	t := editTarget{bucket: msg.bucket, key: msg.key, version: msg.entry.Version, old: msg.entry.Value}
	return a.saveEdit(t, value, false, false)
}

// editedThroughDecoders writes back an edit of a decoded value: encoded
// through the same decoders, conditional on the version that was read.
// An unchanged text writes nothing; text that cannot be encoded (broken
// JSON for msgpack) is kept in a private file with the reason.
func (a *App) editedThroughDecoders(msg editedMsg, ed *format.Edit) tea.Cmd {
	text := fromEditor(ed.Text, msg.value)
	if bytes.Equal(text, ed.Text) {
		a.inform("value unchanged; nothing saved")
		return nil
	}
	chain := strings.Join(ed.Chain, " → ")
	if ed.JSON {
		if err := jsonError(text); err != nil {
			return keepEditCmd(msg.key, text, "invalid JSON, so not written back as "+chain+": "+err.Error())
		}
	}
	value, err := ed.Encode(text)
	if err != nil {
		return keepEditCmd(msg.key, text, err.Error())
	}
	t := editTarget{bucket: msg.bucket, key: msg.key, version: msg.entry.Version, old: msg.entry.Value}
	p := pendingPut{bucket: t.bucket, key: t.key, value: value, what: "saved " + format.KeyName(t.key) + " as " + chain,
		recover: &editRecovery{target: t, text: text}}
	p.opts.IfVersion = t.version
	return putCmd(a.store, a.opts.Timeout, p)
}

// fromEditor undoes what an editor adds on its own: most editors end the
// file with a newline on save even when the value had none (vi's :wq on
// 42 writes 42 and a newline, and an application's INCR then fails). When
// the value had no final newline and the file has exactly one more, it is
// dropped; a user who typed a blank line at the end keeps both.
func fromEditor(old, file []byte) []byte {
	switch {
	case bytes.HasSuffix(old, []byte("\n")):
		return file // the value had its own final newline
	case bytes.HasSuffix(file, []byte("\n\n")), bytes.HasSuffix(file, []byte("\r\n\r\n")):
		return file // the user typed more than the editor's newline
	case bytes.HasSuffix(file, []byte("\r\n")) && bytes.Contains(old, []byte("\r\n")):
		return file[:len(file)-2] // a CRLF value: the editor ended it with CRLF
	case bytes.HasSuffix(file, []byte("\n")):
		return file[:len(file)-1]
	}
	return file
}

// saveEdit checks JSON and writes. A value that was JSON (or looks like it
// now) must parse, unless the user chose to save it as text. inline says
// where the edit came from, so that a refused or failed save can give it
// back: the inline editor reopens with it, an $EDITOR edit is kept in a
// private file whose path is shown.
func (a *App) saveEdit(t editTarget, value []byte, asText, inline bool) tea.Cmd {
	p := pendingPut{bucket: t.bucket, key: t.key, value: value, what: "saved " + format.KeyName(t.key),
		recover: &editRecovery{target: t, inline: inline}}
	if !asText && looksJSON(t.old, value) {
		if err := jsonError(value); err != nil {
			a.dialog = newConfirm("Invalid JSON", []string{
				format.Escape(err.Error()),
				"",
				a.keyName(a.km.Confirm) + " saves it as text anyway; " + a.keyName(a.km.Deny) + " keeps your edit (" + keptWhere(inline) + ") without saving.",
			}, func(a *App) tea.Cmd { return a.saveEdit(t, value, true, inline) })
			a.dialog.(*hosted).onNo = func(a *App) tea.Cmd {
				return a.recoverEdit(p, "invalid JSON: "+err.Error())
			}
			return nil
		}
	}
	if t.version != "" {
		p.opts.IfVersion = t.version
	} else {
		p.opts.IfAbsent = true
		p.what = "created " + format.KeyName(t.key)
		if t.ttl > 0 {
			p.opts.TTLMode, p.opts.TTL = backend.TTLSet, t.ttl
		}
	}
	return putCmd(a.store, a.opts.Timeout, p)
}

func keptWhere(inline bool) string {
	if inline {
		return "the editor stays open"
	}
	return "in a private file"
}

// editRecovery is how an edit comes back after a save that did not happen.
type editRecovery struct {
	target editTarget
	inline bool
	// text is the edit as typed when it differs from the value written
	// (an edit through decoders): what comes back is the text.
	text []byte
}

// recoverEdit gives an unsaved edit back: the inline editor reopens with
// the text as typed and the reason; an $EDITOR edit is written to a
// private file (0600) whose path the status line shows.
func (a *App) recoverEdit(p pendingPut, why string) tea.Cmd {
	if p.recover == nil {
		return nil
	}
	if p.recover.inline {
		d := reopenValueEditor(a, p.recover.target, p.value)
		d.ed.SetError(why)
		a.dialog = d
		return nil
	}
	if p.recover.text != nil {
		return keepEditCmd(p.key, p.recover.text, why)
	}
	return keepEditCmd(p.key, p.value, why)
}

// keepEditCmd writes an unsaved edit to a private temp file.
func keepEditCmd(key string, value []byte, why string) tea.Cmd {
	return func() tea.Msg {
		f, err := os.CreateTemp("", "kvdeck-unsaved-*"+editSuffix(value))
		if err != nil {
			return statusMsg{err: fmt.Errorf("%s; and keeping your edit failed: %w", why, err)}
		}
		_, werr := f.Write(value)
		if cerr := f.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			return statusMsg{err: fmt.Errorf("%s; and keeping your edit failed: %w", why, werr)}
		}
		// The path first: a long reason may be cut at the screen's edge.
		return statusMsg{err: fmt.Errorf("your edit of %s is kept in %s (%s)", format.KeyName(key), f.Name(), why)}
	}
}

// editTarget is what an edit writes to: the key, the version that was
// shown (empty when creating) and the old bytes; ttl applies to a new key.
type editTarget struct {
	bucket, key, version string
	old                  []byte
	ttl                  time.Duration
}

func looksJSON(old, value []byte) bool {
	if len(old) > 0 && format.Detect(old) == format.JSON {
		return true
	}
	t := strings.TrimSpace(string(value))
	return strings.HasPrefix(t, "{") || strings.HasPrefix(t, "[")
}

// jsonError reports where JSON is broken, as line and column.
func jsonError(b []byte) error { return format.CheckJSON(b) }

// valueEditor is the inline editor (i), and the value step of "new key":
// a dialog.Editor on the value's text form. The textarea would drop
// control bytes and turn tabs and CR into spaces and newlines, so a value
// holding any of those is shown escaped (see inlineText) and every byte
// comes back as it was unless the user changed it. The checks and the save
// are here; the editing is the dialog's.
type valueEditor struct {
	target  editTarget
	create  bool
	escaped bool // the text shows bytes as escapes (\t, \r, \x1b, \\)
	ed      *dlg.Editor
}

// inlineLimit is the largest value edited inline; larger ones go to $EDITOR.
const inlineLimit = 64 << 10

func newValueEditor(a *App, bucket, key string, e *backend.Entry, create bool, ttl time.Duration) *valueEditor {
	d := &valueEditor{target: editTarget{bucket: bucket, key: key, ttl: ttl}, create: create}
	var text string
	restarts := false
	if e != nil {
		d.target.version, d.target.old = e.Version, e.Value
		restarts = e.WriteRestartsTTL
		text, d.escaped = inlineText(e.Value)
	}
	d.open(a, text, restarts)
	return d
}

// reopenValueEditor opens the inline editor again on an edit that was not
// saved, against the same target (its version included, so a second try
// is still conditional on what was first shown).
func reopenValueEditor(a *App, t editTarget, value []byte) *valueEditor {
	d := &valueEditor{target: t, create: t.version == ""}
	var text string
	text, d.escaped = inlineText(value)
	if !d.escaped {
		// The original may have needed escapes even if the edit does not:
		// stay in the mode the user was editing in.
		_, d.escaped = inlineText(t.old)
		if d.escaped {
			text = escapeInline(value)
		}
	}
	d.open(a, text, false)
	return d
}

// open makes the dialog: its title, the note on escapes, and the footer
// saying what happens to the TTL.
func (d *valueEditor) open(a *App, text string, restarts bool) {
	title := "Edit " + format.KeyName(d.target.key)
	if d.create {
		title = "New key " + format.KeyName(d.target.key)
	}
	d.ed = dlg.NewEditor(a.dialogEnv(), title, text)
	if d.escaped {
		d.ed.Notes = []string{`bytes shown as escapes stay as they are: \t tab, \r CR, \xNN a byte, \\ a backslash`}
	}
	d.ed.Help = "ctrl+s save · esc cancel · the key's TTL is kept"
	if restarts {
		d.ed.Help = "ctrl+s save · esc cancel · saving restarts this key's TTL (the bucket's TTL counts from the write)"
	}
	if d.create {
		d.ed.Help = "ctrl+s create · esc cancel"
		if d.target.ttl > 0 {
			d.ed.Help += " · TTL " + backend.FormatTTL(d.target.ttl)
		}
	}
}

func (a *App) openInlineEdit() tea.Cmd {
	if !a.writable() {
		return nil
	}
	e := a.value.entry
	if e == nil || !a.value.hasKey {
		return nil
	}
	if e.Kind.IsCollection() {
		a.fail(fmt.Errorf("edit: %s values are edited element by element", e.Kind))
		return nil
	}
	if d := a.value.doc; e.Truncated || len(e.Value) > inlineLimit || d == nil || len(d.Chain()) > 1 || d.Shown() == format.Hex {
		// Binary bytes, and values shown through decoders (edited
		// decoded, see editInEditor), go to $EDITOR.
		return a.editInEditor()
	}
	a.dialog = newValueEditor(a, a.value.bucket, a.value.key, e, false, 0)
	return nil
}

func (d *valueEditor) update(a *App, msg tea.Msg) (modal, tea.Cmd) {
	act, cmd := d.ed.Update(a.dialogEnv(), msg)
	switch act := act.(type) {
	case dlg.Cancelled:
		return nil, cmd
	case dlg.Submitted:
		v, err := fromInline(act.Value, d.escaped)
		if err != nil {
			d.ed.SetError(err.Error())
			return d, cmd
		}
		if !d.create && string(v) == string(d.target.old) {
			a.inform("value unchanged; nothing saved")
			return nil, cmd
		}
		if !act.AsText && looksJSON(d.target.old, v) {
			if err := jsonError(v); err != nil {
				d.ed.SetError(err.Error() + " · ctrl+t saves it as text")
				return d, cmd
			}
		}
		return nil, tea.Batch(cmd, a.saveEdit(d.target, v, true, true))
	}
	return d, cmd
}

func (d *valueEditor) view(a *App) string { return d.ed.View(a.dialogEnv()) }
