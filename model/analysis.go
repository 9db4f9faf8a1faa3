package model

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/kvdeck/kvdeck/keymap"
	"github.com/kvdeck/kvdeck/model/insight"
	"github.com/kvdeck/kvdeck/ui"
	"github.com/kvdeck/kvdeck/ui/format"
)

// The keyspace analysis page (A): streams the store's facts of every key
// of the listing's bucket and pattern, the marked keys or the folder under
// the cursor (backend.Analyzer), and adds them up live (model/insight):
// namespaces at a chosen depth, TTL groups, the largest keys and the
// longest collections, and the store's own totals. Tab switches tables, o
// sorts, +/- change the depth, Enter shows the row in the keys pane, t sets
// a TTL on a namespace's keys (bulkttl.go), x exports the tables.
var analysisPageSpec = pageSpec{
	binding: func(km keymap.KeyMap) key.Binding { return km.Analyze },
	panes:   []pane{paneKeys, paneBuckets},
	why:     all(needs[backend.Analyzer]("it cannot report sizes and TTLs"), needsBucket),
	open:    (*App).openAnalysis,
}

// analysisTable is one of the page's tables.
type analysisTable int

const (
	tableNamespaces analysisTable = iota
	tableTTL
	tableTopKeys
	tableTopCollections
	tableStore
	analysisTables
)

var analysisTableNames = [...]string{"namespaces", "TTLs", "largest keys", "longest collections", "store"}

type analysisPage struct {
	bucket, scope string
	// markers: the store keeps delete markers (NATS), which the store
	// table counts.
	markers bool
	req     uint64
	stream  *analysisStream
	agg     *insight.Aggregator

	report  insight.Report
	facts   []backend.Fact
	factErr error
	started time.Time
	took    time.Duration
	done    bool
	err     error

	table    analysisTable
	depth    int
	sortBy   insight.NamespaceColumn
	keySort  insight.KeyColumn
	win      ui.Window
	exported string
	// stale: a write here changed keys since the analysis read them.
	stale bool
}

// reportGap is the least time between two reports while analysing.
const reportGap = 200 * time.Millisecond

// analysisStream is the analysis's feed: its items only wake the page,
// which reads the aggregator's report.
type analysisStream = feed[struct{}]

// analysisMsg carries the report so far.
type analysisMsg struct {
	req    uint64
	report insight.Report
	done   bool
	err    error
	stream *analysisStream
}

// analysisFactsMsg carries the store's own totals.
type analysisFactsMsg struct {
	req   uint64
	facts []backend.Fact
	err   error
}

func (a *App) openAnalysis() (page, tea.Cmd) { return a.openAnalysisOf(0) }

// analyseSample is :analyse N, the analysis of a stated sample of N keys
// (never a silent one), or of every key without N.
func (a *App) analyseSample(arg string) (tea.Cmd, error) {
	n := 0
	if arg = strings.TrimSpace(arg); arg != "" {
		v, err := strconv.Atoi(strings.ReplaceAll(arg, ",", ""))
		if err != nil || v <= 0 {
			return nil, backend.Invalid("sample", "%q: give a number of keys, like 10000", arg)
		}
		n = v
	}
	if why := analysisPageSpec.why(a); why != "" {
		return nil, fmt.Errorf("analyse: %s", why)
	}
	pg, cmd := a.openAnalysisOf(n)
	return a.pushPage(pg, a.focus, cmd), nil
}

func (a *App) openAnalysisOf(sample int) (page, tea.Cmd) {
	an := a.store.(backend.Analyzer)
	q := backend.AnalyzeQuery{Pattern: a.keys.pattern}
	scope := "every key"
	if a.keys.pattern != "" {
		scope = "keys matching " + format.Escape(a.keys.pattern)
	}
	if names := a.keys.chosenNames(a.focus); names != nil {
		q = backend.AnalyzeQuery{Keys: names}
		scope = fmt.Sprintf("%d chosen keys", len(names))
	}
	if sample > 0 {
		q.Sample = sample
		scope += fmt.Sprintf(" · a sample of %s keys", exact(sample))
	}
	p := &analysisPage{bucket: a.keys.bucket, scope: scope, req: a.nextReq(), depth: 1, started: a.opts.Now(), markers: a.env.info.Kind == "nats" && sample == 0,
		agg: insight.New(a.treeDelimiter(), a.opts.Now)}
	if p.bucket == "" && len(a.buckets.list) > 0 {
		p.bucket = a.buckets.selected()
	}
	var start tea.Cmd
	p.stream, start = startAnalysis(an, p.agg, p.req, p.bucket, q)
	bucket, req, timeout := p.bucket, p.req, a.opts.Timeout
	facts := withTimeout(timeout, func(ctx context.Context) tea.Msg {
		f, err := an.BucketFacts(ctx, bucket)
		return analysisFactsMsg{req: req, facts: f, err: err}
	})
	return p, tea.Batch(start, facts)
}

// hasChosen says whether chosenNames has keys, without listing them.
func (k *keysPane) hasChosen(focus pane) bool {
	return focus == paneKeys && (len(k.marked) > 0 || k.tree.on && k.win.Cursor < len(k.tree.rows) && k.tree.rows[k.win.Cursor].Row < 0)
}

// chosenNames are the keys an action on "these keys" means: the marked
// keys, or the folder under the cursor in the tree; nil for neither.
func (k *keysPane) chosenNames(focus pane) []string {
	var rows []int
	if focus != paneKeys {
		return nil
	}
	if len(k.marked) > 0 {
		for r := range k.marked {
			if !k.set.Deleted(r) {
				rows = append(rows, r)
			}
		}
	} else if k.tree.on && k.win.Cursor < len(k.tree.rows) && k.tree.rows[k.win.Cursor].Row < 0 {
		rows = k.rowsUnderCursor()
	}
	if rows == nil {
		return nil
	}
	names := make([]string, len(rows))
	for i, r := range rows {
		names[i] = k.set.Name(r)
	}
	return names
}

// startAnalysis runs the analysis in its own goroutine, feeding agg.
func startAnalysis(an backend.Analyzer, agg *insight.Aggregator, req uint64, bucket string, q backend.AnalyzeQuery) (*analysisStream, tea.Cmd) {
	st, ctx := newFeed[struct{}]()
	produce := func() {
		var last time.Time
		err := an.Analyze(ctx, bucket, q, func(batch []backend.KeyFacts) error {
			agg.Add(batch)
			// A report copies and sorts every depth's namespaces: five a
			// second is live enough and leaves the CPU to the analysis.
			if now := time.Now(); now.Sub(last) >= reportGap {
				last = now
				st.push(struct{}{})
			}
			return nil
		})
		st.finish(err)
	}
	return st, started(produce, analysisWait(st, agg, req))
}

func analysisWait(st *analysisStream, agg *insight.Aggregator, req uint64) tea.Cmd {
	return st.next(func(_ []struct{}, done bool, err error) tea.Msg {
		return analysisMsg{req: req, report: agg.Report(), done: done, err: err, stream: st}
	})
}

func (p *analysisPage) title(e *env) string {
	return "Analysis of " + format.Escape(p.bucket) + " · " + p.scope
}

// layout leaves room for the totals, the tables' names, the keys, a blank
// line and the table's header.
func (p *analysisPage) layout(e *env, w, h int) { p.win.Height = max(h-5, 1) }

func (p *analysisPage) rows() int {
	switch p.table {
	case tableNamespaces:
		return len(p.report.Namespaces[p.depth-1])
	case tableTopKeys:
		return len(p.report.TopKeys)
	case tableTopCollections:
		return len(p.report.TopCollections)
	}
	return 0
}

func (p *analysisPage) update(e *env, msg tea.Msg) (tea.Cmd, pageResult) {
	switch msg := msg.(type) {
	case analysisMsg:
		if msg.req != p.req {
			return nil, pageKept
		}
		p.report = msg.report
		p.sortNamespaces()
		p.win.Clamp(p.rows())
		if msg.done {
			p.done, p.err, p.took = true, msg.err, e.opts.Now().Sub(p.started)
			return nil, pageKept
		}
		return analysisWait(msg.stream, p.agg, p.req), pageKept
	case analysisFactsMsg:
		if msg.req == p.req {
			p.facts, p.factErr = msg.facts, msg.err
		}
		return nil, pageKept
	case analysisExportedMsg:
		if msg.err != nil {
			e.fail(msg.err)
		} else {
			p.exported = msg.dir
			e.inform("exported " + fmt.Sprint(len(msg.paths)) + " files to " + msg.dir)
		}
		return nil, pageKept
	case tea.KeyPressMsg:
		return p.key(e, msg)
	}
	return nil, pageKept
}

func (p *analysisPage) key(e *env, k tea.KeyPressMsg) (tea.Cmd, pageResult) {
	km := e.km
	n := p.rows()
	switch {
	case key.Matches(k, km.Back):
		if !p.done {
			p.stream.stop() // the first esc stops; the report stays
			p.done, p.err, p.took = true, context.Canceled, e.opts.Now().Sub(p.started)
			return nil, pageKept
		}
		return nil, pagePopped
	case key.Matches(k, km.Quit):
		p.stream.stop()
		return nil, pagePassed
	case key.Matches(k, km.Undo):
		// The status line offers u after a bulk TTL or delete started here.
		return nil, pagePassed
	case key.Matches(k, km.NextPane):
		p.table = (p.table + 1) % analysisTables
		p.win = ui.Window{Height: p.win.Height}
	case key.Matches(k, km.PrevPane):
		p.table = (p.table + analysisTables - 1) % analysisTables
		p.win = ui.Window{Height: p.win.Height}
	case k.String() == "+" && p.depth < insight.MaxDepth:
		p.depth++
		p.sortNamespaces()
		p.win.Clamp(p.rows())
	case k.String() == "-" && p.depth > 1:
		p.depth--
		p.sortNamespaces()
		p.win.Clamp(p.rows())
	case key.Matches(k, km.Sort):
		switch p.table {
		case tableTopKeys, tableTopCollections:
			p.keySort = p.keySort.Next()
			p.sortNamespaces()
			e.inform("keys sorted by " + p.keySort.String())
		default:
			p.sortBy = p.sortBy.Next()
			p.sortNamespaces()
			e.inform("namespaces sorted by " + p.sortBy.String())
		}
	case key.Matches(k, km.Up):
		p.win.Move(-1, n)
	case key.Matches(k, km.Down):
		p.win.Move(1, n)
	case key.Matches(k, km.PageUp):
		p.win.Page(-1, n)
	case key.Matches(k, km.PageDown):
		p.win.Page(1, n)
	case key.Matches(k, km.Home):
		p.win.Home(n)
	case key.Matches(k, km.End):
		p.win.End(n)
	case key.Matches(k, km.Open):
		if i, ok := p.reveal(); ok {
			e.ask(i)
			return nil, pagePopped
		}
	case key.Matches(k, km.Export):
		return p.export(e), pageKept
	case key.Matches(k, km.TTL), key.Matches(k, km.Delete):
		if ns, ok := p.namespace(); ok && ns.Prefix != insight.OtherPrefix {
			e.ask(bulkTTLIntent{prefix: ns.Prefix, noTTL: ns.NoTTL, keys: ns.Keys, delete: key.Matches(k, km.Delete)})
			return nil, pageKept
		}
		e.inform("t and d act on the keys of the namespace under the cursor (namespaces table)")
	}
	return nil, pageKept
}

// sortNamespaces puts the tables in the order the user chose (the
// report comes sorted by size).
func (p *analysisPage) sortNamespaces() {
	list := p.report.Namespaces[p.depth-1]
	insight.SortNamespaces(list, p.sortBy, p.sortBy != insight.ByPrefix)
	insight.SortKeys(p.report.TopKeys, p.keySort)
	insight.SortKeys(p.report.TopCollections, p.keySort)
}

func (p *analysisPage) namespace() (insight.Namespace, bool) {
	list := p.report.Namespaces[p.depth-1]
	if p.table != tableNamespaces || p.win.Cursor >= len(list) {
		return insight.Namespace{}, false
	}
	return list[p.win.Cursor], true
}

// reveal is what Enter shows in the keys pane.
func (p *analysisPage) reveal() (revealIntent, bool) {
	switch p.table {
	case tableNamespaces:
		if ns, ok := p.namespace(); ok && ns.Prefix != "" && ns.Prefix != insight.OtherPrefix {
			return revealIntent{prefix: ns.Prefix}, true
		}
	case tableTopKeys:
		if p.win.Cursor < len(p.report.TopKeys) {
			return revealIntent{key: p.report.TopKeys[p.win.Cursor].Key}, true
		}
	case tableTopCollections:
		if p.win.Cursor < len(p.report.TopCollections) {
			return revealIntent{key: p.report.TopCollections[p.win.Cursor].Key}, true
		}
	}
	return revealIntent{}, false
}

type analysisExportedMsg struct {
	dir   string
	paths []string
	err   error
}

// export writes the tables under $XDG_STATE_HOME/kvdeck/analysis/ in a
// folder named for the bucket and the time (kvdeck-analysis-… in the
// current folder when there is no state folder).
func (p *analysisPage) export(e *env) tea.Cmd {
	r, depth, facts, now := p.report, p.depth, p.facts, e.opts.Now()
	name := "kvdeck-analysis-" + safeFileName(p.bucket) + "-" + now.Format("20060102-150405")
	return func() tea.Msg {
		base := os.Getenv("XDG_STATE_HOME")
		if base == "" {
			if home, err := os.UserHomeDir(); err == nil {
				base = filepath.Join(home, ".local", "state")
			}
		}
		dir := name
		if base != "" {
			dir = filepath.Join(base, "kvdeck", "analysis", name)
		}
		paths, err := insight.Export(dir, r, depth, facts, now)
		return analysisExportedMsg{dir: dir, paths: paths, err: err}
	}
}

// safeFileName keeps letters, digits, - and _ of a bucket name.
func safeFileName(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 128 && (r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

func (p *analysisPage) view(e *env, w, h int) string {
	st := e.st
	r := p.report
	state := "analysing…"
	if p.done {
		switch {
		case p.err == context.Canceled:
			state = "stopped: what was read so far"
		case p.err != nil:
			state = "stopped: " + describeError(p.err)
		default:
			state = "complete in " + p.took.Round(time.Millisecond).String()
		}
	}
	if p.stale {
		state += " · keys changed since (esc, then A, analyses them again)"
	}
	rate := ""
	if el := e.opts.Now().Sub(p.started).Seconds(); !p.done && el > 0 {
		rate = fmt.Sprintf(" · %s keys/s", humanCount(int64(float64(r.Keys)/el)))
	}
	head := st.MetaLabel.Render(fmt.Sprintf("%s keys · %s", humanCount(r.Keys), format.HumanBytes(r.Bytes))) +
		st.Muted.Render(fmt.Sprintf(" · %s without TTL%s · ", humanCount(r.TTL.NoTTL), rate)) + st.StatusInfo.Render(state)
	var tabs []string
	for t := range analysisTables {
		name := fmt.Sprintf(" %s ", analysisTableNames[t])
		if t == p.table {
			tabs = append(tabs, st.RowSelected.Render(name))
		} else {
			tabs = append(tabs, st.Muted.Render(name))
		}
	}
	hint := st.Muted.Render(fmt.Sprintf("%s table · %s sort · +/- depth · enter show · %s TTL · %s delete · %s export · esc %s",
		e.keyName(e.km.NextPane), e.keyName(e.km.Sort), e.keyName(e.km.TTL), e.keyName(e.km.Delete), e.keyName(e.km.Export), map[bool]string{true: "back", false: "stop"}[p.done]))
	lines := []string{ui.Fit(head, w), ui.Fit(strings.Join(tabs, ""), w), ui.Fit(hint, w), ""}
	// Only the rows on screen are formatted: a table may have thousands.
	from, to := p.win.Visible(p.rows())
	body := p.tableLines(e, w, from, to)
	lines = append(lines, body[0])
	for i, line := range body[1:] {
		if p.rows() > 0 && from+i == p.win.Cursor {
			line = st.RowSelected.Render(ansi.Strip(line))
		}
		lines = append(lines, line)
	}
	return strings.Join(lines[:min(len(lines), h)], "\n")
}

// tableLines is the current table: a header line, then the lines of its
// rows from to to (the namespaces and top tables; the TTL and store
// tables are a few lines, all shown).
func (p *analysisPage) tableLines(e *env, w, from, to int) []string {
	st := e.st
	r := p.report
	pct := func(n, total int64) string {
		if total <= 0 {
			return "-"
		}
		return fmt.Sprintf("%.1f%%", 100*float64(n)/float64(total))
	}
	switch p.table {
	case tableNamespaces:
		out := []string{st.MetaLabel.Render(fmt.Sprintf("%-32s %10s %10s %10s %7s %10s  %s   (depth %d, by %s)", "namespace", "keys", "size", "average", "share", "no TTL", "types", p.depth, p.sortBy))}
		for _, n := range r.Namespaces[p.depth-1][from:to] {
			name := n.Prefix
			switch name {
			case "":
				name = "(keys outside a folder)"
			case insight.OtherPrefix:
				name = fmt.Sprintf("(namespaces past the first %d)", insight.MaxNamespaces)
			}
			out = append(out, ui.Fit(fmt.Sprintf("%-32s %10s %10s %10s %7s %10s  %s", fitWidth(format.Escape(name), 32), humanCount(n.Keys),
				format.HumanBytes(n.Bytes), format.HumanBytes(n.Avg()), pct(n.Bytes, r.Bytes), humanCount(n.NoTTL), kindsText(n)), w))
		}
		return out
	case tableTTL:
		t := r.TTL
		rows := []struct {
			label string
			n     int64
		}{{"no TTL", t.NoTTL}, {"under 1 hour", t.UnderHour}, {"under 1 day", t.UnderDay}, {"under 7 days", t.UnderWeek},
			{"under 30 days", t.UnderMonth}, {"longer", t.Longer}, {"", -1}, {"expiring in the next minute", t.NextMinute}, {"expiring in the next hour", t.NextHour}}
		out := []string{st.MetaLabel.Render(fmt.Sprintf("%-30s %12s %7s", "time left", "keys", "share"))}
		for _, row := range rows {
			if row.n < 0 {
				out = append(out, "")
				continue
			}
			out = append(out, fmt.Sprintf("%-30s %12s %7s", row.label, humanCount(row.n), pct(row.n, r.Keys)))
		}
		return out
	case tableTopKeys, tableTopCollections:
		list := r.TopKeys
		if p.table == tableTopCollections {
			list = r.TopCollections
		}
		now := e.opts.Now()
		out := []string{st.MetaLabel.Render(fmt.Sprintf("%10s %10s %-7s %10s  %s   (by %s)", "size", "length", "type", "TTL", "key", p.keySort))}
		for _, f := range list[from:to] {
			ttl := "-"
			if !f.ExpiresAt.IsZero() {
				ttl = backend.FormatTTL(f.ExpiresAt.Sub(now))
			}
			length := ""
			if f.Length > 0 {
				length = humanCount(f.Length)
			}
			out = append(out, ui.Fit(fmt.Sprintf("%10s %10s %-7s %10s  %s", format.HumanBytes(f.Size), length, f.Kind.String(), ttl, format.KeyName(f.Key)), w))
		}
		return out
	}
	out := []string{st.MetaLabel.Render("the store's own figures")}
	if p.factErr != nil {
		out = append(out, st.StatusError.Render(describeError(p.factErr)))
	}
	for _, f := range p.facts {
		out = append(out, ui.Fit(fmt.Sprintf("%-28s %s", format.EscapeLine(f.Label), format.EscapeLine(f.Value)), w))
	}
	if p.markers {
		out = append(out, "", st.MetaLabel.Render("counted by this analysis"),
			ui.Fit(fmt.Sprintf("%-28s %s (%s): deleted keys whose last revision the bucket keeps", "delete markers", humanCount(r.Markers), format.HumanBytes(r.MarkerBytes)), w))
	}
	return out
}

// kindsText names a namespace's types, most common first.
func kindsText(n insight.Namespace) string {
	var parts []string
	for k := backend.KindString; int(k) < len(n.Kinds); k++ {
		if c := n.Kinds[k]; c > 0 {
			parts = append(parts, fmt.Sprintf("%s %s", k, humanCount(c)))
		}
	}
	return strings.Join(parts, ", ")
}
