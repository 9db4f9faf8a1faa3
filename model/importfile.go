package model

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/kvdeck/kvdeck/transfer"
	"github.com/kvdeck/kvdeck/ui/format"
)

// :import FILE reads a file of kvdeck's JSON Lines (Tiny RDM's CSV for a
// .csv, into Redis) into the open bucket, as kvdeck import does: the
// policy for keys that exist is chosen first (skip, overwrite, stop at the
// first), a dry run reads the whole file and counts new, existing,
// expired and bad lines (the first bad ones named by line), and only y
// imports, with progress and esc; a bad line is skipped (it was shown).
// Read-only refuses before the file is read.

// importPlan is an import the user is setting up.
type importPlan struct {
	path   string
	bucket string
	format transfer.Format
	policy backend.ConflictPolicy
}

func (a *App) importFrom(path string) (tea.Cmd, error) {
	path = strings.TrimSpace(path)
	if path == "" {
		return nil, backend.Invalid("file", "give the file to read: :import keys.jsonl")
	}
	if err := a.writeRefusal(); err != nil {
		return nil, err // before the file is read
	}
	if _, ok := a.store.(backend.RecordWriter); !ok {
		return nil, fmt.Errorf("import into %s: %w", a.info.Kind, backend.ErrUnsupported)
	}
	if a.keys.bucket == "" {
		return nil, fmt.Errorf("open the bucket to import into first")
	}
	if _, err := os.Stat(path); err != nil {
		return nil, err
	}
	p := importPlan{path: path, bucket: a.keys.bucket, format: transfer.JSONL}
	if strings.EqualFold(filepath.Ext(path), ".csv") {
		p.format = transfer.RDMCSV
	}
	a.choosePolicy("Import", "Import "+format.Escape(path)+" into bucket "+format.Escape(p.bucket)+". A key that exists:", "",
		func(a *App, policy backend.ConflictPolicy) tea.Cmd {
			p.policy = policy
			return a.dryRunImport(p)
		})
	return nil, nil
}

// importCountedMsg is a dry run's counts.
type importCountedMsg struct {
	from any
	plan importPlan
	c    transfer.Counts
	err  error
}

func (a *App) dryRunImport(p importPlan) tea.Cmd {
	a.inform("reading " + format.Escape(p.path) + "…")
	s := a.store
	// A whole file's worth of EXISTS: long enough for millions of lines.
	return withTimeout(a.opts.Timeout+dryRunTimeout, func(ctx context.Context) tea.Msg {
		f, err := os.Open(p.path)
		if err != nil {
			return importCountedMsg{from: s, plan: p, err: err}
		}
		defer f.Close()
		c, err := transfer.Import(ctx, s, p.bucket, f, transfer.ImportOptions{Format: p.format, Policy: p.policy, DryRun: true, SkipInvalid: true})
		return importCountedMsg{from: s, plan: p, c: c, err: err}
	})
}

// dryRunTimeout bounds an import's dry run beyond the store timeout.
const dryRunTimeout = 30 * time.Minute

func (a *App) confirmImport(msg importCountedMsg) tea.Cmd {
	if msg.from != any(a.store) {
		return nil
	}
	if msg.err != nil {
		a.fail(fmt.Errorf("import: %w", msg.err))
		return nil
	}
	a.status = statusLine{}
	c, p := msg.c, msg.plan
	body := []string{fmt.Sprintf("%s lines of %s into bucket %s:", exact(c.Lines), format.Escape(p.path), format.Escape(p.bucket)),
		fmt.Sprintf("  %s new, %s exist (%s), %s expired already", exact(c.New), exact(c.Exist), map[backend.ConflictPolicy]string{
			backend.ConflictSkip: "left as they are", backend.ConflictOverwrite: "overwritten: this cannot be undone",
			backend.ConflictFail: "the import stops at the first"}[p.policy], exact(c.Expired))}
	if c.Invalid > 0 {
		body = append(body, a.st.Danger.Render(fmt.Sprintf("%s lines cannot be read and are skipped:", exact(c.Invalid))))
		for _, e := range c.Invalids[:min(len(c.Invalids), 3)] {
			body = append(body, "  "+format.EscapeLine(e.Error()))
		}
	}
	if c.Failed > 0 && c.FirstFailure != nil {
		body = append(body, a.st.Danger.Render(fmt.Sprintf("%s keys cannot go there: %s", exact(c.Failed), format.EscapeLine(c.FirstFailure.Error()))))
	}
	if c.New+c.Exist == 0 {
		a.inform("nothing to import: " + body[1])
		return nil
	}
	a.dialog = newConfirm(fmt.Sprintf("Import %s keys?", exact(c.New+c.Exist)), body, func(a *App) tea.Cmd { return a.runImport(p) })
	return nil
}

// importStream carries an import's counts as it runs.
type importStream = feed[transfer.Counts]

type importProgressMsg struct {
	stream *importStream
	counts []transfer.Counts
	done   bool
	err    error
	plan   importPlan
}

func (a *App) runImport(p importPlan) tea.Cmd {
	s := a.store
	st, ctx := newFeed[transfer.Counts]()
	produce := func() {
		f, err := os.Open(p.path)
		if err != nil {
			st.finish(err)
			return
		}
		defer f.Close()
		c, err := transfer.Import(ctx, s, p.bucket, f, transfer.ImportOptions{Format: p.format, Policy: p.policy, SkipInvalid: true,
			Progress: func(c transfer.Counts) { st.push(c) }})
		st.push(c)
		st.finish(err)
	}
	a.bulk = &bulkRun{stream: st, stop: st.stop, started: a.opts.Now()}
	return started(produce, importWait(st, p))
}

func importWait(st *importStream, p importPlan) tea.Cmd {
	return st.next(func(c []transfer.Counts, done bool, err error) tea.Msg {
		return importProgressMsg{stream: st, counts: c, done: done, err: err, plan: p}
	})
}

func (a *App) importProgressed(msg importProgressMsg) tea.Cmd {
	if a.bulk == nil || a.bulk.stream != any(msg.stream) {
		return nil
	}
	var c transfer.Counts
	if n := len(msg.counts); n > 0 {
		c = msg.counts[n-1]
	}
	if !msg.done {
		a.inform(fmt.Sprintf("import: %s lines, %s written, %s skipped · esc stops", humanCount(int64(c.Lines)), humanCount(int64(c.Written)), humanCount(int64(c.Skipped))))
		return importWait(msg.stream, msg.plan)
	}
	a.bulk = nil
	text := fmt.Sprintf("import of %s: %s lines: %s written, %s skipped (existing), %s expired, %s invalid, %s failed",
		format.Escape(filepath.Base(msg.plan.path)), exact(c.Lines), exact(c.Written), exact(c.Skipped), exact(c.Expired), exact(c.Invalid), exact(c.Failed))
	text, err := stoppedBy(text, msg.err)
	if err != nil && errors.Is(err, transfer.ErrStopped) {
		err = nil
		text += "; stopped at a key that exists"
	}
	if err == nil && c.Failed > 0 && c.FirstFailure != nil {
		err = fmt.Errorf("%s; first failure: %w", text, c.FirstFailure)
	}
	if err != nil {
		a.fail(err)
	} else {
		a.inform(text)
	}
	// The listing shows what arrived.
	return tea.Batch(a.keys.reload(&a.env), a.buckets.refreshCounts(&a.env))
}
