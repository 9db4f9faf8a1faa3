package model

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/kvdeck/kvdeck/ui/format"
)

// bucketForm creates or edits a bucket with the options of the platform KV
// spec (shared/seeds/001). Each field is checked on save and the reason for
// a refusal names the field.
type bucketForm struct {
	edit   bool
	fields []formField
	focus  int
	err    string
}

type formField struct {
	label, hint string
	input       textinput.Model
}

// bucketFieldLabels are the form's rows, in order.
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
	{"metadata", "key=value, comma separated"},
}

func (a *App) openBucketForm(b *backend.Bucket) tea.Cmd {
	if _, ok := a.store.(backend.BucketAdmin); !ok {
		a.status.fail(a, fmt.Errorf("bucket admin: %w (Redis databases are fixed by the server)", backend.ErrUnsupported))
		return nil
	}
	if !a.writable() {
		return nil
	}
	cfg := backend.BucketConfig{History: 1, Storage: "file", Replicas: 1}
	if b != nil {
		if b.Config == nil {
			a.status.fail(a, fmt.Errorf("bucket %s has no editable configuration", format.Escape(b.Name)))
			return nil
		}
		cfg = *b.Config
	}
	f := &bucketForm{edit: b != nil}
	values := []string{cfg.Name, cfg.Description, ttlField(cfg.TTL), strconv.Itoa(max(cfg.History, 1)),
		strconv.FormatInt(max(cfg.MaxBytes, 0), 10), strconv.FormatInt(int64(max(cfg.MaxValueSize, 0)), 10),
		cfg.Storage, strconv.Itoa(max(cfg.Replicas, 1)), yesNo(cfg.Compression), yesNo(cfg.KeyTTL), metadataField(cfg.Metadata)}
	for i, l := range bucketFieldLabels {
		in := textinput.New()
		in.Prompt = ""
		in.SetValue(values[i])
		in.SetWidth(30)
		f.fields = append(f.fields, formField{label: l.label, hint: l.hint, input: in})
	}
	if f.edit {
		f.focus = 1 // a bucket's name cannot change
	}
	f.fields[f.focus].input.Focus()
	a.dialog = f
	return nil
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

func metadataField(m map[string]string) string {
	var parts []string
	for k, v := range m {
		parts = append(parts, k+"="+v)
	}
	return strings.Join(parts, ",")
}

func (f *bucketForm) update(a *App, msg tea.Msg) (dialog, tea.Cmd) {
	if k, ok := msg.(tea.KeyPressMsg); ok {
		switch k.String() {
		case "esc":
			return nil, nil
		case "tab", "down":
			f.move(a, 1)
			return f, nil
		case "shift+tab", "up":
			f.move(a, -1)
			return f, nil
		case "enter", "ctrl+s":
			cfg, err := f.config()
			if err != nil {
				f.err = describeError(err)
				return f, nil
			}
			return nil, f.save(a, cfg)
		}
	}
	var cmd tea.Cmd
	f.fields[f.focus].input, cmd = f.fields[f.focus].input.Update(msg)
	return f, cmd
}

func (f *bucketForm) move(a *App, d int) {
	f.fields[f.focus].input.Blur()
	first := 0
	if f.edit {
		first = 1
	}
	n := len(f.fields) - first
	f.focus = first + ((f.focus-first+d)%n+n)%n
	f.fields[f.focus].input.Focus()
}

// config parses and checks every field.
func (f *bucketForm) config() (backend.BucketConfig, error) {
	v := func(i int) string { return strings.TrimSpace(f.fields[i].input.Value()) }
	var cfg backend.BucketConfig
	var err error
	cfg.Name, cfg.Description = v(0), v(1)
	if err := backend.ValidateBucketName(cfg.Name); err != nil {
		return cfg, err
	}
	if cfg.TTL, err = backend.ParseTTL(v(2)); err != nil {
		return cfg, err
	}
	if cfg.History, err = strconv.Atoi(v(3)); err != nil {
		return cfg, backend.Invalid("history", "%q is not a number", v(3))
	}
	if err := backend.ValidateHistory(cfg.History); err != nil {
		return cfg, err
	}
	if cfg.MaxBytes, err = strconv.ParseInt(v(4), 10, 64); err != nil || cfg.MaxBytes < 0 {
		return cfg, backend.Invalid("max bytes", "%q is not a size in bytes", v(4))
	}
	mv, err := strconv.ParseInt(v(5), 10, 32)
	if err != nil || mv < 0 {
		return cfg, backend.Invalid("max value size", "%q is not a size in bytes", v(5))
	}
	cfg.MaxValueSize = int32(mv)
	switch cfg.Storage = v(6); cfg.Storage {
	case "file", "memory":
	default:
		return cfg, backend.Invalid("storage", "%q: use file or memory", cfg.Storage)
	}
	if cfg.Replicas, err = strconv.Atoi(v(7)); err != nil || cfg.Replicas < 1 || cfg.Replicas > 5 {
		return cfg, backend.Invalid("replicas", "%q: use 1 to 5", v(7))
	}
	if cfg.Compression, err = parseYesNo("compression", v(8)); err != nil {
		return cfg, err
	}
	if cfg.KeyTTL, err = parseYesNo("per-key ttl", v(9)); err != nil {
		return cfg, err
	}
	if m := v(10); m != "" {
		cfg.Metadata = map[string]string{}
		for _, kv := range strings.Split(m, ",") {
			k, val, ok := strings.Cut(kv, "=")
			if !ok || strings.TrimSpace(k) == "" {
				return cfg, backend.Invalid("metadata", "%q: write key=value pairs separated by commas", kv)
			}
			cfg.Metadata[strings.TrimSpace(k)] = strings.TrimSpace(val)
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

func (f *bucketForm) save(a *App, cfg backend.BucketConfig) tea.Cmd {
	ad := a.store.(backend.BucketAdmin)
	edit, timeout := f.edit, a.opts.Timeout
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		if edit {
			if err := ad.UpdateBucket(ctx, cfg, cfg); err != nil {
				return statusMsg{err: err}
			}
			return bucketChangedMsg{text: "updated bucket " + cfg.Name}
		}
		if err := ad.CreateBucket(ctx, cfg); err != nil {
			return statusMsg{err: err}
		}
		return bucketChangedMsg{text: "created bucket " + cfg.Name}
	}
}

func (f *bucketForm) view(a *App) string {
	title := "New bucket"
	if f.edit {
		title = "Edit bucket " + format.Escape(f.fields[0].input.Value())
	}
	var lines []string
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
	if f.err != "" {
		lines = append(lines, "", a.st.StatusError.Render(f.err))
	}
	lines = append(lines, "", a.st.Muted.Render("tab/↑↓ move · enter save · esc cancel · options the store lacks are ignored"))
	return a.box(title, lines...)
}
