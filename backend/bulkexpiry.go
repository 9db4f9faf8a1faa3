package backend

import (
	"context"
	"time"
)

// BulkExpirer changes the TTL of many keys, each one atomically in the
// store and under the condition the user chose, in pipelined batches; and
// puts the previous TTLs back for undo, skipping keys changed since.
type BulkExpirer interface {
	// ExpireKeys applies op to keys (one batch: the caller streams the
	// batches and reports progress) and says what became of each.
	ExpireKeys(ctx context.Context, bucket string, keys []string, op ExpireOp) ([]ExpireResult, error)
	// RestoreExpiry undoes ExpireKeys: each key whose expiry is still the
	// one ExpireKeys set (Set) gets its previous one back (Prev, zero = no
	// TTL); a key changed or gone since is Skipped.
	RestoreExpiry(ctx context.Context, bucket string, items []ExpiryUndo) ([]ExpireResult, error)
}

// ExpireMode is what a bulk TTL action does.
type ExpireMode uint8

const (
	// ExpireSet sets the TTL to ExpireOp.TTL.
	ExpireSet ExpireMode = iota
	// ExpireRefresh sets it to ExpireOp.TTL only on keys that have a TTL
	// (Redis XX): their countdown starts again.
	ExpireRefresh
	// ExpirePersist removes the TTL.
	ExpirePersist
)

// ExpireCond narrows ExpireSet to some keys, as Redis 7's EXPIRE options.
type ExpireCond uint8

const (
	ExpireAlways ExpireCond = iota
	ExpireNX                // only keys without a TTL
	ExpireGT                // only when the new expiry is later (a key without TTL counts as infinite: never)
	ExpireLT                // only when the new expiry is sooner (a key without TTL counts as infinite: always)
)

// ExpireOp is one bulk TTL action.
type ExpireOp struct {
	Mode ExpireMode
	TTL  time.Duration
	Cond ExpireCond
}

// ExpireResult is one key's outcome. Prev and Set are the expiry before
// and after (zero: no TTL), for undo.
type ExpireResult struct {
	Key       string
	Outcome   BulkOutcome
	Prev, Set time.Time
	// Version is the key's version right after a change (Changed), where
	// the store has one that a later write can be conditional on: the
	// revision the new TTL was written as (NATS, where a TTL is part of a
	// new revision), the key's version (local). Empty on Redis, whose undo
	// compares the expiry instant itself. Copy it into ExpiryUndo.
	Version string
	// Err says why, for BulkFailed; nil otherwise.
	Err error
}

// ExpiryUndo puts Prev back on Key if its expiry is still Set (and, where
// the store gave one, its version still Version: NATS requires it).
type ExpiryUndo struct {
	Key       string
	Prev, Set time.Time
	Version   string
}

// Undo is what puts r's previous expiry back, for a Changed result.
func (r ExpireResult) Undo() ExpiryUndo {
	return ExpiryUndo{Key: r.Key, Prev: r.Prev, Set: r.Set, Version: r.Version}
}

// Validate refuses an op a driver cannot mean: a set or refresh needs a
// positive TTL (at most MaxTTL), and a persist takes no TTL and no
// condition. The condition narrows set and refresh alike (a refresh with
// NX touches nothing: it needs a TTL, NX none).
func (op ExpireOp) Validate() error {
	switch op.Mode {
	case ExpireSet, ExpireRefresh:
		if op.TTL <= 0 {
			return Invalid("ttl", "must be positive to set or refresh a TTL (persist removes it)")
		}
		if op.TTL > MaxTTL {
			return Invalid("ttl", "%s is longer than the longest TTL, %s", op.TTL, FormatTTL(MaxTTL))
		}
	case ExpirePersist:
		if op.TTL != 0 || op.Cond != ExpireAlways {
			return Invalid("ttl", "persist removes the TTL: it takes no TTL and no condition")
		}
	default:
		return Invalid("mode", "unknown bulk TTL mode %d", op.Mode)
	}
	if op.Cond > ExpireLT {
		return Invalid("condition", "unknown condition %d", op.Cond)
	}
	return nil
}
