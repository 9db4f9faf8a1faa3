package backend

import "context"

// BulkDeleter deletes many keys, one batch a call, each atomically in the
// store; with keep, each together with a copy of exactly what it deleted
// (the same atomic step, so nothing another client wrote can be deleted
// without its copy), which RestoreKeys puts back for undo.
type BulkDeleter interface {
	// DeleteKeys deletes keys (one batch: the caller streams the batches
	// and reports progress) and says what became of each: BulkChanged
	// (deleted; Kept holds the copy when keep), BulkGone (not there:
	// deleted or expired meanwhile), BulkSkipped (the key changed between
	// the read of its copy and the delete, on stores where those are two
	// steps; or with keep, too large to keep a copy of, and so left in
	// place: Err says why), BulkFailed.
	//
	// A lost connection ends the batch with an error, returned with the
	// results of the keys that were answered (the others BulkFailed), so
	// that what was deleted can still be put back.
	DeleteKeys(ctx context.Context, bucket string, keys []string, keep bool) ([]DeleteResult, error)
	// RestoreKeys puts the copies back, each only where its key is still
	// absent: BulkChanged (put back), BulkSkipped (written again since:
	// left as it is), BulkGone (its expiry has passed since: nothing to
	// put back), BulkFailed.
	RestoreKeys(ctx context.Context, bucket string, copies []Snapshot) ([]DeleteResult, error)
}

// DeleteResult is one key's outcome in a bulk delete or its undo.
type DeleteResult struct {
	Key     string
	Outcome BulkOutcome
	// Kept is the copy of a key DeleteKeys deleted with keep.
	Kept *Snapshot
	// Err says why, for BulkFailed and a BulkSkipped key too large to keep.
	Err error
}

// Bytes is about how much memory a kept copy holds, for the undo budget.
func (s *Snapshot) Bytes() int64 {
	return int64(len(s.Key) + len(s.Value) + len(s.Payload) + len(s.Version) + 64)
}
