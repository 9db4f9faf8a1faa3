package dialog

import (
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

// BucketForm creates or edits a bucket with the options of the platform KV
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
//
// The form reads and writes nothing itself: a save that passes the checks
// is a SaveBucket action, and the caller reports back with Loaded and
// SaveFailed.
type BucketForm struct {
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

// SaveBucket: the user saved settings that pass the form's checks. Seen is
// the configuration the edit started from (nil for a new bucket): the
// caller writes with UpdateBucket(Seen, Config), which applies only what
// changed and refuses if the bucket changed meanwhile.
type SaveBucket struct {
	Seen   *backend.BucketConfig
	Config backend.BucketConfig
}

func (SaveBucket) action() {}

// NewBucketForm is the form for a new bucket, filled with defaults.
func NewBucketForm() *BucketForm {
	f := &BucketForm{}
	f.fill(backend.BucketConfig{History: 1, Storage: "file", Replicas: 1})
	return f
}

// EditBucketForm is the form for bucket name, waiting for Loaded.
func EditBucketForm(name string) *BucketForm {
	return &BucketForm{edit: true, name: name, loading: true}
}

// Name is the bucket edited ("" for a new one).
func (f *BucketForm) Name() string { return f.name }

// Loaded fills an edit from the bucket as read now; failure (why it could
// not be read) leaves only esc.
func (f *BucketForm) Loaded(b backend.Bucket, failure string) {
	if !f.loading {
		return
	}
	f.loading = false
	switch {
	case failure != "":
		f.broken, f.err = true, "cannot read the bucket's settings: "+failure
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
}

// SaveFailed keeps the form open after a refused save, every field as
// typed, with why.
func (f *BucketForm) SaveFailed(why string) {
	f.saving, f.err = false, why
}

// Saving reports whether a save is under way.
func (f *BucketForm) Saving() bool { return f.saving }

// Update moves between fields, edits them, and saves with enter (ctrl+s
// in the metadata box, where enter is a new line).
func (f *BucketForm) Update(env Env, msg tea.Msg) (Action, tea.Cmd) {
	k, isKey := msg.(tea.KeyPressMsg)
	if isKey && k.String() == "esc" {
		return Cancelled{}, nil
	}
	if f.loading || f.broken || f.saving {
		return nil, nil
	}
	if isKey {
		switch k.String() {
		case "tab":
			return nil, f.move(1)
		case "shift+tab":
			return nil, f.move(-1)
		case "down", "up":
			if !f.onMetadata() {
				d := 1
				if k.String() == "up" {
					d = -1
				}
				return nil, f.move(d)
			}
		case "ctrl+s":
			return f.save(), nil
		case "enter":
			if !f.onMetadata() {
				return f.save(), nil
			}
		}
	}
	var cmd tea.Cmd
	if f.onMetadata() {
		f.meta, cmd = f.meta.Update(msg)
	} else {
		f.fields[f.focus].input, cmd = f.fields[f.focus].input.Update(msg)
	}
	return nil, cmd
}

// save checks the fields: a refusal names the field and keeps the form
// open; settings that pass are the caller's to write, and the form waits
// for the outcome.
func (f *BucketForm) save() Action {
	cfg, err := f.config()
	if err != nil {
		f.err = format.Escape(strings.ReplaceAll(err.Error(), "\n", " "))
		return nil
	}
	f.err, f.saving = "", true
	return SaveBucket{Seen: f.seen, Config: cfg}
}

// fill sets every field from cfg and remembers the text, so that a field
// the user leaves alone keeps cfg's value exactly.
func (f *BucketForm) fill(cfg backend.BucketConfig) {
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

func (f *BucketForm) onMetadata() bool { return f.focus == len(f.fields) }

// move focuses the next (d=1) or previous (d=-1) field; the metadata box
// comes last.
func (f *BucketForm) move(d int) tea.Cmd {
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

// config parses and checks every field. In an edit it starts from seen,
// and a field whose text is as filled in keeps seen's value, so settings
// the form does not show (a marker TTL) or shows rounded (unlimited as 0)
// reach UpdateBucket unchanged.
func (f *BucketForm) config() (backend.BucketConfig, error) {
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

func (f *BucketForm) View(env Env) string {
	st := env.Styles
	title := "New bucket"
	if f.edit {
		title = "Edit bucket " + format.Escape(f.name)
	}
	var lines []string
	if f.loading {
		lines = append(lines, st.Muted.Render("reading the bucket's current settings…"))
	}
	if !f.loading && !f.broken {
		for i, fl := range f.fields {
			label := st.MetaLabel.Render(fmt.Sprintf("%-15s", fl.label))
			if i == f.focus {
				label = st.HelpKey.Render(fmt.Sprintf("%-15s", fl.label))
			}
			line := label + fl.input.View()
			if i == f.focus && fl.hint != "" {
				line += "  " + st.Muted.Render(fl.hint)
			}
			lines = append(lines, line)
		}
		label := st.MetaLabel.Render("metadata")
		if f.onMetadata() {
			label = st.HelpKey.Render("metadata")
		}
		lines = append(lines, label, f.meta.View())
		if f.onMetadata() {
			lines = append(lines, st.Muted.Render(metadataHint))
		}
	}
	if f.saving {
		lines = append(lines, "", st.Muted.Render("saving…"))
	}
	if f.err != "" {
		lines = append(lines, "", st.StatusError.Render(f.err))
	}
	help := "tab move · enter save (ctrl+s in metadata) · esc cancel · options the store lacks are ignored"
	if f.loading || f.broken {
		help = "esc close"
	}
	lines = append(lines, "", st.Muted.Render(help))
	return env.Box(title, lines...)
}
