package model

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/kvdeck/kvdeck/ui/format"
)

// Search in values: read the listed keys' values in bounded batches, off
// the UI path, and keep the keys whose value contains a text or whose JSON
// has a field with a value. Results replace the key list like a filter and
// stream in with progress; esc cancels.

// valueSearchBytes bounds how much of each value is read.
const valueSearchBytes = 256 << 10

// valueSearchParallel is how many values are read at once.
const valueSearchParallel = 8

// searchStream is a value search's feed of matching rows.
type searchStream = feed[searchHit]

// searchHit is a matching row, and where in its value the query matched
// when that is not the value's own bytes: "field email" of a hash, "index
// 3" of a list, "member x" of a set, "gzip → json" for a decoded value.
type searchHit struct {
	row   uint32
	where string
}

// valueQuery is a parsed search: text, or a JSON field path and value.
type valueQuery struct {
	text  []byte
	path  []string
	value string
}

func parseValueQuery(q string) (valueQuery, error) {
	if q == "" {
		return valueQuery{}, backend.Invalid("search", "type a text, or a JSON field like .status=failed")
	}
	if strings.HasPrefix(q, ".") || strings.HasPrefix(q, "$.") {
		p, v, ok := strings.Cut(strings.TrimPrefix(q, "$"), "=")
		if !ok {
			return valueQuery{}, backend.Invalid("search", "a JSON field search is .path=value, like .user.status=active")
		}
		return valueQuery{path: strings.Split(strings.TrimPrefix(p, "."), "."), value: v}, nil
	}
	return valueQuery{text: []byte(q)}, nil
}

// find matches v, and failing that what v decodes to (gzip, zstd,
// msgpack…: format.SearchText); where says which decoding matched.
func (q valueQuery) find(v []byte) (ok bool, where string) {
	if q.match(v) {
		return true, ""
	}
	if text, chain := format.SearchText(v, valueSearchBytes); text != nil && q.match(text) {
		return true, chain
	}
	return false, ""
}

// findInRecord matches the elements of a collection, and says where: the
// hash field, list index, set or sorted set member, or stream entry.
func (q valueQuery) findInRecord(rec backend.Record) (ok bool, where string) {
	for i, el := range rec.Elements {
		switch rec.Kind {
		case backend.KindHash:
			if q.path == nil && q.match([]byte(el.Field)) {
				return true, "field " + el.Field
			}
			if ok, how := q.find(el.Value); ok {
				return true, joinWhere("field "+el.Field, how)
			}
		case backend.KindList:
			if ok, how := q.find(el.Value); ok {
				return true, joinWhere(fmt.Sprintf("index %d", i), how) // read from the head
			}
		case backend.KindSet, backend.KindZSet:
			if ok, how := q.find(el.Value); ok {
				return true, joinWhere("member "+string(el.Value), how)
			}
		case backend.KindStream:
			for _, f := range el.Fields {
				if q.path == nil && q.match([]byte(f.Name)) {
					return true, "entry " + el.Field + " field " + f.Name
				}
				if ok, how := q.find([]byte(f.Value)); ok {
					return true, joinWhere("entry "+el.Field+" field "+f.Name, how)
				}
			}
		}
	}
	return false, ""
}

func joinWhere(at, how string) string {
	if how == "" {
		return at
	}
	return at + " (" + how + ")"
}

func (q valueQuery) match(v []byte) bool {
	if q.path == nil {
		return bytes.Contains(v, q.text)
	}
	var doc any
	if json.Unmarshal(v, &doc) != nil {
		return false
	}
	for _, p := range q.path {
		m, ok := doc.(map[string]any)
		if !ok {
			return false
		}
		if doc, ok = m[p]; !ok {
			return false
		}
	}
	switch x := doc.(type) {
	case string:
		return x == q.value
	case nil:
		return q.value == "null"
	default:
		b, _ := json.Marshal(x)
		return string(b) == q.value
	}
}

func (a *App) openValueSearch() tea.Cmd {
	if a.keys.set == nil {
		return nil
	}
	a.dialog = newInput("Search in values", "find> ", "", []string{
		"a text the value contains, or a JSON field: .status=failed",
		"searches the listed keys (use " + a.keyName(a.km.Pattern) + " for a pattern first to narrow them)",
	}, func(a *App, q string) (tea.Cmd, error) {
		vq, err := parseValueQuery(q)
		if err != nil {
			return nil, err
		}
		return a.keys.startValueSearch(&a.env, q, vq), nil
	})
	return nil
}

func (k *keysPane) startValueSearch(e *env, q string, vq valueQuery) tea.Cmd {
	k.stopValueSearch()
	// The names to read, and their rows, which the matches come back as:
	// a match is a row number, so the result list needs no lookup by name.
	var names []string
	var rows []uint32
	for i := range k.set.Len() {
		if !k.set.Deleted(i) {
			names = append(names, k.set.Name(i))
			rows = append(rows, uint32(i))
		}
	}
	ss, ctx := newFeed[searchHit]()
	scanned := new(atomic.Int64)
	k.search = valueSearchState{query: q, stream: ss, scannedBy: scanned, req: e.nextReq(), total: len(names)}
	k.view = []uint32{}
	k.win.Home(0)
	s, bucket, timeout := e.store, k.bucket, e.opts.Timeout
	if br, ok := s.(backend.BulkReader); ok {
		rr, _ := s.(backend.RecordReader)
		return started(func() { searchInBatches(ctx, br, rr, bucket, timeout, names, rows, vq, ss, scanned) }, searchWait(ss, scanned, k.search.req))
	}
	produce := func() {
		// A read that fails, other than for a key deleted since it was
		// listed, ends the search with its error, as searchInBatches does:
		// a count over the keys that could be read is not passed off as
		// the count over all of them (with the server gone, it said "1974
		// of 200000 keys match" when 2000 did).
		rctx, stop := context.WithCancel(ctx)
		defer stop()
		var failed error
		var failOnce sync.Once
		jobs := make(chan int)
		var wg sync.WaitGroup
		for range valueSearchParallel {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range jobs {
					gctx, gcancel := context.WithTimeout(rctx, timeout)
					e, err := s.Get(gctx, bucket, names[i], backend.GetOptions{MaxBytes: valueSearchBytes})
					gcancel()
					if err != nil && !errors.Is(err, backend.ErrNotFound) {
						if rctx.Err() == nil {
							failOnce.Do(func() { failed = err; stop() })
						}
						continue
					}
					scanned.Add(1)
					if ok, where := vq.find(e.Value); err == nil && ok {
						ss.push(searchHit{rows[i], where})
					} else {
						ss.signal() // progress: scanned moved
					}
				}
			}()
		}
		for i := range names {
			select {
			case jobs <- i:
			case <-rctx.Done():
			}
			if rctx.Err() != nil {
				break
			}
		}
		close(jobs)
		wg.Wait()
		if failed == nil {
			failed = ctx.Err()
		}
		ss.finish(failed)
	}
	return started(produce, searchWait(ss, scanned, k.search.req))
}

// valueSearchBatch is how many values one BulkReader call reads, and
// valueSearchBatches how many such calls are in flight: one pipeline
// travels while the last one's values are matched.
const (
	valueSearchBatch   = 1000
	valueSearchBatches = 2
)

// searchElements bounds the elements of one collection a search reads:
// its first pages, read as export reads them (a thousand elements a
// command, never one command that holds the server).
const searchElements = 10_000

// searchInBatches is the value search on a store that reads many values
// in one call (BulkReader): batches of names, a few in flight. The keys a
// batch's read says are no strings (a Redis hash, list, set, sorted set or
// stream) are read again by their elements (RecordReader), at most
// searchElements of each.
func searchInBatches(ctx context.Context, br backend.BulkReader, rr backend.RecordReader, bucket string, timeout time.Duration, names []string, rows []uint32, vq valueQuery, ss *searchStream, scanned *atomic.Int64) {
	type job struct{ from, to int }
	jobs := make(chan job)
	errs := make(chan error, valueSearchBatches)
	// report keeps a failed read for the loop below, which ends the search
	// with it; one is enough.
	report := func(err error) {
		select {
		case errs <- err:
		default:
		}
	}
	var wg sync.WaitGroup
	for range valueSearchBatches {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				bctx, cancel := context.WithTimeout(ctx, timeout)
				values, err := br.ReadMany(bctx, bucket, names[j.from:j.to], valueSearchBytes)
				cancel()
				if err != nil {
					report(err)
					continue
				}
				var found []searchHit
				var collections []string
				var collectionRows []uint32
				for i, v := range values {
					if v == nil && rr != nil {
						// Not a string: a collection (or gone).
						collections = append(collections, names[j.from+i])
						collectionRows = append(collectionRows, rows[j.from+i])
						continue
					}
					if ok, where := vq.find(v); ok {
						found = append(found, searchHit{rows[j.from+i], where})
					}
				}
				if len(collections) > 0 {
					cctx, cancel := context.WithTimeout(ctx, timeout)
					recs, err := rr.ReadRecords(cctx, bucket, collections, backend.ReadOptions{MaxElements: searchElements})
					cancel()
					if err != nil {
						report(err)
						continue
					}
					at := make(map[string]uint32, len(collections))
					for i, n := range collections {
						at[n] = collectionRows[i]
					}
					for _, rec := range recs {
						if ok, where := vq.findInRecord(rec); ok {
							found = append(found, searchHit{at[rec.Key], where})
						}
					}
				}
				scanned.Add(int64(j.to - j.from))
				if len(found) > 0 {
					ss.push(found...)
				} else {
					ss.signal() // progress: scanned moved
				}
			}
		}()
	}
	var failed error
	for from := 0; from < len(names) && ctx.Err() == nil && failed == nil; {
		to := min(from+valueSearchBatch, len(names))
		select {
		case jobs <- job{from, to}:
			from = to
		case failed = <-errs:
			// A failed read (the server went away) ends the search with
			// its error rather than passing a partial result off as whole.
		case <-ctx.Done():
		}
	}
	close(jobs)
	wg.Wait()
	if failed == nil {
		select {
		case failed = <-errs:
		default:
			failed = ctx.Err()
		}
	}
	ss.finish(failed)
}

// searchWait delivers the next matches and how many values were read.
func searchWait(ss *searchStream, scanned *atomic.Int64, req uint64) tea.Cmd {
	return ss.next(func(m []searchHit, done bool, err error) tea.Msg {
		return valueSearchMsg{req: req, matches: m, scanned: int(scanned.Load()), done: done, err: err, stream: ss}
	})
}

// valueSearchState is the running or finished search in values.
type valueSearchState struct {
	query  string
	req    uint64
	stream *searchStream
	// scannedBy counts the values the running search has read.
	scannedBy *atomic.Int64
	total     int
	scanned   int
	found     int
	// where says, by row, where a match was when not in the value's own
	// bytes (an element of a collection, a decoded value); the key list
	// shows it beside the name.
	where map[uint32]string
	done  bool
	// incomplete: the search ended on a failed read, not after every key.
	incomplete bool
}

func (k *keysPane) stopValueSearch() {
	if k.search.stream != nil {
		k.search.stream.cancel()
	}
	k.search = valueSearchState{}
}

func (k *keysPane) valueSearched(e *env, msg valueSearchMsg) tea.Cmd {
	if msg.req != k.search.req {
		return nil
	}
	for _, h := range msg.matches {
		if !k.set.Deleted(int(h.row)) {
			k.view = append(k.view, h.row)
		}
		if h.where != "" {
			if k.search.where == nil {
				k.search.where = map[uint32]string{}
			}
			k.search.where[h.row] = h.where
		}
	}
	k.search.found += len(msg.matches)
	k.search.scanned = msg.scanned
	if msg.done {
		k.search.done = true
		k.search.stream = nil
		if msg.err != nil && !errors.Is(msg.err, context.Canceled) {
			k.search.incomplete = true
			e.fail(fmt.Errorf("search in values for %q stopped after %d of %d keys, so %d matches is not the whole count: %w", format.Escape(k.search.query), k.search.scanned, k.search.total, k.search.found, msg.err))
		} else {
			e.inform(fmt.Sprintf("search in values for %q: %d of %d keys match", format.Escape(k.search.query), k.search.found, k.search.total))
		}
		return k.afterChange(e)
	}
	return tea.Batch(searchWait(msg.stream, k.search.scannedBy, msg.req), k.afterChange(e))
}

func (k *keysPane) searchStatus() string {
	s := k.search
	if s.query == "" {
		return ""
	}
	if s.done && s.incomplete {
		return fmt.Sprintf("value search %q: %d matches in %d of %d keys (incomplete)", format.Escape(s.query), s.found, s.scanned, s.total)
	}
	if s.done {
		return fmt.Sprintf("value search %q: %d matches", format.Escape(s.query), s.found)
	}
	return fmt.Sprintf("value search %q: %d matches, %d/%d read…", format.Escape(s.query), s.found, s.scanned, s.total)
}
