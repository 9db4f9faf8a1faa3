package model

import (
	"time"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/kvdeck/kvdeck/ui/format"
)

// Every answer from a store carries the request id it was made under; Update
// drops answers whose id is no longer the pane's current one.

type bucketsLoadedMsg struct {
	req     uint64
	buckets []backend.Bucket
	err     error
}

// keysChunkMsg carries what a listing produced since the last chunk.
type keysChunkMsg struct {
	req     uint64
	batches [][]backend.KeyInfo
	done    bool
	err     error
	stream  *keyStream
}

type describedMsg struct {
	req   uint64
	rows  []int
	infos []backend.KeyInfo
	err   error
}

type entryLoadedMsg struct {
	req   uint64
	key   string
	entry backend.Entry
	doc   *format.Document
	mode  format.Mode
	// modes are the formats the f cycle offers for the value, found off
	// the UI path (a decoder's Sniff or Try, a schema's guess, reads up to
	// 64 KB of it).
	modes []format.Mode
	err   error // from Get
	fmErr error // the value could not be shown in the requested mode
}

type docBuiltMsg struct {
	req  uint64
	doc  *format.Document
	mode format.Mode
	err  error
}

// writeDoneMsg reports any write: put, delete, expire, rename, bulk delete.
// storeOpenedMsg: another store is connected and replaces the one shown.
type storeOpenedMsg struct{ store backend.Store }

type writeDoneMsg struct {
	// from is the store written to: a report from a store the user has
	// since switched away from must not reach the new store's undo stack.
	from   any
	op     string // what the status bar says was done
	bucket string
	keys   []string // keys whose value or TTL may have changed
	// removed and added are keys that stopped or started existing, so the
	// list follows without listing again.
	removed, added []string
	undo           *undoRecord
	err            error
	// conflict holds the store's current entry when a write lost a race, so
	// the user can compare before choosing.
	conflict *backend.Entry
	// retry is the write to repeat, conditional on the conflict's entry,
	// on "overwrite".
	retry *pendingPut
	// element is the element write that failed, for its conflict dialog.
	element *pendingElement
	// put is the value write that failed, so the user's edit can come back.
	put *pendingPut
	// undoConflicts are undo steps that found their key changed since the
	// action (undoConflictList says how), for the user to decide on.
	undoConflicts    *undoRecord
	undoConflictList []undoConflict
}

type tickMsg time.Time

type watchMsg struct {
	req     uint64
	changes []backend.Change
	err     error
	stream  *watchStream
}

type collectionPageMsg struct {
	req  uint64
	page backend.ElementPage
	err  error
}

type historyMsg struct {
	req     uint64
	key     string
	entries []backend.Entry
	err     error
}

type valueSearchMsg struct {
	req     uint64
	matches []searchHit // rows of the key list
	scanned int
	done    bool
	err     error
	stream  *searchStream
}

type filterDoneMsg struct {
	req   uint64
	query string
	rows  []uint32
	all   bool // every row of [0, upTo) matched (rows may be nil)
	upTo  int  // rows [0, upTo) were considered
}

type statusMsg struct {
	text string
	err  error
}
