package model

import (
	tea "charm.land/bubbletea/v2"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/kvdeck/kvdeck/ui/format"
)

// An intent is what a pane or page asks of the App because it concerns
// another pane; the App acts on it in applyIntents.
type intent interface{ isIntent() }

type (
	// focusIntent moves the focus to a pane.
	focusIntent struct{ to pane }
	// enterBucketIntent focuses the keys pane on a bucket, listing it
	// unless it is the one listed.
	enterBucketIntent struct{ bucket string }
	// previewBucketIntent lists a bucket's keys without moving the focus;
	// onlyFirst does so only when no bucket is listed yet and the user is
	// still on the buckets (the first bucket shown at start).
	previewBucketIntent struct {
		bucket    string
		onlyFirst bool
	}
	// showKeyIntent shows a key in the value pane.
	showKeyIntent struct {
		bucket, key string
		row         int
	}
	// clearValueIntent empties the value pane: the list it came from is
	// gone (a new bucket, pattern or type).
	clearValueIntent struct{}
	// followCursorIntent shows the key under the keys' cursor after the
	// list changed; ifEmpty only when the value pane shows nothing.
	followCursorIntent struct{ ifEmpty bool }
	// keysChangedIntent says these keys were written elsewhere: the value
	// pane reads its key again when it is one of them.
	keysChangedIntent struct{ keys []string }
	// keyKnownIntent gives the keys pane what a read learned of a key.
	keyKnownIntent struct {
		row  int
		key  string
		info backend.KeyInfo
	}
)

func (focusIntent) isIntent()         {}
func (enterBucketIntent) isIntent()   {}
func (previewBucketIntent) isIntent() {}
func (showKeyIntent) isIntent()       {}
func (clearValueIntent) isIntent()    {}
func (followCursorIntent) isIntent()  {}
func (keysChangedIntent) isIntent()   {}
func (keyKnownIntent) isIntent()      {}

// applyIntents acts on what the panes asked, in order, until none is left
// (acting on one may queue another: entering a bucket lists it, and the
// listing clears the value).
func (a *App) applyIntents() tea.Cmd {
	var cmds []tea.Cmd
	for len(a.intents) > 0 {
		i := a.intents[0]
		a.intents = a.intents[1:]
		cmds = append(cmds, a.apply(i))
	}
	a.intents = nil
	return tea.Batch(cmds...)
}

func (a *App) apply(i intent) tea.Cmd {
	switch i := i.(type) {
	case focusIntent:
		a.focus = i.to
	case enterBucketIntent:
		a.focus = paneKeys
		if a.keys.bucket == i.bucket {
			return a.keys.selectCursor(&a.env)
		}
		return a.keys.open(&a.env, i.bucket)
	case previewBucketIntent:
		if i.onlyFirst && (a.keys.bucket != "" || a.focus != paneBuckets) {
			return nil
		}
		return a.keys.open(&a.env, i.bucket)
	case showKeyIntent:
		return a.value.open(&a.env, i.bucket, i.key, i.row)
	case clearValueIntent:
		a.value.reset()
	case followCursorIntent:
		if i.ifEmpty {
			if !a.value.hasKey && a.focus != paneBuckets {
				return a.keys.selectCursor(&a.env)
			}
			return nil
		}
		return a.followCursor()
	case keysChangedIntent:
		for _, k := range i.keys {
			if a.value.hasKey && k == a.value.key {
				return a.value.reload(&a.env)
			}
		}
	case keyKnownIntent:
		a.keys.known(i.row, i.key, i.info)
	case bulkTTLIntent:
		names := a.keys.namesUnder(i.prefix)
		about := "under " + format.Escape(i.prefix)
		if i.prefix == "" {
			names, about = a.keys.namesOutsideFolders(a.treeDelimiter()), "outside any folder"
		}
		if i.delete {
			return a.openBulkDelete(a.keys.bucket, names)
		}
		return a.openBulkTTL(names, about)
	case revealIntent:
		a.focus = paneKeys
		cmd, why := a.keys.reveal(&a.env, i)
		if why != "" {
			a.inform(why)
			return cmd
		}
		return tea.Batch(cmd, a.keys.describeVisible(&a.env), a.followCursor())
	}
	return nil
}
