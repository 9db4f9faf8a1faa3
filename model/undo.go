package model

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/kvdeck/kvdeck/ui/format"
)

// undoRecord reverses one destructive action. Each step is conditional on
// the key still being what the action left: undo never deletes or
// overwrites what someone wrote since without showing it and asking.
type undoRecord struct {
	what   string
	bucket string
	steps  []undoStep
	// expiries undo a bulk TTL action, in batches (BulkExpirer): a key
	// whose TTL changed since is skipped and counted.
	expiries []backend.ExpiryUndo
	// copies undo a bulk delete, in batches (BulkDeleter): each key comes
	// back only while it is still absent; one written again since is a
	// conflict, shown with what it holds now.
	copies []backend.Snapshot
	// copiesBytes is about the memory copies hold (see maxUndoBytes).
	copiesBytes int64
}

// undoStep reverses the action on one key. Exactly one of its parts is set.
type undoStep struct {
	key string
	// restore puts a kept copy back under cond: IfAbsent after a delete,
	// IfVersion (the version the action left) after an overwrite.
	restore *backend.Snapshot
	cond    backend.RestoreOptions
	// created: the action created the key with this version; undo deletes
	// it only while it still holds that version.
	created  bool
	createdV string
	// expire puts back the expiry instant the key had (zero: none), while
	// its expiry is still setExpiry, the one the action left.
	expire               bool
	oldExpiry, setExpiry time.Time
	// renameTo renames key back to this name (never over an existing key).
	renameTo string
	// element reverses one element write.
	element *elementUndo
}

// elementUndo reverses an element write with the inverse element write:
// written is the element as the write left it (nil when it removed one),
// old the element before (nil when it added one).
type elementUndo struct {
	kind         backend.Kind
	written, old *backend.Element
}

// undoConflict is a step undo did not apply because the key changed since
// the action; now is what the key holds (nil when gone or unreadable).
type undoConflict struct {
	step undoStep
	why  string
	now  *backend.Entry
}

// undoResult says what an undo really did.
type undoResult struct {
	done           int
	skipped        int // bulk TTL undo: keys changed or gone since
	expired        int // bulk delete undo: copies whose expiry has passed
	conflicts      []undoConflict
	failed         []error
	removed, added []string
}

// describe is the status line: what was restored, skipped and failed.
func (r undoResult) describe(what string, total int) string {
	if r.done == total && total > 0 {
		return "undid " + what
	}
	s := fmt.Sprintf("undo of %s: %d of %d restored", what, r.done, total)
	if n := len(r.conflicts) + r.skipped; n > 0 {
		s += fmt.Sprintf(", %d changed since (left as they are)", n)
	}
	if r.expired > 0 {
		s += fmt.Sprintf(", %d expired since (nothing to put back)", r.expired)
	}
	if n := len(r.failed); n > 0 {
		s += fmt.Sprintf(", %d failed: %v", n, r.failed[0])
	}
	return s
}

// keys lists every key the record touches.
func (u *undoRecord) keys() []string {
	var ks []string
	for _, s := range u.steps {
		ks = append(ks, s.key)
		if s.renameTo != "" {
			ks = append(ks, s.renameTo)
		}
	}
	for _, e := range u.expiries {
		ks = append(ks, e.Key)
	}
	for _, c := range u.copies {
		ks = append(ks, c.Key)
	}
	return ks
}

// apply runs every step under its condition. force applies conflicting
// steps of kinds that can be forced (a kept copy, a created key, a TTL)
// without their condition: the caller has shown the user what they replace.
func (u *undoRecord) apply(ctx context.Context, s backend.Store, force bool) undoResult {
	var r undoResult
	if len(u.expiries) > 0 {
		r = u.applyExpiries(ctx, s)
	}
	if len(u.copies) > 0 {
		r = u.applyCopies(ctx, s)
	}
	for _, st := range u.steps {
		if ctx.Err() != nil {
			r.failed = append(r.failed, fmt.Errorf("%s: not attempted: %w", format.KeyName(st.key), ctx.Err()))
			continue
		}
		err := st.apply(ctx, s, u.bucket, force)
		switch {
		case err == nil:
			r.done++
			switch {
			case st.restore != nil && st.cond.IfAbsent, st.restore != nil && force:
				r.added = append(r.added, st.key)
			case st.created:
				r.removed = append(r.removed, st.key)
			case st.renameTo != "":
				r.removed, r.added = append(r.removed, st.key), append(r.added, st.renameTo)
			}
		case errors.Is(err, backend.ErrConflict):
			c := undoConflict{step: st, why: conflictText(err)}
			if e, gerr := s.Get(ctx, u.bucket, st.key, backend.GetOptions{MaxBytes: 4 << 10}); gerr == nil {
				c.now = &e
			}
			r.conflicts = append(r.conflicts, c)
		default:
			r.failed = append(r.failed, fmt.Errorf("%s: %w", format.KeyName(st.key), err))
		}
	}
	return r
}

// applyExpiries puts back the TTLs of a bulk TTL action, bulkBatch keys
// a store call.
func (u *undoRecord) applyExpiries(ctx context.Context, s backend.Store) undoResult {
	var r undoResult
	ex, ok := s.(backend.BulkExpirer)
	if !ok {
		r.failed = append(r.failed, backend.ErrUnsupported)
		return r
	}
	for i := 0; i < len(u.expiries); i += bulkBatch {
		res, err := ex.RestoreExpiry(ctx, u.bucket, u.expiries[i:min(i+bulkBatch, len(u.expiries))])
		if err != nil {
			r.failed = append(r.failed, err)
			return r
		}
		for _, x := range res {
			switch x.Outcome {
			case backend.BulkChanged:
				r.done++
			case backend.BulkSkipped, backend.BulkGone:
				r.skipped++
			default:
				r.failed = append(r.failed, fmt.Errorf("%s: %w", format.KeyName(x.Key), x.Err))
			}
		}
	}
	return r
}

// conflictsShown is how many keys written again since a bulk delete an
// undo reads, to show what they hold now; the others are listed by name.
const conflictsShown = 20

// applyCopies puts back the keys of a bulk delete, bulkBatch keys a store
// call, each only while still absent. A key written again since is a
// conflict the user sees (with what it holds now, for the first
// conflictsShown) and may overwrite with the copy.
func (u *undoRecord) applyCopies(ctx context.Context, s backend.Store) undoResult {
	var r undoResult
	bd, ok := s.(backend.BulkDeleter)
	if !ok {
		r.failed = append(r.failed, backend.ErrUnsupported)
		return r
	}
	for i := 0; i < len(u.copies); i += bulkBatch {
		batch := u.copies[i:min(i+bulkBatch, len(u.copies))]
		res, err := bd.RestoreKeys(ctx, u.bucket, batch)
		for j, x := range res {
			switch x.Outcome {
			case backend.BulkChanged:
				r.done++
				r.added = append(r.added, x.Key)
			case backend.BulkSkipped:
				c := undoConflict{step: undoStep{key: x.Key, restore: &batch[j], cond: backend.RestoreOptions{IfAbsent: true}}, why: "exists again"}
				if x.Err != nil {
					c.why = conflictText(x.Err)
				}
				if len(r.conflicts) < conflictsShown {
					if e, gerr := s.Get(ctx, u.bucket, x.Key, backend.GetOptions{MaxBytes: 4 << 10}); gerr == nil {
						c.now = &e
					}
				}
				r.conflicts = append(r.conflicts, c)
			case backend.BulkGone:
				r.expired++
			default:
				r.failed = append(r.failed, fmt.Errorf("%s: %w", format.KeyName(x.Key), x.Err))
			}
		}
		if err != nil {
			r.failed = append(r.failed, err)
			return r
		}
	}
	return r
}

// forceable tells whether a conflicting step may be applied over what the
// key holds now once the user has seen it. An element that changed cannot:
// its inverse would land on another element.
func (st undoStep) forceable() bool { return st.element == nil && st.renameTo == "" }

// errChangedSince marks an undo condition that failed in the model (the
// store's own conditions return ErrConflict themselves).
func changedSince(key, why string) error {
	return fmt.Errorf("%s %s: %w", format.KeyName(key), why, backend.ErrConflict)
}

func (st undoStep) apply(ctx context.Context, s backend.Store, bucket string, force bool) error {
	switch {
	case st.restore != nil:
		r, ok := s.(backend.Restorer)
		if !ok {
			return backend.ErrUnsupported
		}
		cond := st.cond
		if force {
			cond = backend.RestoreOptions{}
		}
		_, err := r.Restore(ctx, bucket, *st.restore, cond)
		return err
	case st.created:
		v := st.createdV
		if force {
			v = ""
		}
		err := s.Delete(ctx, bucket, st.key, backend.DeleteOptions{IfVersion: v})
		if errors.Is(err, backend.ErrNotFound) {
			return nil // already gone: what undo wanted
		}
		return err
	case st.expire:
		e, err := s.Get(ctx, bucket, st.key, backend.GetOptions{MaxBytes: 1})
		if err != nil {
			if errors.Is(err, backend.ErrNotFound) {
				return changedSince(st.key, "is gone")
			}
			return err
		}
		if !force && !sameInstant(e.ExpiresAt, st.setExpiry) {
			return changedSince(st.key, "has another TTL now")
		}
		ttl := time.Duration(0)
		if !st.oldExpiry.IsZero() {
			// The instant it had, not the duration it had: time has passed.
			if ttl = time.Until(st.oldExpiry); ttl <= 0 {
				return fmt.Errorf("its old expiry (%s) has passed; its TTL is left as it is", st.oldExpiry.Format(time.TimeOnly))
			}
		}
		return s.Expire(ctx, bucket, st.key, ttl)
	case st.renameTo != "":
		r, ok := s.(backend.Renamer)
		if !ok {
			return backend.ErrUnsupported
		}
		return r.Rename(ctx, bucket, st.key, st.renameTo)
	case st.element != nil:
		c, ok := s.(backend.Collections)
		if !ok {
			return backend.ErrUnsupported
		}
		el := st.element
		var err error
		switch {
		case el.written != nil && el.old != nil:
			_, err = c.SetElement(ctx, bucket, st.key, el.kind, el.written, *el.old)
		case el.written != nil:
			_, err = c.RemoveElement(ctx, bucket, st.key, el.kind, *el.written)
		case el.old != nil:
			_, err = c.SetElement(ctx, bucket, st.key, el.kind, nil, *el.old)
		}
		return err
	}
	return nil
}

// sameInstant compares expiry instants to the second: stores keep TTLs in
// milliseconds (Redis) or seconds (NATS).
func sameInstant(a, b time.Time) bool {
	if a.IsZero() || b.IsZero() {
		return a.IsZero() == b.IsZero()
	}
	d := a.Sub(b)
	return d > -1500*time.Millisecond && d < 1500*time.Millisecond
}

// elementUndoSteps builds the undo of an element write on key from what the
// store reported: a restore of the kept copy where the write had no exact
// inverse, else the inverse element write. ok is false when the write
// cannot be undone (the collection was too large to keep).
func elementUndoSteps(key string, kind backend.Kind, w backend.ElementWrite, written, old *backend.Element) ([]undoStep, bool) {
	switch {
	case w.Before != nil:
		// The version after is "" when the write removed the key (its last
		// element went): put it back only while it is still absent.
		cond := backend.RestoreOptions{IfVersion: w.Version, IfAbsent: w.Version == ""}
		return []undoStep{{key: key, restore: w.Before, cond: cond}}, true
	case w.Unkept:
		return nil, false
	}
	return []undoStep{{key: key, element: &elementUndo{kind: kind, written: written, old: old}}}, true
}

// conflictLines describes undo conflicts for the dialog: what undo would
// put back and what the key holds now.
func conflictLines(cs []undoConflict, width int) []string {
	var lines []string
	for i, c := range cs {
		if i == 5 {
			lines = append(lines, fmt.Sprintf("… and %d more", len(cs)-5))
			break
		}
		lines = append(lines, format.KeyName(c.step.key)+": "+format.Escape(c.why))
		if c.step.restore != nil {
			lines = append(lines, "  undo would put back: "+preview(c.step.restore.Kind, c.step.restore.Value, c.step.restore.Size, width))
		}
		if c.step.created {
			lines = append(lines, "  undo would delete it")
		}
		if c.now != nil {
			lines = append(lines, "  now: "+preview(c.now.Kind, c.now.Value, c.now.Size, width))
		} else if c.step.expire {
			lines = append(lines, "  now: gone")
		}
	}
	return lines
}

// preview is a one-line, escaped glimpse of a value.
func preview(kind backend.Kind, v []byte, size int64, width int) string {
	if kind.IsCollection() {
		return fmt.Sprintf("a %s of %d elements", kind, size)
	}
	s := format.Escape(string(v))
	if r := []rune(s); len(r) > width {
		s = string(r[:width]) + "…"
	}
	if len(v) == 0 && size > 0 {
		return fmt.Sprintf("%d bytes", size)
	}
	return strings.TrimSpace(s)
}
