package model

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/kvdeck/kvdeck/transfer"
	"github.com/kvdeck/kvdeck/ui/format"
)

// :export FILE writes the marked keys, the folder under the cursor, or
// every key of the listing (its bucket and pattern) to FILE, in kvdeck's
// JSON Lines, or Tiny RDM's CSV when FILE ends in .csv (Redis only): the
// same lines as kvdeck export. It streams like a bulk action (progress,
// rate, esc) and ends saying how many keys went into which file; a key
// gone since the listing is left out and counted.

// exportTo starts an export of the chosen keys to path.
func (a *App) exportTo(path string) (tea.Cmd, error) {
	path = strings.TrimSpace(path)
	if path == "" {
		return nil, backend.Invalid("file", "give the file to write: :export keys.jsonl (or .csv for Tiny RDM's CSV)")
	}
	rr, ok := a.store.(backend.RecordReader)
	if !ok {
		return nil, fmt.Errorf("export from %s: %w", a.info.Kind, backend.ErrUnsupported)
	}
	f := transfer.JSONL
	if strings.EqualFold(filepath.Ext(path), ".csv") {
		if a.info.Kind != "redis" {
			return nil, backend.Invalid("file", "a .csv is Tiny RDM's CSV of Redis DUMP payloads: export from %s to a .jsonl", a.info.Kind)
		}
		f = transfer.RDMCSV
	}
	names := a.keys.chosenNames(a.focus)
	about := "chosen"
	if names == nil {
		names, about = a.keys.namesUnder(""), "listed"
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("no keys to export")
	}
	if a.keys.listing {
		return nil, fmt.Errorf("the listing is still running: export when it is complete (the status bar says so)")
	}
	file, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("export: %w (kvdeck never writes over a file)", err)
	}
	bucket := a.keys.bucket
	label := fmt.Sprintf("export of %s %s keys", exact(len(names)), about)
	return a.startExport(rr, file, path, bucket, names, label, f), nil
}

func (a *App) startExport(rr backend.RecordReader, file *os.File, path, bucket string, names []string, label string, f transfer.Format) tea.Cmd {
	var mu sync.Mutex
	return startBulk(a, names, label,
		func(ctx context.Context, batch []string) ([]backend.WriteResult, error) {
			recs, err := rr.ReadRecords(ctx, bucket, batch, backend.ReadOptions{Dump: f == transfer.RDMCSV})
			if err != nil {
				return nil, err
			}
			buf, err := transfer.EncodeBatch(bucket, recs, f, time.Now())
			if err != nil {
				return nil, err
			}
			mu.Lock()
			_, err = file.Write(buf)
			mu.Unlock()
			if err != nil {
				return nil, fmt.Errorf("writing %s: %w", path, err)
			}
			read := make(map[string]bool, len(recs))
			out := make([]backend.WriteResult, 0, len(batch))
			for _, r := range recs {
				read[r.Key] = true
				out = append(out, backend.WriteResult{Key: r.Key, Outcome: backend.BulkChanged})
			}
			for _, k := range batch {
				if !read[k] {
					out = append(out, backend.WriteResult{Key: k, Outcome: backend.BulkGone})
				}
			}
			return out, nil
		},
		func(b *bulkRun, rs []backend.WriteResult) {
			for _, r := range rs {
				b.tally.count(r.Key, r.Outcome, r.Err)
			}
		},
		func(a *App, b *bulkRun, err error) tea.Cmd {
			cerr := file.Close()
			t := b.tally
			text := fmt.Sprintf("exported %s keys to %s (%s)", exact(t.changed), format.Escape(path), f)
			if t.gone > 0 {
				text += fmt.Sprintf("; %s gone since the listing", exact(t.gone))
			}
			if n := t.done(); n < b.total {
				text += fmt.Sprintf("; %s not exported", exact(b.total-n))
			}
			text, err = stoppedBy(text, err)
			if err == nil && cerr != nil {
				err = fmt.Errorf("%s: %w", text, cerr)
			}
			if err != nil {
				a.fail(err)
				return nil
			}
			a.inform(text)
			return nil
		})
}
