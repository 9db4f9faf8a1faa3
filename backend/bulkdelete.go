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
	// place), BulkFailed. Err says why for a skipped or failed key.
	//
	// A lost connection ends the batch with an error, returned with the
	// results of the keys that were answered (the others BulkFailed), so
	// that what was deleted can still be put back. A failed key may carry
	// a copy too: a delete in flight when the batch ended, which the
	// server may have applied. Keep every copy returned: RestoreKeys puts
	// one back only where its key is absent.
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
	// Kept is the copy of a key DeleteKeys deleted (or may have deleted:
	// see DeleteKeys) with keep.
	Kept *Snapshot
	// Err says why, for BulkFailed and BulkSkipped.
	Err error
}

// Bytes is about how much memory a kept copy holds, for the undo budget.
func (s *Snapshot) Bytes() int64 {
	return int64(len(s.Key) + len(s.Value) + len(s.Payload) + len(s.Version) + 64)
}
