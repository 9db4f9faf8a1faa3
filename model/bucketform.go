package model

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/textarea"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/kvdeck/kvdeck/ui/format"
)

// bucketForm creates or edits a bucket with the options of the platform KV
// spec (shared/seeds/001). Each field is checked on save and the reason for
// a refusal names the field.
//
// An edit starts from the bucket's configuration read from the store when
// the form opens (never from the cached listing, which may be older than an
// edit made with another tool), keeps it as seen, and saves with
// UpdateBucket(seen, cfg): the store applies only what the user changed,
// and refuses with a conflict listing the differences if the bucket changed
// meanwhile. A field left as it was filled in keeps seen's value exactly.
// A failed save keeps the form open with every field as typed.
type bucketForm struct {
	edit bool
	name string // the bucket edited

	loading bool // reading the bucket's configuration
	broken  bool // the read failed: only esc is left
	saving  bool

	seen    *backend.BucketConfig // edit: the configuration read on open
	initial []string              // each field's text as filled in
	fields  []formField
	meta    textarea.Model // metadata, one key=value per line
	metaAt  string         // the metadata text as filled in
	focus   int            // an index in fields, or len(fields): metadata
	err     string
}

type formField struct {
	label, hint string
	input       textinput.Model
}

// bucketFieldLabels are the form's one-line rows, in order; the metadata
// box follows them.
var bucketFieldLabels = []struct{ label, hint string }{
	{"name", "letters, digits, - and _"},
	{"description", ""},
	{"ttl", "default TTL of values: 0, 90s, 15m, 36h, 7d"},
	{"history", "revisions kept per key, 1..64"},
	{"max bytes", "0 = unlimited"},
	{"max value size", "bytes, 0 = unlimited"},
	{"storage", "file or memory (NATS)"},
	{"replicas", "1..5 (NATS)"},
	{"compression", "yes or no (NATS)"},
	{"per-key ttl", "yes or no: allow a TTL on each key (NATS)"},
}

const metadataHint = `one key=value per line; the value is the rest of the line, commas and = included; \n is a newline, \\ a backslash, \= an = in a key`

// bucketFormLoadedMsg carries the configuration read for the form.
type bucketFormLoadedMsg struct {
	name   string
	bucket backend.Bucket
	err    error
}

// bucketFormSavedMsg is the outcome of a save.
type bucketFormSavedMsg struct {
	text string
	err  error
}

func (a *App) openBucketForm(b *backend.Bucket) tea.Cmd {
	if _, ok := a.store.(backend.BucketAdmin); !ok {
		a.status.fail(a, fmt.Errorf("bucket admin: %w (Redis databases are fixed by the server)", backend.ErrUnsupported))
		return nil
	}
	if !a.writable() {
		return nil
	}
	if b == nil {
		f := &bucketForm{}
		f.fill(backend.BucketConfig{History: 1, Storage: "file", Replicas: 1})
		a.dialog = f
		return nil
	}
	if b.ReadOnly != "" {
		a.status.fail(a, fmt.Errorf("bucket %s: %w: %s", format.Escape(b.Name), backend.ErrUnsupported, b.ReadOnly))
		return nil
	}
	if b.Config == nil {
		a.status.fail(a, fmt.Errorf("bucket %s has no editable configuration", format.Escape(b.Name)))
		return nil
	}
	a.dialog = &bucketForm{edit: true, name: b.Name, loading: true}
	return readBucketCmd(a.store, a.opts.Timeout, b.Name)
}

// readBucketCmd reads the bucket's current configuration for the form.
func readBucketCmd(s backend.Store, timeout time.Duration, name string) tea.Cmd {
	return withTimeout(timeout, func(ctx context.Context) tea.Msg {
		buckets, err := s.Buckets(ctx)
		if err != nil {
			return bucketFormLoadedMsg{name: name, err: err}
		}
		for _, b := range buckets {
			if b.Name == name {
				return bucketFormLoadedMsg{name: name, bucket: b}
			}
		}
		return bucketFormLoadedMsg{name: name, err: fmt.Errorf("bucket %s: %w (deleted elsewhere?)", name, backend.ErrNotFound)}
	})
}

// fill sets every field from cfg and remembers the text, so that a field
// the user leaves alone keeps cfg's value exactly.
func (f *bucketForm) fill(cfg backend.BucketConfig) {
	values := []string{cfg.Name, cfg.Description, ttlField(cfg.TTL), strconv.Itoa(max(cfg.History, 1)),
		strconv.FormatInt(max(cfg.MaxBytes, 0), 10), strconv.FormatInt(int64(max(cfg.MaxValueSize, 0)), 10),
		cfg.Storage, strconv.Itoa(max(cfg.Replicas, 1)), yesNo(cfg.Compression), yesNo(cfg.KeyTTL)}
	f.fields = f.fields[:0]
	for i, l := range bucketFieldLabels {
		in := textinput.New()
		in.Prompt = ""
		in.SetValue(values[i])
		in.SetWidth(30)
		f.fields = append(f.fields, formField{label: l.label, hint: l.hint, input: in})
	}
	f.initial = values
	f.meta = textarea.New()
	f.meta.Prompt = ""
	f.meta.ShowLineNumbers = false
	f.meta.SetWidth(46)
	f.meta.SetHeight(4)
	f.metaAt = formatMetadata(cfg.Metadata)
	f.meta.SetValue(f.metaAt)
	f.focus = 0
	if f.edit {
		f.focus = 1 // a bucket's name cannot change
	}
	f.fields[f.focus].input.Focus()
}

func ttlField(d time.Duration) string {
	if d == 0 {
		return "0"
	}
	return d.String()
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func (f *bucketForm) update(a *App, msg tea.Msg) (modal, tea.Cmd) {
	switch msg := msg.(type) {
	case bucketFormLoadedMsg:
		if !f.loading || msg.name != f.name {
			return f, nil
		}
		f.loading = false
		switch b := msg.bucket; {
		case msg.err != nil:
			f.broken, f.err = true, "cannot read the bucket's settings: "+describeError(msg.err)
		case b.ReadOnly != "":
			f.broken, f.err = true, "read-only: "+format.Escape(b.ReadOnly)
		case b.Config == nil:
			f.broken, f.err = true, "this bucket has no editable configuration"
		default:
			seen := *b.Config
			seen.Metadata = maps.Clone(seen.Metadata)
			f.seen = &seen
			f.fill(seen)
		}
		return f, nil
	case bucketFormSavedMsg:
		if !f.saving {
			return f, nil
		}
		f.saving = false
		if msg.err != nil {
			f.err = saveError(msg.err)
			return f, nil
		}
		text := msg.text
		return nil, func() tea.Msg { return bucketChangedMsg{text: text} }
	case tea.KeyPressMsg:
		if msg.String() == "esc" {
			return nil, nil
		}
		if f.loading || f.broken || f.saving {
			return f, nil
		}
		switch msg.String() {
		case "tab":
			return f, f.move(1)
		case "shift+tab":
			return f, f.move(-1)
		case "down", "up":
			if !f.onMetadata() {
				d := 1
				if msg.String() == "up" {
					d = -1
				}
				return f, f.move(d)
			}
		case "ctrl+s":
			return f, f.save(a)
		case "enter":
			if !f.onMetadata() {
				return f, f.save(a)
			}
		}
	}
	if f.loading || f.broken || f.saving {
		return f, nil
	}
	var cmd tea.Cmd
	if f.onMetadata() {
		f.meta, cmd = f.meta.Update(msg)
	} else {
		f.fields[f.focus].input, cmd = f.fields[f.focus].input.Update(msg)
	}
	return f, cmd
}

func (f *bucketForm) onMetadata() bool { return f.focus == len(f.fields) }

// move focuses the next (d=1) or previous (d=-1) field; the metadata box
// comes last.
func (f *bucketForm) move(d int) tea.Cmd {
	if f.onMetadata() {
		f.meta.Blur()
	} else {
		f.fields[f.focus].input.Blur()
	}
	first := 0
	if f.edit {
		first = 1
	}
	n := len(f.fields) + 1 - first
	f.focus = first + ((f.focus-first+d)%n+n)%n
	if f.onMetadata() {
		return f.meta.Focus()
	}
	return f.fields[f.focus].input.Focus()
}

// save checks the fields and starts the write; the form stays open until
// the outcome arrives, and stays open with the error if it failed.
func (f *bucketForm) save(a *App) tea.Cmd {
	cfg, err := f.config()
	if err != nil {
		f.err = describeError(err)
		return nil
	}
	f.err, f.saving = "", true
	return saveBucketCmd(a.store.(backend.BucketAdmin), a.opts.Timeout, f.seen, cfg)
}

// saveBucketCmd creates (seen nil) or updates the bucket.
func saveBucketCmd(ad backend.BucketAdmin, timeout time.Duration, seen *backend.BucketConfig, cfg backend.BucketConfig) tea.Cmd {
	var was backend.BucketConfig
	edit := seen != nil
	if edit {
		was = *seen
	}
	return withTimeout(timeout, func(ctx context.Context) tea.Msg {
		if edit {
			if err := ad.UpdateBucket(ctx, was, cfg); err != nil {
				return bucketFormSavedMsg{err: err}
			}
			return bucketFormSavedMsg{text: "updated bucket " + cfg.Name}
		}
		if err := ad.CreateBucket(ctx, cfg); err != nil {
			return bucketFormSavedMsg{err: err}
		}
		return bucketFormSavedMsg{text: "created bucket " + cfg.Name}
	})
}

// saveError says why a save failed. A conflict keeps the store's message,
// which lists each setting changed elsewhere with its value now and as
// the form was filled.
func saveError(err error) string {
	if errors.Is(err, backend.ErrConflict) {
		return format.Escape(strings.ReplaceAll(err.Error(), "\n", " ")) +
			" — esc and edit again to start from the current settings"
	}
	return describeError(err)
}

// config parses and checks every field. In an edit it starts from seen,
// and a field whose text is as filled in keeps seen's value, so settings
// the form does not show (a marker TTL) or shows rounded (unlimited as 0)
// reach UpdateBucket unchanged.
func (f *bucketForm) config() (backend.BucketConfig, error) {
	var cfg backend.BucketConfig
	if f.seen != nil {
		cfg = *f.seen
		cfg.Metadata = maps.Clone(f.seen.Metadata)
	}
	v := func(i int) string { return strings.TrimSpace(f.fields[i].input.Value()) }
	changed := func(i int) bool { return f.seen == nil || f.fields[i].input.Value() != f.initial[i] }
	var err error
	if changed(0) {
		cfg.Name = v(0)
	}
	if err := backend.ValidateBucketName(cfg.Name); err != nil {
		return cfg, err
	}
	if changed(1) {
		cfg.Description = v(1)
	}
	if changed(2) {
		if cfg.TTL, err = backend.ParseTTL(v(2)); err != nil {
			return cfg, err
		}
	}
	if changed(3) {
		if cfg.History, err = strconv.Atoi(v(3)); err != nil {
			return cfg, backend.Invalid("history", "%q is not a number", v(3))
		}
		if err := backend.ValidateHistory(cfg.History); err != nil {
			return cfg, err
		}
	}
	if changed(4) {
		if cfg.MaxBytes, err = strconv.ParseInt(v(4), 10, 64); err != nil || cfg.MaxBytes < 0 {
			return cfg, backend.Invalid("max bytes", "%q is not a size in bytes", v(4))
		}
	}
	if changed(5) {
		mv, err := strconv.ParseInt(v(5), 10, 32)
		if err != nil || mv < 0 {
			return cfg, backend.Invalid("max value size", "%q is not a size in bytes", v(5))
		}
		cfg.MaxValueSize = int32(mv)
	}
	if changed(6) {
		switch cfg.Storage = strings.ToLower(v(6)); cfg.Storage {
		case "file", "memory":
		default:
			return cfg, backend.Invalid("storage", "%q: use file or memory", v(6))
		}
	}
	if changed(7) {
		if cfg.Replicas, err = strconv.Atoi(v(7)); err != nil || cfg.Replicas < 1 || cfg.Replicas > 5 {
			return cfg, backend.Invalid("replicas", "%q: use 1 to 5", v(7))
		}
	}
	if changed(8) {
		if cfg.Compression, err = parseYesNo("compression", v(8)); err != nil {
			return cfg, err
		}
	}
	if changed(9) {
		if cfg.KeyTTL, err = parseYesNo("per-key ttl", v(9)); err != nil {
			return cfg, err
		}
	}
	if f.seen == nil || f.meta.Value() != f.metaAt {
		if cfg.Metadata, err = parseMetadata(f.meta.Value()); err != nil {
			return cfg, err
		}
	}
	return cfg, nil
}

func parseYesNo(field, s string) (bool, error) {
	switch strings.ToLower(s) {
	case "yes", "y", "true", "on":
		return true, nil
	case "no", "n", "false", "off", "":
		return false, nil
	}
	return false, backend.Invalid(field, "%q: answer yes or no", s)
}

// formatMetadata writes metadata one key=value per line, sorted by key,
// escaped so that parseMetadata reads back exactly the same map: a
// backslash as \\, a newline as \n, and an = in a key as \=.
func formatMetadata(m map[string]string) string {
	lines := make([]string, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		lines = append(lines, escapeMeta(k, true)+"="+escapeMeta(m[k], false))
	}
	return strings.Join(lines, "\n")
}

func escapeMeta(s string, key bool) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '=' && key:
			b.WriteString(`\=`)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// parseMetadata reads formatMetadata's text: each non-blank line is a key,
// an = and the value (the rest of the line, commas and = included). Space
// around the key is dropped; the value is kept as typed.
func parseMetadata(text string) (map[string]string, error) {
	var m map[string]string
	for n, line := range strings.Split(text, "\n") {
		line = strings.TrimSuffix(line, "\r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		key, value, ok := splitMeta(line)
		key = strings.TrimSpace(key)
		if !ok || key == "" {
			return nil, backend.Invalid("metadata", "line %d %q: write key=value", n+1, line)
		}
		if _, dup := m[key]; dup {
			return nil, backend.Invalid("metadata", "line %d: key %q appears twice", n+1, key)
		}
		if m == nil {
			m = map[string]string{}
		}
		m[key] = value
	}
	return m, nil
}

// splitMeta cuts a line at its first unescaped = and unescapes both sides.
func splitMeta(line string) (key, value string, ok bool) {
	var b strings.Builder
	rs := []rune(line)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		if r == '\\' && i+1 < len(rs) {
			switch rs[i+1] {
			case '\\':
				b.WriteRune('\\')
				i++
				continue
			case 'n':
				b.WriteRune('\n')
				i++
				continue
			case '=':
				if !ok {
					b.WriteRune('=')
					i++
					continue
				}
			}
		}
		if r == '=' && !ok {
			key, ok = b.String(), true
			b.Reset()
			continue
		}
		b.WriteRune(r)
	}
	if !ok {
		return b.String(), "", false
	}
	return key, b.String(), true
}

func (f *bucketForm) view(a *App) string {
	title := "New bucket"
	if f.edit {
		title = "Edit bucket " + format.Escape(f.name)
	}
	var lines []string
	if f.loading {
		lines = append(lines, a.st.Muted.Render("reading the bucket's current settings…"))
	}
	if !f.loading && !f.broken {
		for i, fl := range f.fields {
			label := a.st.MetaLabel.Render(fmt.Sprintf("%-15s", fl.label))
			if i == f.focus {
				label = a.st.HelpKey.Render(fmt.Sprintf("%-15s", fl.label))
			}
			line := label + fl.input.View()
			if i == f.focus && fl.hint != "" {
				line += "  " + a.st.Muted.Render(fl.hint)
			}
			lines = append(lines, line)
		}
		label := a.st.MetaLabel.Render("metadata")
		if f.onMetadata() {
			label = a.st.HelpKey.Render("metadata")
		}
		lines = append(lines, label, f.meta.View())
		if f.onMetadata() {
			lines = append(lines, a.st.Muted.Render(metadataHint))
		}
	}
	if f.saving {
		lines = append(lines, "", a.st.Muted.Render("saving…"))
	}
	if f.err != "" {
		lines = append(lines, "", a.st.StatusError.Render(f.err))
	}
	help := "tab move · enter save (ctrl+s in metadata) · esc cancel · options the store lacks are ignored"
	if f.loading || f.broken {
		help = "esc close"
	}
	lines = append(lines, "", a.st.Muted.Render(help))
	return a.box(title, lines...)
}
