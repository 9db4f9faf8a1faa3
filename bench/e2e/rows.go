package main

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/kvdeck/kvdeck/internal/slowlink"
)

// Timeouts of the waits on the screen: generous, since they only end a run
// that is stuck, and never shape a figure.
const (
	listingTimeout = 15 * time.Minute
	keyTimeout     = 30 * time.Second
	searchTimeout  = 30 * time.Minute
	quitTimeout    = 10 * time.Second
)

// pressGap is the pause between two help presses while a listing streams:
// about a fast typist's pace, so the presses sample the listing rather
// than flood the program with frames to draw.
const pressGap = 25 * time.Millisecond

// session is one kvdeck process, from exec to quit.
type session struct {
	firstRows, complete time.Duration   // exec → first key rows, exec → exact count shown
	rss                 int64           // VmHWM just before q
	presses             []time.Duration // ? → help overlay drawn, while listing
	steps               []time.Duration // what the row's after-hook timed
	note                string          // what the after-hook saw (counts)
}

type sessionSpec struct {
	argv     []string
	want     int      // the exact count the status bar must show
	prefixes []string // names a first key row starts with
	presses  bool     // press ? / esc while the listing streams
	// after runs once the listing is complete, before the RSS is read.
	after func(t *Term, s *session) error
}

// kvdeckSession runs kvdeck in a pseudo-terminal until its listing is
// complete (and the after-hook is done), then reads its peak RSS and quits.
func (b *bench) kvdeckSession(spec sessionSpec) (s session, err error) {
	t, err := startTerm(termCols, termRows, b.env, append([]string{b.kvdeckBin}, spec.argv...)...)
	if err != nil {
		return s, err
	}
	defer func() {
		if err != nil {
			t.Kill()
		}
	}()
	first := t.Watch(func(sc Screen) bool { return sc.FirstKey(spec.prefixes) != "" })
	complete := t.Watch(func(sc Screen) bool { return sc.ListingComplete(spec.want) })
	if spec.presses {
		if _, err := t.Wait(first, listingTimeout, "first key rows"); err != nil {
			return s, err
		}
		for {
			if _, done := complete.Fired(); done {
				break
			}
			// The watcher is set before the key goes, so no frame can slip
			// between the press and the watch.
			open := t.Watch(Screen.HelpShown)
			at := t.Press("?")
			shown, err := t.Wait(open, keyTimeout, "help overlay after ?")
			if err != nil {
				return s, err
			}
			s.presses = append(s.presses, shown.Sub(at))
			closed := t.Watch(func(sc Screen) bool { return !sc.HelpShown() })
			t.Press("esc")
			if _, err := t.Wait(closed, keyTimeout, "help overlay closed after esc"); err != nil {
				return s, err
			}
			time.Sleep(pressGap)
		}
	}
	doneAt, err := t.Wait(complete, listingTimeout, fmt.Sprintf("status bar showing exactly %d keys, listing over", spec.want))
	if err != nil {
		return s, err
	}
	firstAt, err := t.Wait(first, keyTimeout, "first key rows")
	if err != nil {
		return s, err
	}
	s.firstRows, s.complete = firstAt.Sub(t.Started()), doneAt.Sub(t.Started())
	// The figures are of the bucket asked for, opened with the focus on
	// its keys (a bucket not found leaves kvdeck on the bucket list).
	if want := bucketArg(spec.argv); want != "" {
		if got := t.Screen().KeysPaneTitle(); got != want {
			return s, fmt.Errorf("the keys pane shows bucket %q, not %q:\n%s", got, want, t.Screen())
		}
	}
	if spec.after != nil {
		if err := spec.after(t, &s); err != nil {
			return s, err
		}
	}
	if s.rss, err = t.PeakRSS(); err != nil {
		return s, err
	}
	return s, t.Quit(quitTimeout)
}

// listing is a row of listing runs: in each run the floor, then kvdeck.
type listing struct {
	what     string
	want     int
	prefixes []string
	argv     []string
	floor    func() (time.Duration, error)
	after    func(t *Term, s *session) error
}

func (b *bench) listingRuns(l listing) ([]time.Duration, []session, error) {
	var floors []time.Duration
	var sessions []session
	for i := range b.runs {
		f, err := l.floor()
		if err != nil {
			return floors, sessions, err
		}
		s, err := b.kvdeckSession(sessionSpec{argv: l.argv, want: l.want, prefixes: l.prefixes, presses: b.presses, after: l.after})
		if err != nil {
			return floors, sessions, err
		}
		floors, sessions = append(floors, f), append(sessions, s)
		log.Printf("  run %d: floor %s, kvdeck first rows %s, complete %s, peak RSS %s, %d presses p50 %s ms, max %s ms",
			i+1, fmtDur(f), fmtDur(s.firstRows), fmtDur(s.complete), mbSpread([]int64{s.rss}), len(s.presses), ms(median(s.presses)), ms(pct(s.presses, 100)))
	}
	return floors, sessions, nil
}

func listingResult(what string, floors []time.Duration, sessions []session) result {
	var completes, firsts []time.Duration
	var ratios []float64
	var rss []int64
	var p50, p99, pmax []time.Duration
	r := result{what: what}
	for i, s := range sessions {
		completes, firsts, rss = append(completes, s.complete), append(firsts, s.firstRows), append(rss, s.rss)
		ratios = append(ratios, float64(s.complete)/float64(floors[i]))
		if len(s.presses) > 0 {
			p50, p99, pmax = append(p50, pct(s.presses, 50)), append(p99, pct(s.presses, 99)), append(pmax, pct(s.presses, 100))
		}
		r.details = append(r.details, fmt.Sprintf("- %s, run %d: floor %s; kvdeck first rows %s, complete %s (%.2fx); peak RSS %s; %d help presses while listing: p50 %s, p99 %s, max %s ms",
			what, i+1, fmtDur(floors[i]), fmtDur(s.firstRows), fmtDur(s.complete), ratios[i], mbSpread([]int64{s.rss}), len(s.presses), ms(pct(s.presses, 50)), ms(pct(s.presses, 99)), ms(pct(s.presses, 100))))
	}
	r.floor, r.kvdeck, r.first = durSpread(floors), durSpread(completes), durSpread(firsts)
	r.ratio, r.rss = ratioSpread(ratios), mbSpread(rss)
	if len(p50) > 0 {
		// Each run's percentiles over its presses; the cell is the median
		// run's of each.
		r.keyFrame = fmt.Sprintf("%s / %s / %s ms", ms(median(p50)), ms(median(p99)), ms(median(pmax)))
	}
	return r
}

func (b *bench) listingRow(l listing) ([]result, error) {
	floors, sessions, err := b.listingRuns(l)
	if len(sessions) == 0 {
		return nil, err
	}
	return []result{listingResult(l.what, floors[:len(sessions)], sessions)}, err
}

func (b *bench) redisScanFloor(addr string, want int) func() (time.Duration, error) {
	return func() (time.Duration, error) {
		d, _, err := b.floorKeys(want, "redis-scan", "-addr", addr)
		return d, err
	}
}

func (b *bench) redisListing1M() ([]result, error) { return b.redisListing(b.redis1M) }

func (b *bench) redisListing10M() ([]result, error) { return b.redisListing(b.redis10M) }

// redisListing is the listing row of the Redis data set fixture loads.
func (b *bench) redisListing(fixture func() (*redisFixture, error)) ([]result, error) {
	f, err := fixture()
	if err != nil {
		return nil, err
	}
	return b.listingRow(listing{
		what: fmt.Sprintf("Redis, %s keys: listing", count(f.data.keys)), want: f.data.keys, prefixes: f.prefixes,
		argv:  []string{f.url(), "--bucket", "0"},
		floor: b.redisScanFloor(f.srv.Addr, f.data.keys),
	})
}

// slowLinkDelay is each direction's delay: a 50 ms round trip.
const slowLinkDelay = 25 * time.Millisecond

// valueOpens is how many keys each slow-link run opens.
const valueOpens = 5

// slowLink lists the 1M keys through a link with a 50 ms round trip (kvdeck
// and the floor both connect through the proxy), then opens values: each
// down moves the cursor to the next key, whose value the value pane reads.
func (b *bench) slowLink() ([]result, error) {
	f, err := b.redis1M()
	if err != nil {
		return nil, err
	}
	p, err := slowlink.Listen(f.srv.Addr, slowLinkDelay)
	if err != nil {
		return nil, err
	}
	defer p.Close()
	var opens []time.Duration
	what := fmt.Sprintf("Redis, %s keys, 50 ms round trip: listing", count(f.data.keys))
	floors, sessions, err := b.listingRuns(listing{
		what: what, want: f.data.keys, prefixes: f.prefixes,
		argv:  []string{"redis://" + p.Addr + "/0", "--bucket", "0"},
		floor: b.redisScanFloor(p.Addr, f.data.keys),
		after: func(t *Term, s *session) error {
			for i := 1; i <= valueOpens; i++ {
				name := t.Screen().KeyRow(i)
				if name == "" {
					return fmt.Errorf("no key on row %d of the keys pane:\n%s", i, t.Screen())
				}
				shown := t.Watch(func(sc Screen) bool { return sc.ValueShown(name) })
				at := t.Press("down")
				done, err := t.Wait(shown, keyTimeout, "value of "+name)
				if err != nil {
					return err
				}
				s.steps = append(s.steps, done.Sub(at))
			}
			opens = append(opens, s.steps...)
			return nil
		},
	})
	if len(sessions) == 0 {
		return nil, err
	}
	out := []result{listingResult(what, floors[:len(sessions)], sessions)}
	rtt := 2 * slowLinkDelay
	var rts []float64
	for _, d := range opens {
		rts = append(rts, float64(d)/float64(rtt))
	}
	open := result{
		what:   "Redis, 50 ms round trip: value open (down → next key's value drawn)",
		floor:  fmtDur(rtt) + " (1 round trip)",
		kvdeck: durSpread(opens),
		ratio:  spread(rts, func(r float64) string { return fmt.Sprintf("%.1f RTT", r) }),
	}
	var each []string
	for _, d := range opens {
		each = append(each, fmtDur(d))
	}
	open.details = []string{fmt.Sprintf("- value opens through the 50 ms link, %d a run: %s", valueOpens, strings.Join(each, ", "))}
	out = append(out, open)
	return out, err
}

func (b *bench) cluster() ([]result, error) {
	f, err := b.cluster1M()
	if err != nil {
		return nil, err
	}
	var perMaster []string
	floor := func() (time.Duration, error) {
		// One SCAN loop per master, each alone; the listing cannot be done
		// before the slowest of them.
		var slowest time.Duration
		total := 0
		var each []string
		for _, addr := range f.c.Addrs {
			d, n, err := b.floorKeys(-1, "redis-scan", "-addr", addr)
			if err != nil {
				return 0, err
			}
			total += n
			slowest = max(slowest, d)
			each = append(each, fmt.Sprintf("%d keys %s", n, fmtDur(d)))
		}
		if total != f.data.keys {
			return 0, fmt.Errorf("the masters' SCANs counted %d keys, want %d", total, f.data.keys)
		}
		perMaster = append(perMaster, strings.Join(each, ", "))
		return slowest, nil
	}
	res, err := b.listingRow(listing{
		what: fmt.Sprintf("Redis Cluster, 3 masters, %s keys: listing", count(f.data.keys)), want: f.data.keys, prefixes: keyPrefixes,
		argv:  []string{f.c.URL(), "--bucket", "cluster"}, // a cluster's one bucket
		floor: floor,
	})
	if len(res) > 0 {
		for i, pm := range perMaster {
			res[0].details = append(res[0].details, fmt.Sprintf("- cluster floor, run %d, per master: %s", i+1, pm))
		}
	}
	return res, err
}

func (b *bench) natsRow(name string, n int, what string) ([]result, error) {
	f, err := b.natsBucket(name, n)
	if err != nil {
		return nil, err
	}
	return b.listingRow(listing{
		what: what, want: f.data.keys, prefixes: keyPrefixes,
		argv: []string{f.url, "--bucket", f.bucket},
		floor: func() (time.Duration, error) {
			d, _, err := b.floorKeys(f.data.keys, "nats-listkeys", "-url", f.url, "-bucket", f.bucket)
			return d, err
		},
	})
}

func (b *bench) nats100k() ([]result, error) {
	return b.natsRow("nats100k", 100_000, "NATS KV, 100k keys: listing")
}

func (b *bench) nats1M() ([]result, error) {
	return b.natsRow("nats1m", b.keys, fmt.Sprintf("NATS KV, %s keys: listing", count(b.keys)))
}

// filterRow lists, then opens the / filter and types query one character
// at a time: each keystroke's clock runs from the key press to the status
// bar showing the new "M of N keys match" with no "filtering…".
func (b *bench) filterRow(f *redisFixture, what, query string) ([]result, error) {
	var all []time.Duration
	var rss []int64
	var details []string
	for run := range b.runs {
		s, err := b.kvdeckSession(sessionSpec{
			argv: []string{f.url(), "--bucket", "0"}, want: f.data.keys, prefixes: f.prefixes,
			after: func(t *Term, s *session) error {
				editing := t.Watch(Screen.FilterEditing)
				t.Press("/")
				if _, err := t.Wait(editing, keyTimeout, "filter input after /"); err != nil {
					return err
				}
				var counts []string
				for i := range query {
					typed := query[:i+1]
					var m int
					done := t.Watch(func(sc Screen) bool {
						n, ok := sc.FilterDone(typed)
						if ok {
							m = n
						}
						return ok
					})
					at := t.Press(query[i : i+1])
					seen, err := t.Wait(done, keyTimeout, fmt.Sprintf("filter count for %q", typed))
					if err != nil {
						return err
					}
					s.steps = append(s.steps, seen.Sub(at))
					counts = append(counts, fmt.Sprintf("%q %d in %s", typed, m, fmtDur(seen.Sub(at))))
				}
				s.note = strings.Join(counts, ", ")
				// Close the filter's input, so that q quits.
				closed := t.Watch(func(sc Screen) bool { return !sc.FilterEditing() })
				t.Press("esc")
				_, err := t.Wait(closed, keyTimeout, "filter input closed after esc")
				return err
			},
		})
		if err != nil {
			if len(all) == 0 {
				return nil, err
			}
			log.Printf("filter run %d: %v", run+1, err)
			break
		}
		all, rss = append(all, s.steps...), append(rss, s.rss)
		details = append(details, fmt.Sprintf("- %s, run %d: %s", what, run+1, s.note))
		log.Printf("  run %d: %s", run+1, s.note)
	}
	return []result{{
		what:    what,
		kvdeck:  fmt.Sprintf("%s p50, %s max per keystroke", fmtDur(median(all)), fmtDur(pct(all, 100))),
		rss:     mbSpread(rss),
		details: details,
	}}, nil
}

func (b *bench) filter1M() ([]result, error) {
	f, err := b.redis1M()
	if err != nil {
		return nil, err
	}
	return b.filterRow(f, fmt.Sprintf(`Redis, %s keys: / filter, typing "user:1"`, count(f.data.keys)), "user:1")
}

func (b *bench) filter10M() ([]result, error) {
	f, err := b.redis10M()
	if err != nil {
		return nil, err
	}
	// DEBUG POPULATE names keys prefix:N, so "key::" matches every key,
	// "key::9" one in nine and "key::99" one in ninety.
	return b.filterRow(f, fmt.Sprintf(`Redis, %s keys: / filter, typing "key::99"`, count(f.data.keys)), "key::99")
}

// stepRow is a row of runs that each time the floor, then one step of a
// kvdeck session (what spec's after-hook appends to s.steps), and sets
// the step beside the floor: the value search, the analysis, the bulk
// TTL. label names the runs in the log, floorName and stepName the two
// clocks.
func (b *bench) stepRow(what, label, floorName, stepName string, floor func() (time.Duration, error), spec sessionSpec) ([]result, error) {
	var floors, steps []time.Duration
	var rss []int64
	var ratios []float64
	var details []string
	for run := range b.runs {
		fd, err := floor()
		if err != nil {
			return nil, err
		}
		s, err := b.kvdeckSession(spec)
		if err != nil {
			return nil, err
		}
		d := s.steps[0]
		floors, steps, rss = append(floors, fd), append(steps, d), append(rss, s.rss)
		ratios = append(ratios, float64(d)/float64(fd))
		line := fmt.Sprintf("- %s, run %d: floor (%s) %s; kvdeck %s %s (%.2fx); peak RSS %s", label, run+1, floorName, fmtDur(fd), stepName, fmtDur(d), ratios[run], mbSpread([]int64{s.rss}))
		details = append(details, line)
		log.Print("  " + strings.TrimPrefix(line, "- "))
	}
	return []result{{what: what, floor: durSpread(floors), kvdeck: durSpread(steps), ratio: ratioSpread(ratios), rss: mbSpread(rss), details: details}}, nil
}

// valueSearch lists the 1M keys, then searches their values (S, the query,
// enter): the clock runs from enter to the final notice "search in values
// for "Q": X of Y keys match". The floor SCANs every name and MGETs them.
func (b *bench) valueSearch() ([]result, error) {
	f, err := b.redis1M()
	if err != nil {
		return nil, err
	}
	floor := func() (time.Duration, error) {
		fd, out, err := b.runFloor(context.Background(), "redis-mget", "-addr", f.srv.Addr, "-query", searchQuery)
		if err != nil {
			return 0, err
		}
		var hits, total int
		if _, err := fmt.Sscanf(out, "matches %d of %d", &hits, &total); err != nil || hits != f.data.searchHits || total != f.data.keys {
			return 0, fmt.Errorf("floor redis-mget printed %q, want matches %d of %d", out, f.data.searchHits, f.data.keys)
		}
		return fd, nil
	}
	return b.stepRow(fmt.Sprintf("Redis, %s keys: search in values for %q (%d match)", count(f.data.keys), searchQuery, f.data.searchHits),
		"value search", "SCAN + MGET", "enter → final notice", floor, sessionSpec{
			argv: []string{f.url(), "--bucket", "0"}, want: f.data.keys, prefixes: f.prefixes,
			after: func(t *Term, s *session) error {
				dialog := t.Watch(Screen.SearchDialog)
				t.Press("S")
				if _, err := t.Wait(dialog, keyTimeout, "value search dialog after S"); err != nil {
					return err
				}
				typed := t.Watch(func(sc Screen) bool { return sc.Contains("find> " + searchQuery) })
				t.Press(searchQuery)
				if _, err := t.Wait(typed, keyTimeout, "query typed in the dialog"); err != nil {
					return err
				}
				var found, total int
				done := t.Watch(func(sc Screen) bool {
					var ok bool
					found, total, ok = sc.SearchDone(searchQuery)
					return ok
				})
				at := t.Press("enter")
				seen, err := t.Wait(done, searchTimeout, "final value search notice")
				if err != nil {
					return err
				}
				if found != f.data.searchHits || total != f.data.keys {
					return fmt.Errorf("value search found %d of %d keys, want %d of %d", found, total, f.data.searchHits, f.data.keys)
				}
				s.steps = append(s.steps, seen.Sub(at))
				return nil
			},
		})
}

// startup times exec → first frame (the panes drawn) on an empty bbolt
// file, after one untimed run that creates the file and warms the page
// cache with the binary. Its floor, in the same terminal and alternating
// with kvdeck, is the plainest Bubble Tea program drawing one word
// (bench/teafloor): what any Bubble Tea v2 program pays before its first
// frame on this machine.
func (b *bench) startup() ([]result, error) {
	dir := filepath.Join(b.dir, "startup")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, "empty.db")
	firstFrame := func(argv ...string) (time.Duration, int64, error) {
		t, err := startTerm(termCols, termRows, b.env, argv...)
		if err != nil {
			return 0, 0, err
		}
		at, err := t.Until(Screen.FirstFrame, keyTimeout, "first frame")
		if err != nil {
			t.Kill()
			return 0, 0, err
		}
		peak, err := t.PeakRSS()
		if err != nil {
			t.Kill()
			return 0, 0, err
		}
		if err := t.Quit(quitTimeout); err != nil {
			return 0, 0, err
		}
		return at.Sub(t.Started()), peak, nil
	}
	var firsts, floors []time.Duration
	var ratios []float64
	var rss []int64
	for run := -1; run < max(b.runs, 3); run++ {
		floor, _, err := firstFrame(b.teaFloor)
		if err != nil {
			return nil, fmt.Errorf("teafloor: %w", err)
		}
		first, peak, err := firstFrame(b.kvdeckBin, path)
		if err != nil {
			return nil, err
		}
		if run >= 0 {
			firsts, floors, rss = append(firsts, first), append(floors, floor), append(rss, peak)
			ratios = append(ratios, first.Seconds()/floor.Seconds())
		}
	}
	return []result{{
		what:   fmt.Sprintf("start-up: exec → first frame, empty bbolt file; binary %.1f MB", float64(b.binSize)/1e6),
		floor:  durSpread(floors),
		kvdeck: durSpread(firsts),
		ratio:  ratioSpread(ratios),
		rss:    mbSpread(rss),
	}}, nil
}

// bucketArg is the value of --bucket in argv.
func bucketArg(argv []string) string {
	for i, a := range argv {
		if a == "--bucket" && i+1 < len(argv) {
			return argv[i+1]
		}
	}
	return ""
}

// local1M lists a million keys of a bbolt file another program wrote;
// the floor opens it read-only and counts the bucket's keys with a cursor.
func (b *bench) local1M() ([]result, error) {
	f, err := b.localFile()
	if err != nil {
		return nil, err
	}
	return b.listingRow(listing{
		what: fmt.Sprintf("local bbolt file, %s keys: listing", count(f.data.keys)), want: f.data.keys, prefixes: keyPrefixes,
		argv: []string{f.path, "--bucket", f.bucket},
		floor: func() (time.Duration, error) {
			d, _, err := b.floorKeys(f.data.keys, "bolt-keys", "-path", f.path, "-bucket", f.bucket)
			return d, err
		},
	})
}
