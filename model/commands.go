package model

import (
	"context"
	"errors"
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/kvdeck/kvdeck/ui/format"
)

// The commands in this file are the only code that calls a store. Each
// captures plain values (store, bucket, key, request id) when it is built,
// runs with a timeout, and answers with one message.

func (a *App) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), a.opts.Timeout)
}

func loadBucketsCmd(s backend.Store, req uint64, timeout time.Duration) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		bs, err := s.Buckets(ctx)
		return bucketsLoadedMsg{req: req, buckets: bs, err: err}
	}
}

func describeCmd(d backend.Describer, req uint64, timeout time.Duration, bucket string, rows []int, names []string) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		infos, err := d.Describe(ctx, bucket, names)
		return describedMsg{req: req, rows: rows, infos: infos, err: err}
	}
}

// loadEntryCmd reads a key and formats it off the UI path: pretty-printing a
// large JSON value takes real time.
func loadEntryCmd(s backend.Store, req uint64, timeout time.Duration, bucket, key string, maxBytes int64, mode format.Mode) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		e, err := s.Get(ctx, bucket, key, backend.GetOptions{MaxBytes: maxBytes})
		if err != nil {
			return entryLoadedMsg{req: req, key: key, err: err}
		}
		msg := entryLoadedMsg{req: req, key: key, entry: e, mode: mode}
		if !e.Kind.IsCollection() {
			if mode == format.Auto {
				msg.mode = format.Detect(e.Value)
			}
			msg.doc, msg.fmErr = format.Build(e.Value, msg.mode, format.Options{Partial: e.Truncated})
			if msg.fmErr != nil {
				msg.doc, _ = format.Build(e.Value, format.Text, format.Options{})
			}
		}
		return msg
	}
}

func buildDocCmd(req uint64, value []byte, partial bool, mode format.Mode) tea.Cmd {
	return func() tea.Msg {
		doc, err := format.Build(value, mode, format.Options{Partial: partial})
		return docBuiltMsg{req: req, doc: doc, mode: mode, err: err}
	}
}

func collectionPageCmd(c backend.Collections, req uint64, timeout time.Duration, bucket, key, cursor string) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		p, err := c.Elements(ctx, bucket, key, cursor, 200)
		return collectionPageMsg{req: req, page: p, err: err}
	}
}

func historyCmd(h backend.Historian, req uint64, timeout time.Duration, bucket, key string) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		es, err := h.History(ctx, bucket, key)
		return historyMsg{req: req, key: key, entries: es, err: err}
	}
}

// pendingPut is a value write the user asked for, kept so a conflict can be
// retried as an overwrite.
type pendingPut struct {
	bucket, key string
	value       []byte
	opts        backend.PutOptions
	what        string
}

// putCmd writes a value. Before overwriting it takes the old value and TTL
// so the overwrite can be undone; on a conflict it returns the store's
// current entry so the user can compare.
func putCmd(s backend.Store, timeout time.Duration, p pendingPut) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		msg := writeDoneMsg{op: p.what, bucket: p.bucket, keys: []string{p.key}}
		old, gerr := s.Get(ctx, p.bucket, p.key, backend.GetOptions{MaxBytes: -1})
		existed := gerr == nil
		if gerr != nil && !errors.Is(gerr, backend.ErrNotFound) {
			msg.err = gerr
			return msg
		}
		_, err := s.Put(ctx, p.bucket, p.key, p.value, p.opts)
		if errors.Is(err, backend.ErrConflict) {
			msg.err = err
			if cur, cerr := s.Get(ctx, p.bucket, p.key, backend.GetOptions{}); cerr == nil {
				msg.conflict = &cur
			}
			retry := p
			retry.opts.IfVersion = ""
			retry.opts.IfAbsent = false
			msg.retry = &retry
			return msg
		}
		if err != nil {
			msg.err = err
			return msg
		}
		if !existed {
			msg.added = []string{p.key}
		}
		if existed {
			msg.undo = snapshotUndo("overwrite of "+p.key, p.bucket, []backend.Entry{old}, time.Now())
		} else {
			msg.undo = &undoRecord{what: "creation of " + p.key, bucket: p.bucket, created: []string{p.key}}
		}
		return msg
	}
}

// deleteCmd deletes keys, keeping their values and TTLs for undo. With one
// key and a version it refuses to delete a value changed since it was shown.
func deleteCmd(s backend.Store, timeout time.Duration, bucket string, keys []string, version string) tea.Cmd {
	return func() tea.Msg {
		// Bulk deletes get time in proportion to their size.
		ctx, cancel := context.WithTimeout(context.Background(), timeout+time.Duration(len(keys))*time.Millisecond)
		defer cancel()
		what := fmt.Sprintf("deleted %d keys", len(keys))
		if len(keys) == 1 {
			what = "deleted " + format.Escape(keys[0])
		}
		msg := writeDoneMsg{op: what, bucket: bucket}
		var saved []backend.Entry
		lost := 0
		for _, k := range keys {
			e, err := s.Get(ctx, bucket, k, backend.GetOptions{MaxBytes: -1})
			if errors.Is(err, backend.ErrNotFound) {
				continue
			}
			if err != nil {
				msg.err = err
				break
			}
			opts := backend.DeleteOptions{}
			if len(keys) == 1 {
				opts.IfVersion = version
			}
			if err := s.Delete(ctx, bucket, k, opts); err != nil && !errors.Is(err, backend.ErrNotFound) {
				msg.err = err
				break
			}
			if e.Kind.IsCollection() {
				lost++
			} else {
				saved = append(saved, e)
			}
			msg.keys = append(msg.keys, k)
		}
		msg.removed = msg.keys
		if len(saved) > 0 {
			msg.undo = snapshotUndo(what, bucket, saved, time.Now())
			msg.undo.restoreDeleted = true
		}
		if lost > 0 {
			// Undo restores values through Put; a hash, list, set, sorted
			// set or stream cannot come back that way, and the user is told.
			msg.op += fmt.Sprintf(" (%d collection keys cannot be undone)", lost)
		}
		return msg
	}
}

// expireCmd sets, refreshes or removes a TTL, keeping the old one for undo.
func expireCmd(s backend.Store, timeout time.Duration, bucket, key string, ttl time.Duration, what string) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		msg := writeDoneMsg{op: what, bucket: bucket, keys: []string{key}}
		old, err := s.Get(ctx, bucket, key, backend.GetOptions{MaxBytes: 1})
		if err != nil {
			msg.err = err
			return msg
		}
		if err := s.Expire(ctx, bucket, key, ttl); err != nil {
			msg.err = err
			return msg
		}
		prev := time.Duration(0)
		if !old.ExpiresAt.IsZero() {
			prev = max(time.Until(old.ExpiresAt), time.Second)
		}
		msg.undo = &undoRecord{what: what, bucket: bucket, expire: map[string]time.Duration{key: prev}}
		return msg
	}
}

func renameCmd(r backend.Renamer, timeout time.Duration, bucket, from, to string) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		err := r.Rename(ctx, bucket, from, to)
		msg := writeDoneMsg{op: "renamed " + format.Escape(from) + " → " + format.Escape(to), bucket: bucket, keys: []string{from, to}, err: err}
		if err == nil {
			msg.removed, msg.added = []string{from}, []string{to}
			msg.undo = &undoRecord{what: msg.op, bucket: bucket, rename: [2]string{to, from}}
		}
		return msg
	}
}

func undoCmd(s backend.Store, timeout time.Duration, u *undoRecord) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), timeout+time.Duration(len(u.entries))*time.Millisecond)
		defer cancel()
		err := u.apply(ctx, s)
		msg := writeDoneMsg{op: "undid " + u.what, bucket: u.bucket, err: err}
		msg.keys = u.keys()
		msg.removed, msg.added = u.changes()
		return msg
	}
}
