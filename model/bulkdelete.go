package model

import (
	"context"
	"errors"
	"fmt"

	tea "charm.land/bubbletea/v2"
	"github.com/dustin/go-humanize"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/kvdeck/kvdeck/ui/format"
)

// Bulk delete: d on marked keys, a folder of the tree, or a namespace of
// the analysis page. A dry run counts exactly the keys that exist now and
// shows some of them; a confirmation naming that count, and saying
// whether the delete can be undone, accepts only y; the run streams in
// batches with progress, rate and cancel (esc), and ends with a tally.
// Each key is deleted atomically with a copy of exactly what it held
// (backend.BulkDeleter), so undo puts back what was deleted, another
// client's last write included, and only where the key is still absent.

// The undo limits of a bulk delete: the copies are held in memory. A
// delete of more keys than bulkDeleteUndoKeys keeps no copies, and the
// confirmation says so before it runs; a delete whose copies pass
// bulkDeleteUndoBytes stops there, so that nothing is deleted that cannot
// be put back.
const (
	bulkDeleteUndoKeys  = 100_000
	bulkDeleteUndoBytes = 256 << 20
)

// openBulkDelete starts the flow on names.
func (a *App) openBulkDelete(bucket string, names []string) tea.Cmd {
	if _, ok := a.store.(backend.BulkDeleter); !ok {
		a.fail(fmt.Errorf("deleting many keys: %w", backend.ErrUnsupported))
		return nil
	}
	if !a.writable() {
		return nil
	}
	if len(names) == 0 {
		a.inform("no keys to delete")
		return nil
	}
	return a.dryRunBulk(bucket, names, "delete", backend.ExpireOp{}, true)
}

// confirmBulkDelete shows the dry run's count and asks; only y deletes.
func (a *App) confirmBulkDelete(msg bulkDryRunMsg) tea.Cmd {
	n := len(msg.touch)
	if n == 0 {
		a.inform(fmt.Sprintf("none of the %s keys exists any more: nothing to delete", exact(len(msg.names))))
		return nil
	}
	body := []string{fmt.Sprintf("%s keys in bucket %s will be deleted, for example:", exact(n), format.Escape(msg.bucket))}
	for _, k := range msg.touch[:min(n, 5)] {
		body = append(body, "  "+format.KeyName(k))
	}
	if msg.gone > 0 {
		body = append(body, fmt.Sprintf("(%s of the %s chosen are gone already)", exact(msg.gone), exact(len(msg.names))))
	}
	keep := n <= bulkDeleteUndoKeys
	body = append(body, "")
	if keep {
		body = append(body,
			a.keyName(a.km.Undo)+" undoes it in this session: each key comes back with its expiry, unless it is written again meanwhile.",
			fmt.Sprintf("A copy of each key is kept in memory for that, up to %s: the delete stops there.", humanize.IBytes(bulkDeleteUndoBytes)),
			"A key too large to keep a copy of is left in place and counted as skipped.")
	} else {
		body = append(body, a.st.Danger.Render(fmt.Sprintf("This cannot be undone: undo keeps at most %s keys.", exact(bulkDeleteUndoKeys))))
	}
	a.dialog = newConfirm(fmt.Sprintf("Delete %s keys?", exact(n)), body, func(a *App) tea.Cmd {
		a.keys.marked = nil
		return a.runBulkDelete(msg.bucket, msg.touch, keep)
	})
	return nil
}

func (a *App) runBulkDelete(bucket string, names []string, keep bool) tea.Cmd {
	bd := a.store.(backend.BulkDeleter)
	return startBulk(a, names, "delete",
		func(ctx context.Context, batch []string) ([]backend.DeleteResult, error) {
			return bd.DeleteKeys(ctx, bucket, batch, keep)
		},
		func(b *bulkRun, rs []backend.DeleteResult) {
			if b.tally.changedKeys == nil { // room for all at once: no regrowth
				b.tally.changedKeys = make([]string, 0, b.total)
			}
			for _, r := range rs {
				b.tally.count(r.Key, r.Outcome, r.Err)
				// A failed key may carry a copy: its delete may have
				// been applied, its answer lost (undo puts a copy back
				// only where the key is absent).
				if r.Kept != nil {
					b.copies = append(b.copies, *r.Kept)
					b.keptBytes += r.Kept.Bytes()
				}
			}
			if b.keptBytes > bulkDeleteUndoBytes && b.stopped == "" {
				b.stopped = fmt.Sprintf("stopped: the copies kept for undo reached %s", humanize.IBytes(bulkDeleteUndoBytes))
				b.stop()
			}
		},
		func(a *App, b *bulkRun, err error) tea.Cmd {
			return a.writeDone(bulkDeleteDone(a.store, bucket, b, keep, err))
		})
}

// bulkDeleteDone is the tally of a bulk delete and its undo record.
func bulkDeleteDone(s backend.Store, bucket string, b *bulkRun, keep bool, err error) writeDoneMsg {
	p := b.tally
	text := fmt.Sprintf("deleted %s of %s keys", exact(p.changed), exact(b.total))
	if p.skipped > 0 {
		text += fmt.Sprintf(", %s skipped", exact(p.skipped))
		if p.firstSkip != nil {
			text += fmt.Sprintf(" (%v)", p.firstSkip)
		}
	}
	if p.gone > 0 {
		text += fmt.Sprintf(", %s gone already", exact(p.gone))
	}
	if p.failed > 0 {
		text += fmt.Sprintf(", %s failed: %v", exact(p.failed), p.firstErr)
	}
	if n := p.done(); n < b.total {
		text += fmt.Sprintf("; %s not attempted", exact(b.total-n))
	}
	if b.stopped != "" {
		text += "; " + b.stopped
	}
	if !keep && p.changed > 0 {
		text += "; cannot be undone"
	}
	if b.stopped != "" && errors.Is(err, context.Canceled) {
		err = nil // the run stopped itself, and said why
	}
	text, err = stoppedBy(text, err)
	out := writeDoneMsg{from: s, op: text, bucket: bucket, keys: p.changedKeys, removed: p.changedKeys, err: err}
	if len(b.copies) > 0 {
		out.undo = &undoRecord{what: fmt.Sprintf("delete of %s keys", exact(len(b.copies))), bucket: bucket, copies: b.copies, copiesBytes: b.keptBytes}
	}
	if err == nil && p.failed > 0 && p.changed == 0 {
		out.err = fmt.Errorf("%s", text)
	}
	return out
}
