package model

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/kvdeck/kvdeck/backend"
	dlg "github.com/kvdeck/kvdeck/model/dialog"
	"github.com/kvdeck/kvdeck/transfer"
	"github.com/kvdeck/kvdeck/ui/format"
)

// Copying keys to another store (X): the marked keys, a folder of the
// tree or the key under the cursor go to a bucket of another open tab.
// The user picks the tab, the bucket and what to do with keys that exist
// there (skip, overwrite, stop at the first); a dry run counts the new and
// existing keys, the TTLs the target cannot keep and the collections that
// become JSON, and the confirmation says all of it; only y copies. The run
// streams like a bulk TTL (progress, rate, esc) and ends with the counts.
// Each key is read whole from this store and written atomically under
// the policy in the other (backend.RecordReader, RecordWriter); a store of
// byte values gets a collection as JSON (transfer.AsBytes).

// copyTarget is another tab a copy can write to.
type copyTarget struct {
	tab    int // the Deck's tab id
	label  string
	store  backend.Store
	bucket string // the bucket it shows
}

// copyTargetsMsg is the Deck's answer to opCopyTargets.
type copyTargetsMsg struct {
	names   []string
	targets []copyTarget
}

// copyPlan is a copy the user is setting up.
type copyPlan struct {
	names  []string
	from   string // this store's bucket
	to     copyTarget
	bucket string
	policy backend.ConflictPolicy
	// keyMap replaces keyMap[0] with keyMap[1] in names the target cannot
	// hold otherwise (':' in NATS), said before the copy.
	keyMap [2]string
}

func (p copyPlan) targetName(k string) string {
	if p.keyMap[0] == "" {
		return k
	}
	return strings.ReplaceAll(k, p.keyMap[0], p.keyMap[1])
}

// openCopy starts the flow: the Deck lists the other tabs.
func (a *App) openCopy() tea.Cmd {
	if _, ok := a.store.(backend.RecordReader); !ok {
		a.fail(fmt.Errorf("copying keys from %s: %w", a.info.Kind, backend.ErrUnsupported))
		return nil
	}
	names := a.keys.chosenNames(a.focus)
	if names == nil {
		name, ok := a.targetKey()
		if !ok {
			return nil
		}
		names = []string{name}
	}
	return func() tea.Msg { return deckRequest{op: opCopyTargets, names: names} }
}

// chooseCopyTarget asks which tab to copy to.
func (a *App) chooseCopyTarget(msg copyTargetsMsg) tea.Cmd {
	if len(msg.targets) == 0 {
		a.inform("open the store to copy to in another tab first (" + a.keyName(a.km.Connect) + ")")
		return nil
	}
	plan := copyPlan{names: msg.names, from: a.keys.bucket, policy: backend.ConflictSkip}
	lines := []string{fmt.Sprintf("%s keys of bucket %s. Copy them to:", exact(len(msg.names)), format.Escape(plan.from)), ""}
	var opts []dlg.Option
	for i, t := range msg.targets[:min(len(msg.targets), 9)] {
		id := strconv.Itoa(i + 1)
		lines = append(lines, a.st.HelpKey.Render(id)+"  "+format.Escape(t.label))
		opts = append(opts, dlg.Option{ID: id, Keys: key.NewBinding(key.WithKeys(id)), Label: id})
	}
	lines = append(lines, "", a.st.Muted.Render("esc cancels"))
	a.dialog = &hosted{d: &dlg.Choose{Title: fmt.Sprintf("Copy %s keys", exact(len(msg.names))), Lines: lines, Options: opts},
		onChoose: func(a *App, id string) tea.Cmd {
			i, _ := strconv.Atoi(id)
			plan.to = msg.targets[i-1]
			return a.askCopyBucket(plan)
		}}
	return nil
}

func (a *App) askCopyBucket(plan copyPlan) tea.Cmd {
	hint := []string{"the bucket of " + format.Escape(plan.to.label) + " the keys go to"}
	a.dialog = newInput("Copy to bucket", "bucket> ", plan.to.bucket, hint, func(a *App, v string) (tea.Cmd, error) {
		v = strings.TrimSpace(v)
		if v == "" {
			return nil, backend.Invalid("bucket", "give the bucket to copy to")
		}
		plan.bucket = v
		return a.askCopyPolicy(plan), nil
	})
	return nil
}

func (a *App) askCopyPolicy(plan copyPlan) tea.Cmd {
	a.choosePolicy("Keys that exist", "A key that exists in bucket "+format.Escape(plan.bucket)+" of "+format.Escape(plan.to.label)+":", " there",
		func(a *App, p backend.ConflictPolicy) tea.Cmd {
			plan.policy = p
			return a.dryRunCopy(plan)
		})
	return nil
}

// choosePolicy asks what to do with a key that exists (s, o, f), for a
// copy or an import; where ends the choices (" there").
func (a *App) choosePolicy(title, intro, where string, then func(a *App, p backend.ConflictPolicy) tea.Cmd) {
	choices := []struct {
		id     string
		label  string
		policy backend.ConflictPolicy
	}{
		{"s", "skip keys that exist" + where + " (leave them as they are)", backend.ConflictSkip},
		{"o", "overwrite keys that exist" + where, backend.ConflictOverwrite},
		{"f", "stop at the first key that exists" + where, backend.ConflictFail},
	}
	lines := []string{intro, ""}
	var opts []dlg.Option
	for _, c := range choices {
		lines = append(lines, a.st.HelpKey.Render(c.id)+"  "+c.label)
		opts = append(opts, dlg.Option{ID: c.id, Keys: key.NewBinding(key.WithKeys(c.id)), Label: c.id})
	}
	a.dialog = &hosted{d: &dlg.Choose{Title: title, Lines: lines, Options: opts},
		onChoose: func(a *App, id string) tea.Cmd {
			for _, c := range choices {
				if c.id == id {
					return then(a, c.policy)
				}
			}
			return nil
		}}
}

// copyDryRunMsg is what the dry run found.
type copyDryRunMsg struct {
	from       any
	plan       copyPlan
	exist, new int
	gone       int
	withTTL    []string // keys with a TTL the target cannot keep
	ttlWhy     error
	asJSON     int // collections the target gets as JSON
	// badNames counts the keys whose name the target cannot hold even
	// after keyMap; badName is the first, with why.
	badNames int
	badName  error
	err      error
}

// dryRunCopy reads the keys' types and TTLs here (Describe, or the
// listing's) and which of them exist there.
func (a *App) dryRunCopy(plan copyPlan) tea.Cmd {
	rw, ok := plan.to.store.(backend.RecordWriter)
	if !ok {
		a.fail(fmt.Errorf("copying into %s: %w", plan.to.store.Info().Kind, backend.ErrUnsupported))
		return nil
	}
	if plan.to.store.Info().Kind == "nats" && a.treeDelimiter() == ":" {
		for _, n := range plan.names {
			if strings.Contains(n, ":") {
				plan.keyMap = [2]string{":", "."}
				break
			}
		}
	}
	a.inform(fmt.Sprintf("counting what the copy does (%s keys)…", humanCount(int64(len(plan.names)))))
	s, timeout := a.store, a.opts.Timeout
	d, describes := s.(backend.Describer)
	listed := map[string]backend.KeyInfo{}
	if !describes && a.keys.set != nil {
		for name, r := range a.keys.set.FindMany(plan.names) {
			if r >= 0 {
				m := a.keys.set.Meta(r)
				kind := m.Kind
				if kind == backend.KindUnknown {
					kind = backend.KindString // listed: it exists, its type not read
				}
				listed[name] = backend.KeyInfo{Name: name, Kind: kind, ExpiresAt: m.ExpiresAt, HasMeta: true}
			}
		}
	}
	bytesOnly := !plan.to.store.Info().TypedKeys
	names, _ := plan.to.store.(backend.KeyNameChecker)
	return withTimeout(timeout+time.Duration(len(plan.names)/bulkBatch+1)*timeout, func(ctx context.Context) tea.Msg {
		msg := copyDryRunMsg{from: s, plan: plan}
		msg.ttlWhy = rw.ExpiryKept(ctx, plan.bucket)
		if errors.Is(msg.ttlWhy, backend.ErrNotFound) {
			msg.err = msg.ttlWhy
			return msg
		}
		for i := 0; i < len(plan.names); i += bulkBatch {
			batch := plan.names[i:min(i+bulkBatch, len(plan.names))]
			var infos []backend.KeyInfo
			if describes {
				var err error
				if infos, err = d.Describe(ctx, plan.from, batch); err != nil {
					msg.err = err
					return msg
				}
			} else {
				for _, n := range batch {
					if info, ok := listed[n]; ok {
						infos = append(infos, info)
					} else {
						infos = append(infos, backend.KeyInfo{Name: n, HasMeta: true})
					}
				}
			}
			var there []string
			for _, k := range infos {
				if k.Kind == backend.KindUnknown && k.HasMeta {
					msg.gone++
					continue
				}
				name := plan.targetName(k.Name)
				if names != nil {
					if err := names.CheckKeyName(name); err != nil {
						msg.badNames++
						if msg.badName == nil {
							msg.badName = err // it names the key
						}
						continue
					}
				}
				there = append(there, name)
				if msg.ttlWhy != nil && !k.ExpiresAt.IsZero() {
					msg.withTTL = append(msg.withTTL, k.Name)
				}
				if bytesOnly && k.Kind.IsCollection() {
					msg.asJSON++
				}
			}
			exist, err := rw.Existing(ctx, plan.bucket, there)
			if err != nil {
				msg.err = err
				return msg
			}
			for _, e := range exist {
				if e {
					msg.exist++
				} else {
					msg.new++
				}
			}
		}
		return msg
	})
}

// confirmCopy says what the copy will do; only y runs it.
func (a *App) confirmCopy(msg copyDryRunMsg) tea.Cmd {
	if msg.from != any(a.store) {
		return nil
	}
	if msg.err != nil {
		if errors.Is(msg.err, backend.ErrNotFound) {
			// A bucket is made with its settings, in its own tab.
			a.fail(fmt.Errorf("copy: %w; make it first in %s (%s in its buckets pane)", msg.err, msg.plan.to.label, a.keyName(a.km.NewBucket)))
			return nil
		}
		a.fail(fmt.Errorf("copy: %w", msg.err))
		return nil
	}
	a.status = statusLine{}
	p := msg.plan
	n := msg.new + msg.exist + msg.badNames
	if n == 0 {
		a.inform("none of the keys exists any more: nothing to copy")
		return nil
	}
	dest := fmt.Sprintf("bucket %s of %s", format.Escape(p.bucket), format.Escape(p.to.label))
	body := []string{fmt.Sprintf("%s keys of bucket %s go to %s:", exact(n), format.Escape(p.from), dest),
		fmt.Sprintf("  %s new there, %s exist there", exact(msg.new), exact(msg.exist))}
	if msg.exist > 0 {
		switch p.policy {
		case backend.ConflictSkip:
			body = append(body, "  the existing ones are left as they are")
		case backend.ConflictOverwrite:
			body = append(body, a.st.Danger.Render(fmt.Sprintf("  the %s existing ones are overwritten: this cannot be undone", exact(msg.exist))))
		case backend.ConflictFail:
			body = append(body, "  the copy stops at the first existing one")
		}
	}
	if msg.gone > 0 {
		body = append(body, fmt.Sprintf("  (%s are gone here already)", exact(msg.gone)))
	}
	if msg.asJSON > 0 {
		body = append(body, fmt.Sprintf("%s collections become JSON there (a store of byte values; README: Collections in stores of byte values)", exact(msg.asJSON)))
	}
	if p.keyMap[0] != "" {
		body = append(body, fmt.Sprintf("Key names: %q becomes %q (NATS keys cannot hold %q)", p.keyMap[0], p.keyMap[1], p.keyMap[0]))
	}
	if msg.badNames > 0 {
		body = append(body, a.st.Danger.Render(fmt.Sprintf("%s keys have a name the target cannot hold; they fail, and are counted:", exact(msg.badNames))),
			"  "+describeError(msg.badName))
	}
	if len(msg.withTTL) > 0 {
		body = append(body, a.st.Danger.Render(fmt.Sprintf("%s keys have a TTL that %s cannot keep; they are written without it:", exact(len(msg.withTTL)), dest)),
			"  "+describeError(msg.ttlWhy))
		for _, k := range msg.withTTL[:min(len(msg.withTTL), 3)] {
			body = append(body, "  "+format.KeyName(k))
		}
	}
	dropTTLs := len(msg.withTTL) > 0
	a.dialog = newConfirm(fmt.Sprintf("Copy %s keys?", exact(n)), body, func(a *App) tea.Cmd {
		a.keys.marked = nil
		return a.runCopy(p, dropTTLs)
	})
	return nil
}

// errCopyStopped ends a copy at an existing key (stop at the first).
var errCopyStopped = errors.New("stopped at a key that exists there")

func (a *App) runCopy(p copyPlan, dropTTLs bool) tea.Cmd {
	rr := a.store.(backend.RecordReader)
	rw := p.to.store.(backend.RecordWriter)
	bytesOnly := !p.to.store.Info().TypedKeys
	label := "copy to " + p.to.label
	return startBulk(a, p.names, label,
		func(ctx context.Context, batch []string) ([]backend.WriteResult, error) {
			recs, err := rr.ReadRecords(ctx, p.from, batch, backend.ReadOptions{})
			if err != nil {
				return nil, err
			}
			var out []backend.WriteResult
			read := make(map[string]bool, len(recs))
			var write []backend.Record
			for _, rec := range recs {
				read[rec.Key] = true
				if bytesOnly {
					if rec, err = transfer.AsBytes(rec); err != nil {
						out = append(out, backend.WriteResult{Key: rec.Key, Outcome: backend.BulkFailed, Err: err})
						continue
					}
				}
				if dropTTLs {
					rec.ExpiresAt = time.Time{}
				}
				rec.Key = p.targetName(rec.Key)
				write = append(write, rec)
			}
			for _, k := range batch {
				if !read[k] {
					out = append(out, backend.WriteResult{Key: k, Outcome: backend.BulkGone})
				}
			}
			if len(write) == 0 {
				return out, nil
			}
			res, err := rw.WriteRecords(ctx, p.bucket, write, p.policy)
			out = append(out, res...)
			if err == nil && p.policy == backend.ConflictFail {
				for _, r := range res {
					if r.Outcome == backend.BulkSkipped {
						err = fmt.Errorf("%w: %s", errCopyStopped, format.KeyName(r.Key))
						break
					}
				}
			}
			return out, err
		},
		func(b *bulkRun, rs []backend.WriteResult) {
			for _, r := range rs {
				b.tally.count(r.Key, r.Outcome, r.Err)
			}
		},
		func(a *App, b *bulkRun, err error) tea.Cmd {
			t := b.tally
			text := fmt.Sprintf("%s bucket %s: %s written, %s skipped (existing), %s gone, %s failed",
				label, format.Escape(p.bucket), exact(t.changed), exact(t.skipped), exact(t.gone), exact(t.failed))
			if n := t.done(); n < b.total {
				text += fmt.Sprintf("; %s not attempted", exact(b.total-n))
			}
			text, err = stoppedBy(text, err)
			out := writeDoneMsg{from: a.store, op: text, bucket: a.keys.bucket, err: err}
			if err == nil && t.failed > 0 {
				out.err = fmt.Errorf("%s; first failure: %w", text, t.firstErr)
			}
			// The other tab lists the keys written there.
			there := writeDoneMsg{from: p.to.store, op: fmt.Sprintf("%s keys copied here from %s", exact(t.changed), format.Escape(a.info.Address)),
				bucket: p.bucket, keys: t.changedKeys, added: t.changedKeys}
			forward := func() tea.Msg { return deckRequest{op: opToTab, tab: p.to.tab, msg: there} }
			return tea.Batch(a.writeDone(out), forward)
		})
}
