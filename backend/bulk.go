package backend

// The bulk actions (BulkExpirer, BulkDeleter) change many keys, one batch
// a call, each key atomically in the store, and say what became of each
// key so that the UI can count, and undo what changed.

// BulkOutcome is what became of one key.
type BulkOutcome uint8

const (
	// BulkChanged: the key was changed (its TTL set, it was deleted, it
	// was put back).
	BulkChanged BulkOutcome = iota
	// BulkSkipped: the key was left alone: a TTL condition did not hold
	// (it had a TTL under NX, the new one is not later under GT...), it
	// changed since the user saw it, for undo it changed since the action,
	// or it was too large to keep a copy of for undo.
	BulkSkipped
	// BulkGone: the key is not there (expired or deleted meanwhile).
	BulkGone
	BulkFailed
)

func (o BulkOutcome) String() string {
	if o > BulkFailed {
		return "unknown"
	}
	return [...]string{"changed", "skipped", "gone", "failed"}[o]
}
