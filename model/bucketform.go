package model

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/kvdeck/kvdeck/backend"
	dlg "github.com/kvdeck/kvdeck/model/dialog"
	"github.com/kvdeck/kvdeck/ui/format"
)

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
		a.fail(fmt.Errorf("bucket admin: %w (Redis databases are fixed by the server)", backend.ErrUnsupported))
		return nil
	}
	if !a.writable() {
		return nil
	}
	if b == nil {
		a.dialog = &bucketFormHost{form: dlg.NewBucketForm()}
		return nil
	}
	if b.ReadOnly != "" {
		a.fail(fmt.Errorf("bucket %s: %w: %s", format.Escape(b.Name), backend.ErrUnsupported, b.ReadOnly))
		return nil
	}
	if b.Config == nil {
		a.fail(fmt.Errorf("bucket %s has no editable configuration", format.Escape(b.Name)))
		return nil
	}
	a.dialog = &bucketFormHost{form: dlg.EditBucketForm(b.Name)}
	return readBucketCmd(a.store, a.opts.Timeout, b.Name)
}

// bucketFormHost shows the bucket form of package dialog: it hands the
// form the configuration read when an edit opens, writes what the form
// saves, and reports the outcome back to it.
type bucketFormHost struct{ form *dlg.BucketForm }

func (h *bucketFormHost) update(a *App, msg tea.Msg) (modal, tea.Cmd) {
	switch msg := msg.(type) {
	case bucketFormLoadedMsg:
		if msg.name == h.form.Name() {
			failure := ""
			if msg.err != nil {
				failure = describeError(msg.err)
			}
			h.form.Loaded(msg.bucket, failure)
		}
		return h, nil
	case bucketFormSavedMsg:
		if !h.form.Saving() {
			return h, nil
		}
		if msg.err != nil {
			h.form.SaveFailed(saveError(msg.err))
			return h, nil
		}
		text := msg.text
		return nil, func() tea.Msg { return bucketChangedMsg{text: text} }
	}
	act, cmd := h.form.Update(a.dialogEnv(), msg)
	switch act := act.(type) {
	case dlg.Cancelled:
		return nil, cmd
	case dlg.SaveBucket:
		return h, tea.Batch(cmd, saveBucketCmd(a.store.(backend.BucketAdmin), a.opts.Timeout, act.Seen, act.Config))
	}
	return h, cmd
}

func (h *bucketFormHost) view(a *App) string { return h.form.View(a.dialogEnv()) }

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
