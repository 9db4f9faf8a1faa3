package model

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kvdeck/kvdeck/backend"
)

// undoRecord is what it takes to reverse one destructive action: the values
// and TTLs as they were, or the names to put back.
type undoRecord struct {
	what   string
	bucket string
	// entries are values as they were before a delete or overwrite, with
	// the TTL each had left (0 = none) in ttls.
	entries []backend.Entry
	ttls    []time.Duration
	// restoreDeleted: entries were deleted and come back only if absent.
	restoreDeleted bool
	// expire maps keys to the TTL to put back (0 = persist).
	expire map[string]time.Duration
	// created lists keys the action created; undo deletes them.
	created []string
	// rename is {current, original}.
	rename [2]string
}

func snapshotUndo(what, bucket string, entries []backend.Entry, now time.Time) *undoRecord {
	u := &undoRecord{what: what, bucket: bucket, entries: entries}
	for _, e := range entries {
		ttl := time.Duration(0)
		if !e.ExpiresAt.IsZero() {
			// Keep at least a second: a key about to expire comes back
			// briefly rather than never.
			ttl = max(e.ExpiresAt.Sub(now), time.Second)
		}
		u.ttls = append(u.ttls, ttl)
	}
	return u
}

func (u *undoRecord) keys() []string {
	var ks []string
	for _, e := range u.entries {
		ks = append(ks, e.Key)
	}
	for k := range u.expire {
		ks = append(ks, k)
	}
	ks = append(ks, u.created...)
	if u.rename[0] != "" {
		ks = append(ks, u.rename[0], u.rename[1])
	}
	return ks
}

// changes lists the keys undo removes and brings back.
func (u *undoRecord) changes() (removed, added []string) {
	removed = append(removed, u.created...)
	if u.restoreDeleted {
		for _, e := range u.entries {
			added = append(added, e.Key)
		}
	}
	if u.rename[0] != "" {
		removed, added = append(removed, u.rename[0]), append(added, u.rename[1])
	}
	return removed, added
}

// apply reverses the action. A deleted key that someone re-created since is
// left alone (IfAbsent) and reported, never overwritten.
func (u *undoRecord) apply(ctx context.Context, s backend.Store) error {
	var errs []error
	for i, e := range u.entries {
		opts := backend.PutOptions{TTLMode: backend.TTLNone}
		if u.ttls[i] > 0 {
			opts = backend.PutOptions{TTLMode: backend.TTLSet, TTL: u.ttls[i]}
		}
		opts.IfAbsent = u.restoreDeleted
		if _, err := s.Put(ctx, u.bucket, e.Key, e.Value, opts); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", e.Key, err))
		}
	}
	for k, ttl := range u.expire {
		if err := s.Expire(ctx, u.bucket, k, ttl); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", k, err))
		}
	}
	for _, k := range u.created {
		if err := s.Delete(ctx, u.bucket, k, backend.DeleteOptions{}); err != nil && !errors.Is(err, backend.ErrNotFound) {
			errs = append(errs, fmt.Errorf("%s: %w", k, err))
		}
	}
	if u.rename[0] != "" {
		r, ok := s.(backend.Renamer)
		if !ok {
			return backend.ErrUnsupported
		}
		if err := r.Rename(ctx, u.bucket, u.rename[0], u.rename[1]); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
