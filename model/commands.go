package model

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/kvdeck/kvdeck/internal/shutdown"
	"github.com/kvdeck/kvdeck/ui/format"
)

// The store calls of the panes and dialogs. Each Cmd captures plain values
// (store, bucket, key, request id) when it is built, runs with a timeout,
// and answers with one message. Store calls live in Cmds only: here, in
// stream.go (listings, watches), valuesearch.go, elements.go, editor.go,
// history.go and bucketform.go.

func loadBucketsCmd(s backend.Store, req uint64, timeout time.Duration) tea.Cmd {
	return withTimeout(timeout, func(ctx context.Context) tea.Msg {
		bs, err := s.Buckets(ctx)
		return bucketsLoadedMsg{req: req, buckets: bs, err: err}
	})
}

func describeCmd(d backend.Describer, req uint64, timeout time.Duration, bucket string, rows []int, names []string) tea.Cmd {
	return withTimeout(timeout, func(ctx context.Context) tea.Msg {
		infos, err := d.Describe(ctx, bucket, names)
		return describedMsg{req: req, rows: rows, infos: infos, err: err}
	})
}

// loadEntryCmd reads a key and formats it off the UI path: pretty-printing a
// large JSON value takes real time.
func loadEntryCmd(s backend.Store, req uint64, timeout time.Duration, bucket, key string, maxBytes int64, mode format.Mode, decs *format.Decoders, user Decoding) tea.Cmd {
	store := s.Info().Kind
	return withTimeout(timeout, func(ctx context.Context) tea.Msg {
		e, err := s.Get(ctx, bucket, key, backend.GetOptions{MaxBytes: maxBytes})
		if err != nil {
			return entryLoadedMsg{req: req, key: key, err: err}
		}
		msg := entryLoadedMsg{req: req, key: key, entry: e, mode: mode}
		if !e.Kind.IsCollection() {
			if mode == format.Auto {
				mode = user.detected(ctx, store, bucket, key, e.Value)
			}
			msg.modes = decs.Available(e.Value, e.Truncated)
			opts := format.Options{Partial: e.Truncated, Decoders: decs}
			msg.doc, msg.fmErr = format.Build(e.Value, mode, opts)
			if msg.doc != nil {
				msg.mode = msg.doc.Mode()
			}
			if msg.fmErr != nil {
				msg.doc, _ = format.Build(e.Value, format.Text, format.Options{})
			}
		}
		return msg
	})
}

func buildDocCmd(req uint64, value []byte, partial bool, mode format.Mode, decs *format.Decoders) tea.Cmd {
	return func() tea.Msg {
		doc, err := format.Build(value, mode, format.Options{Partial: partial, Decoders: decs})
		return docBuiltMsg{req: req, doc: doc, mode: mode, err: err}
	}
}

func collectionPageCmd(c backend.Collections, req uint64, timeout time.Duration, bucket, key, cursor string) tea.Cmd {
	return withTimeout(timeout, func(ctx context.Context) tea.Msg {
		p, err := c.Elements(ctx, bucket, key, cursor, 200)
		return collectionPageMsg{req: req, page: p, err: err}
	})
}

func historyCmd(h backend.Historian, req uint64, timeout time.Duration, bucket, key string) tea.Cmd {
	return withTimeout(timeout, func(ctx context.Context) tea.Msg {
		es, err := h.History(ctx, bucket, key)
		return historyMsg{req: req, key: key, entries: es, err: err}
	})
}

// pendingPut is a value write the user asked for, kept so that a conflict
// can be retried as an overwrite of the version then shown, and so that a
// failed save can give the user's edit back (recover).
type pendingPut struct {
	bucket, key string
	value       []byte
	opts        backend.PutOptions
	what        string
	// recover, when set, is how the edit comes back if the write fails or
	// is cancelled (the inline editor reopens; an $EDITOR edit is kept in a
	// file).
	recover *editRecovery
}

// snapshotFor keeps a copy of a key for undo. kept is nil when the store
// cannot keep one (no Restorer, or the key is too large) and unkept says
// the latter; a missing key is not an error.
func snapshotFor(ctx context.Context, s backend.Store, bucket, key string) (kept *backend.Snapshot, unkept bool, err error) {
	r, ok := s.(backend.Restorer)
	if !ok {
		return nil, true, nil
	}
	snap, err := r.Snapshot(ctx, bucket, key)
	switch {
	case err == nil:
		return &snap, false, nil
	case errors.Is(err, backend.ErrNotFound):
		return nil, false, nil
	case errors.Is(err, backend.ErrUnsupported):
		return nil, true, nil
	}
	return nil, false, err
}

// putCmd writes a value. Before overwriting it keeps a copy of the key so
// the overwrite can be undone (conditionally: only while the key holds
// what was written); on a conflict it returns the store's current entry so
// the user can compare, and a retry conditional on that entry.
func putCmd(s backend.Store, timeout time.Duration, p pendingPut) tea.Cmd {
	return withTimeout(timeout, func(ctx context.Context) tea.Msg {
		msg := writeDoneMsg{from: s, op: p.what, bucket: p.bucket, keys: []string{p.key}, put: &p}
		var kept *backend.Snapshot
		unkept := false
		if !p.opts.IfAbsent {
			var err error
			if kept, unkept, err = snapshotFor(ctx, s, p.bucket, p.key); err != nil {
				msg.err = err
				return msg
			}
		}
		version, err := s.Put(ctx, p.bucket, p.key, p.value, p.opts)
		if errors.Is(err, backend.ErrConflict) {
			msg.err = err
			if cur, cerr := s.Get(ctx, p.bucket, p.key, backend.GetOptions{}); cerr == nil {
				msg.conflict = &cur
				// "Overwrite" overwrites what the dialog shows, and only that.
				retry := p
				retry.opts.IfVersion, retry.opts.IfAbsent = cur.Version, false
				msg.retry = &retry
			}
			return msg
		}
		if err != nil {
			msg.err = err
			return msg
		}
		msg.put = nil
		switch {
		case p.opts.IfVersion != "" && version == p.opts.IfVersion:
			msg.op = "unchanged: nothing written to " + format.KeyName(p.key)
		case kept != nil:
			msg.undo = &undoRecord{what: "overwrite of " + format.KeyName(p.key), bucket: p.bucket,
				steps: []undoStep{{key: p.key, restore: kept, cond: backend.RestoreOptions{IfVersion: version}}}}
		case p.opts.IfAbsent || !unkept:
			msg.added = []string{p.key}
			msg.undo = &undoRecord{what: "creation of " + format.KeyName(p.key), bucket: p.bucket,
				steps: []undoStep{{key: p.key, created: true, createdV: version}}}
		default:
			msg.op += " (too large to keep a copy: cannot be undone)"
		}
		return msg
	})
}

// bulkBudget is the time a bulk action may take per key on top of the
// normal timeout, so a large delete over a slow link is not cut short
// early; when it is cut short anyway, the count says how far it got.
const bulkBudget = 20 * time.Millisecond

// deleteCmd deletes keys, keeping a copy of each (any type, with its
// expiry instant) for undo. Each delete is conditional: on the version the
// user saw (one key) or on the copy just taken, so what is deleted is
// exactly what undo can put back. It always ends with a count of what was
// deleted, skipped and failed, even when cut short.
func deleteCmd(s backend.Store, timeout time.Duration, bucket string, keys []string, version string) tea.Cmd {
	return withTimeout(timeout+time.Duration(len(keys))*bulkBudget, func(ctx context.Context) tea.Msg {
		u := &undoRecord{bucket: bucket}
		msg := writeDoneMsg{from: s, bucket: bucket}
		var skipped, unkept int
		var failed []error
		for i, k := range keys {
			if ctx.Err() != nil {
				failed = append(failed, fmt.Errorf("%d not attempted: %w", len(keys)-i, ctx.Err()))
				break
			}
			kept, tooLarge, err := snapshotFor(ctx, s, bucket, k)
			if err != nil {
				failed = append(failed, fmt.Errorf("%s: %w", format.KeyName(k), err))
				continue
			}
			opts := backend.DeleteOptions{IfVersion: version}
			if len(keys) > 1 || version == "" {
				opts.IfVersion = ""
				if kept != nil {
					opts.IfVersion = kept.Version
				}
			}
			if kept == nil && !tooLarge {
				skipped++ // gone already
				continue
			}
			err = s.Delete(ctx, bucket, k, opts)
			switch {
			case errors.Is(err, backend.ErrNotFound):
				skipped++
				continue
			case errors.Is(err, backend.ErrConflict):
				skipped++
				if len(keys) == 1 {
					failed = append(failed, fmt.Errorf("not deleted: %s changed since it was shown: %w", format.KeyName(k), err))
				}
				continue
			case err != nil:
				failed = append(failed, fmt.Errorf("%s: %w", format.KeyName(k), err))
				continue
			}
			msg.keys = append(msg.keys, k)
			if kept != nil {
				u.steps = append(u.steps, undoStep{key: k, restore: kept, cond: backend.RestoreOptions{IfAbsent: true}})
			} else {
				unkept++
			}
		}
		msg.removed = msg.keys
		msg.op = deleteSummary(keys, len(msg.keys), skipped, unkept, failed)
		if len(u.steps) > 0 {
			u.what = fmt.Sprintf("delete of %d keys", len(u.steps))
			if len(keys) == 1 {
				u.what = "delete of " + format.KeyName(keys[0])
			}
			msg.undo = u
		}
		if len(failed) > 0 && len(msg.keys) == 0 {
			msg.err = errors.Join(failed...)
			if len(failed) > 1 {
				msg.err = fmt.Errorf("%s", msg.op)
			}
		}
		return msg
	})
}

// deleteSummary is the status line of a delete: what was done, skipped and
// failed, and what cannot be undone.
func deleteSummary(keys []string, done, skipped, unkept int, failed []error) string {
	if len(keys) == 1 && done == 1 {
		s := "deleted " + format.KeyName(keys[0])
		if unkept > 0 {
			s += " (too large to keep a copy: cannot be undone)"
		}
		return s
	}
	s := fmt.Sprintf("deleted %d of %d keys", done, len(keys))
	if skipped > 0 {
		s += fmt.Sprintf(", %d skipped (gone or changed since)", skipped)
	}
	if len(failed) > 0 {
		s += fmt.Sprintf(", failed: %v", errors.Join(failed...))
	}
	if unkept > 0 {
		s += fmt.Sprintf("; %d too large to keep a copy cannot be undone", unkept)
	}
	return strings.ReplaceAll(s, "\n", "; ")
}

// expireCmd sets, refreshes or removes a TTL. It reads the expiry back, so
// the status line says what the store applied, and keeps the old expiry
// instant for undo.
func expireCmd(s backend.Store, timeout time.Duration, bucket, key string, ttl time.Duration, what string) tea.Cmd {
	return withTimeout(timeout, func(ctx context.Context) tea.Msg {
		msg := writeDoneMsg{from: s, op: what, bucket: bucket, keys: []string{key}}
		old, err := s.Get(ctx, bucket, key, backend.GetOptions{MaxBytes: 1})
		if err != nil {
			msg.err = err
			return msg
		}
		if err := s.Expire(ctx, bucket, key, ttl); err != nil {
			msg.err = err
			return msg
		}
		now, err := s.Get(ctx, bucket, key, backend.GetOptions{MaxBytes: 1})
		if err != nil {
			msg.err = fmt.Errorf("the TTL was set, but reading it back failed: %w", err)
			return msg
		}
		msg.op = appliedTTL(key, ttl, now.ExpiresAt, what)
		msg.undo = &undoRecord{what: "TTL change of " + format.KeyName(key), bucket: bucket,
			steps: []undoStep{{key: key, expire: true, oldExpiry: old.ExpiresAt, setExpiry: now.ExpiresAt}}}
		return msg
	})
}

// appliedTTL says what the store did with a TTL when it differs from what
// was asked (a minimum, a bucket's own TTL winning).
func appliedTTL(key string, asked time.Duration, expires time.Time, what string) string {
	switch {
	case asked == 0 && !expires.IsZero():
		return fmt.Sprintf("%s: the store still expires it in %s (a TTL of the bucket)", what, backend.FormatTTL(time.Until(expires)))
	case asked == 0:
		return what
	case expires.IsZero():
		return fmt.Sprintf("TTL of %s: asked %s, but the store shows no expiry", format.KeyName(key), backend.FormatTTL(asked))
	}
	if left := time.Until(expires); left > asked+2*time.Second || left < asked-2*time.Second {
		return fmt.Sprintf("TTL of %s: asked %s, the store applied %s", format.KeyName(key), backend.FormatTTL(asked), backend.FormatTTL(left))
	}
	return what
}

func renameCmd(r backend.Renamer, timeout time.Duration, bucket, from, to string) tea.Cmd {
	return withTimeout(timeout, func(ctx context.Context) tea.Msg {
		err := r.Rename(ctx, bucket, from, to)
		msg := writeDoneMsg{from: r, op: "renamed " + format.Escape(from) + " → " + format.Escape(to), bucket: bucket, keys: []string{from, to}, err: err}
		if err == nil {
			msg.removed, msg.added = []string{from}, []string{to}
			msg.undo = &undoRecord{what: msg.op, bucket: bucket, steps: []undoStep{{key: to, renameTo: from}}}
		}
		return msg
	})
}

// undoCmd applies an undo record; force applies the steps the user agreed
// to have overwrite what the keys hold now.
func undoCmd(s backend.Store, timeout time.Duration, u *undoRecord, force bool) tea.Cmd {
	n := len(u.steps) + len(u.expiries) + len(u.copies)
	return withTimeout(timeout+time.Duration(n)*bulkBudget, func(ctx context.Context) tea.Msg {
		r := u.apply(ctx, s, force)
		msg := writeDoneMsg{from: s, op: r.describe(u.what, n), bucket: u.bucket, keys: u.keys()}
		msg.removed, msg.added = r.removed, r.added
		if len(r.failed) > 0 && r.done == 0 && len(r.conflicts) == 0 {
			msg.err = fmt.Errorf("%s", msg.op)
		}
		if len(r.conflicts) > 0 {
			msg.undoConflicts = &undoRecord{what: u.what, bucket: u.bucket}
			msg.undoConflictList = r.conflicts
			for _, c := range r.conflicts {
				msg.undoConflicts.steps = append(msg.undoConflicts.steps, c.step)
			}
		}
		return msg
	})
}

// withTimeout is the Cmd of one store call: f runs off the UI path with a
// context that ends after timeout, and its message is the answer.
func withTimeout(timeout time.Duration, f func(ctx context.Context) tea.Msg) tea.Cmd {
	return func() tea.Msg {
		if shutdown.Stopping() {
			return nil // kvdeck is ending on a signal: start nothing new
		}
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		return f(ctx)
	}
}
