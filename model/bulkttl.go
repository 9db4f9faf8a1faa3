package model

import (
	"context"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/dustin/go-humanize"

	"github.com/kvdeck/kvdeck/backend"
	dlg "github.com/kvdeck/kvdeck/model/dialog"
	"github.com/kvdeck/kvdeck/ui/format"
)

// Bulk TTL: t on marked keys, a folder of the tree, or a namespace of the
// analysis page. First the mode (set, only without a TTL, only extend,
// only shorten, refresh, remove), then the TTL, then a dry run that counts
// exactly the keys the action will touch (their current TTLs read from
// the store) and shows some of them, a confirmation naming that count
// that only y accepts, and a streamed run with progress, rate and cancel
// (esc). Each key is changed atomically in the store under the mode's
// condition (backend.BulkExpirer), so a key changed between the dry run
// and the run is skipped and counted, never overwritten. Undo puts each
// key's previous TTL back while its TTL is still the one set.

// bulkTTLIntent asks for a bulk TTL on a namespace's keys (the analysis
// page's t); the keys are the listing's keys under prefix.
type bulkTTLIntent struct {
	prefix      string
	noTTL, keys int64
	// delete asks to delete the keys instead (d).
	delete bool
}

func (bulkTTLIntent) isIntent() {}

// bulkModes are the choices, with the keys that pick them.
var bulkModes = []struct {
	id, label string
	// short names the action in the tally: %s is the TTL.
	short string
	op    backend.ExpireOp
}{
	{"a", "set the TTL on every key", "TTL %s", backend.ExpireOp{Mode: backend.ExpireSet}},
	{"n", "set it only on keys without a TTL (NX)", "TTL %s NX", backend.ExpireOp{Mode: backend.ExpireSet, Cond: backend.ExpireNX}},
	{"g", "only extend: keys whose TTL would end sooner (GT)", "TTL %s GT", backend.ExpireOp{Mode: backend.ExpireSet, Cond: backend.ExpireGT}},
	{"l", "only shorten: keys without a TTL or a later one (LT)", "TTL %s LT", backend.ExpireOp{Mode: backend.ExpireSet, Cond: backend.ExpireLT}},
	{"r", "refresh: restart the countdown of keys that have a TTL", "TTL refreshed to %s", backend.ExpireOp{Mode: backend.ExpireRefresh}},
	{"p", "remove the TTL (persist)", "TTL removed", backend.ExpireOp{Mode: backend.ExpirePersist}},
}

// openBulkTTL starts the flow on names.
func (a *App) openBulkTTL(names []string, about string) tea.Cmd {
	if _, ok := a.store.(backend.BulkExpirer); !ok {
		a.fail(fmt.Errorf("TTL on many keys: %w", backend.ErrUnsupported))
		return nil
	}
	if !a.writable() {
		return nil
	}
	if len(names) == 0 {
		a.inform("no keys to change")
		return nil
	}
	var opts []dlg.Option
	lines := []string{fmt.Sprintf("%s keys %s in bucket %s. What should change?", humanCount(int64(len(names))), about, format.Escape(a.keys.bucket)), ""}
	for _, m := range bulkModes {
		lines = append(lines, a.st.HelpKey.Render(m.id)+"  "+m.label)
		opts = append(opts, dlg.Option{ID: m.id, Keys: key.NewBinding(key.WithKeys(m.id)), Label: m.id})
	}
	lines = append(lines, "", a.st.Muted.Render("esc cancels"))
	a.dialog = &hosted{d: &dlg.Choose{Title: "TTL on " + humanCount(int64(len(names))) + " keys", Lines: lines, Options: opts},
		onChoose: func(a *App, id string) tea.Cmd {
			for _, m := range bulkModes {
				if m.id == id {
					return a.askBulkTTL(names, m.label, m.short, m.op)
				}
			}
			return nil
		}}
	return nil
}

// askBulkTTL asks for the TTL (not for persist), then dry-runs.
func (a *App) askBulkTTL(names []string, label, short string, op backend.ExpireOp) tea.Cmd {
	if op.Mode == backend.ExpirePersist {
		return a.dryRunBulkTTL(names, short, op)
	}
	hint := []string{label, "seconds, minutes, hours, days: 90s  15m  36h  7d  1d12h"}
	a.dialog = newInput(fmt.Sprintf("TTL for %s keys", humanCount(int64(len(names)))), "ttl> ", "", hint, func(a *App, v string) (tea.Cmd, error) {
		ttl, err := backend.ParseTTL(v)
		if err != nil {
			return nil, err
		}
		if ttl <= 0 {
			return nil, backend.Invalid("ttl", "give a TTL above 0; the remove choice (p) takes TTLs away")
		}
		op.TTL = ttl
		return a.dryRunBulkTTL(names, fmt.Sprintf(short, strings.TrimSpace(v)), op), nil
	})
	return nil
}

// bulkDryRunMsg is the dry run's count.
type bulkDryRunMsg struct {
	from   any
	bucket string
	names  []string
	label  string
	op     backend.ExpireOp
	// delete: the dry run of a bulk delete (touch: the keys that exist).
	delete bool
	touch  []string // the keys the action will change, as read now
	gone   int
	err    error
}

// dryRunBulkTTL counts the keys a bulk TTL would change.
func (a *App) dryRunBulkTTL(names []string, label string, op backend.ExpireOp) tea.Cmd {
	return a.dryRunBulk(a.keys.bucket, names, label, op, false)
}

// dryRunBulk reads the keys' current TTLs from the store (Describe,
// pipelined; the listing's when the store cannot describe) and counts
// those the action would change: for a delete, those that exist.
func (a *App) dryRunBulk(bucket string, names []string, label string, op backend.ExpireOp, del bool) tea.Cmd {
	a.inform(fmt.Sprintf("counting the keys this changes (%s keys to read)…", humanCount(int64(len(names)))))
	s, timeout, now := a.store, a.opts.Timeout, a.opts.Now
	listed := map[string]time.Time{}
	d, describes := s.(backend.Describer)
	if !describes && a.keys.set != nil {
		for name, r := range a.keys.set.FindMany(names) {
			if r >= 0 {
				listed[name] = a.keys.set.Meta(r).ExpiresAt
			}
		}
	}
	return withTimeout(timeout+time.Duration(len(names)/bulkBatch+1)*timeout, func(ctx context.Context) tea.Msg {
		msg := bulkDryRunMsg{from: s, bucket: bucket, names: names, label: label, op: op, delete: del}
		at := now().Add(op.TTL)
		touches := func(exp time.Time) bool { return del || wouldChange(op, exp, at) }
		for i := 0; i < len(names); i += bulkBatch {
			batch := names[i:min(i+bulkBatch, len(names))]
			if describes {
				infos, err := d.Describe(ctx, bucket, batch)
				if err != nil {
					msg.err = err
					return msg
				}
				for _, k := range infos {
					if k.Kind == backend.KindUnknown && k.HasMeta {
						msg.gone++
						continue
					}
					if touches(k.ExpiresAt) {
						msg.touch = append(msg.touch, k.Name)
					}
				}
				continue
			}
			for _, n := range batch {
				exp, ok := listed[n]
				if !ok {
					msg.gone++
				} else if touches(exp) {
					msg.touch = append(msg.touch, n)
				}
			}
		}
		return msg
	})
}

// wouldChange mirrors the stores' conditions (backend.ExpireCond).
func wouldChange(op backend.ExpireOp, cur, next time.Time) bool {
	switch op.Mode {
	case backend.ExpirePersist, backend.ExpireRefresh:
		return !cur.IsZero()
	}
	switch op.Cond {
	case backend.ExpireNX:
		return cur.IsZero()
	case backend.ExpireGT:
		return !cur.IsZero() && next.After(cur)
	case backend.ExpireLT:
		return cur.IsZero() || next.Before(cur)
	}
	return true
}

// dryRun shows the count and asks; only y runs.
func (a *App) dryRun(msg bulkDryRunMsg) tea.Cmd {
	if msg.from != any(a.store) {
		return nil
	}
	if msg.err != nil {
		a.fail(fmt.Errorf("counting the keys: %w", msg.err))
		return nil
	}
	a.status = statusLine{}
	if msg.delete {
		return a.confirmBulkDelete(msg)
	}
	n := len(msg.touch)
	if n == 0 {
		a.inform(fmt.Sprintf("%s: none of the %s keys would change", msg.label, exact(len(msg.names))))
		return nil
	}
	body := []string{fmt.Sprintf("%s of the %s keys will change (%s)", exact(n), exact(len(msg.names)), msg.label)}
	if skip := len(msg.names) - n - msg.gone; skip > 0 {
		body = append(body, fmt.Sprintf("%s are left as they are: the condition does not hold for them", exact(skip)))
	}
	if msg.gone > 0 {
		body = append(body, fmt.Sprintf("%s are gone already", exact(msg.gone)))
	}
	body = append(body, "", "for example:")
	for _, k := range msg.touch[:min(n, 5)] {
		body = append(body, "  "+format.KeyName(k))
	}
	body = append(body, "", "Each key is changed only if it still meets the condition; "+a.keyName(a.km.Undo)+" puts the previous TTLs back.")
	a.dialog = newConfirm(fmt.Sprintf("Change the TTL of %s keys?", exact(n)), body, func(a *App) tea.Cmd {
		return a.runBulkTTL(msg.bucket, msg.touch, msg.label, msg.op)
	})
	return nil
}

func (a *App) runBulkTTL(bucket string, names []string, label string, op backend.ExpireOp) tea.Cmd {
	ex := a.store.(backend.BulkExpirer)
	return startBulk(a, names, label,
		func(ctx context.Context, batch []string) ([]backend.ExpireResult, error) {
			return ex.ExpireKeys(ctx, bucket, batch, op)
		},
		func(b *bulkRun, rs []backend.ExpireResult) {
			if b.expiries == nil { // room for all at once: no regrowth
				b.expiries, b.tally.changedKeys = make([]backend.ExpiryUndo, 0, b.total), make([]string, 0, b.total)
			}
			for _, r := range rs {
				b.tally.count(r.Key, r.Outcome, r.Err)
				if r.Outcome == backend.BulkChanged {
					b.expiries = append(b.expiries, r.Undo())
				}
			}
		},
		func(a *App, b *bulkRun, err error) tea.Cmd {
			p := b.tally
			text := fmt.Sprintf("%s: %s changed, %s skipped, %s gone, %s failed",
				label, exact(p.changed), exact(p.skipped), exact(p.gone), exact(p.failed))
			if n := p.done(); n < b.total {
				text += fmt.Sprintf("; %s not attempted", exact(b.total-n))
			}
			text, err = stoppedBy(text, err)
			out := writeDoneMsg{from: a.store, op: text, bucket: bucket, keys: p.changedKeys, err: err}
			if len(b.expiries) > 0 {
				out.undo = &undoRecord{what: fmt.Sprintf("%s on %s keys", label, exact(len(b.expiries))), bucket: bucket, expiries: b.expiries}
			}
			if err == nil && p.firstErr != nil {
				out.err = fmt.Errorf("%s; first failure: %w", text, p.firstErr)
			}
			return a.writeDone(out)
		})
}

// namesUnder are the listed keys under prefix.
func (k *keysPane) namesUnder(prefix string) []string {
	if k.set == nil {
		return nil
	}
	var out []string
	for r := range k.set.Len() {
		if !k.set.Deleted(r) {
			if n := k.set.Name(r); strings.HasPrefix(n, prefix) {
				out = append(out, n)
			}
		}
	}
	return out
}

// namesOutsideFolders are the listed keys without the delimiter.
func (k *keysPane) namesOutsideFolders(delim string) []string {
	if k.set == nil {
		return nil
	}
	var out []string
	for r := range k.set.Len() {
		if !k.set.Deleted(r) {
			if n := k.set.Name(r); delim == "" || !strings.Contains(n, delim) {
				out = append(out, n)
			}
		}
	}
	return out
}

// exact is a count with thousands separators, where the number must be
// exact (a confirmation, a final tally): 250,000.
func exact(n int) string { return humanize.Comma(int64(n)) }
