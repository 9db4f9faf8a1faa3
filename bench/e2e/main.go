// Command e2e measures kvdeck end to end, as a user sees it: it builds the
// binary, starts real servers (redis-server processes, a Redis Cluster, a
// nats-server with JetStream in a process of its own, bench/natsd), runs
// kvdeck in a pseudo-terminal
// and stops each clock on what the terminal's screen shows. Beside each
// figure it measures the floor in the same run: the plainest client program
// doing the same work (bench/floor), timed from exec to exit.
//
//	go run ./bench/e2e [-rows redis1m,nats100k,...] [-runs 3] [-ten-million] [-nats-million] [-keys 1000000]
//
// Rows: redis1m, slow1m (through a 50 ms round-trip link), filter1m,
// search1m, cluster1m, nats100k, nats1m (-nats-million), local1m, redis10m
// and filter10m (-ten-million), startup. The default is every row but the
// flagged ones.
//
// The clocks. Every kvdeck clock starts either just before the exec of
// kvdeck in the pseudo-terminal ("exec →") or just before a key's bytes are
// written to the terminal ("press →"), and stops at the time the chunk of
// terminal output that made the screen show the awaited state was read
// (term.go evaluates the screen after every chunk, outside synchronized
// updates):
//
//   - first rows: exec → the keys pane's top row shows a key of the data set;
//   - complete: exec → the status bar shows exactly the loaded count as
//     "N keys" with no "listing" after it;
//   - key→frame: press ? → the help overlay ("Global") drawn, repeated
//     (with esc closing it) for as long as the listing streams;
//   - peak RSS: VmHWM of the kvdeck process from /proc, read just before q;
//   - value open: press down → the value pane titled with the next key shows
//     its "kind" line (the value was read);
//   - filter: press of each character → the status bar shows the count
//     for the query typed so far, without "(filtering…)";
//   - value search: press enter in the dialog → the final notice
//     "search in values for "Q": X of Y keys match" (X and Y checked);
//   - start-up: exec → the first frame with the panes ("Buckets").
//
// The floor is bench/floor run as a process: exec → exit, its printed
// count checked against what was loaded.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"
)

// The terminal kvdeck runs in.
const (
	termCols = 160
	termRows = 50
)

func main() {
	runs := flag.Int("runs", 3, "runs of each row (min/median/max are reported)")
	rowsFlag := flag.String("rows", "", "comma-separated rows to run (default: all but redis10m, filter10m and nats1m)")
	tenMillion := flag.Bool("ten-million", false, "add the 10M-key Redis rows (redis-server needs ~2-3 GB)")
	natsMillion := flag.Bool("nats-million", false, "add the 1M-key NATS row (loading takes a while)")
	presses := flag.Bool("presses", true, "press ? / esc while listings stream (false: time the listing alone)")
	keys := flag.Int("keys", 1_000_000, "keys of the 1M rows (a smaller count makes a quick check of the harness)")
	flag.Parse()
	log.SetFlags(log.Ltime)
	log.SetPrefix("e2e: ")

	selected, err := pickRows(*rowsFlag, *tenMillion, *natsMillion)
	if err != nil {
		log.Fatal(err)
	}
	if *runs < 1 {
		log.Fatal("-runs must be at least 1")
	}
	b, err := newBench(*runs, *keys)
	if b != nil {
		b.presses = *presses
	}
	if err != nil {
		log.Fatal(err)
	}
	// Servers and temporary folders go even on ^C: redis-server processes
	// would otherwise outlive the run.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sig
		log.Print("interrupted: stopping servers")
		b.cleanup()
		os.Exit(130)
	}()
	err = b.run(selected)
	b.cleanup()
	if err != nil {
		log.Fatal(err)
	}
}

// row is one line (or two) of the table and what it needs.
type row struct {
	name string
	// flag: only run when asked for (-ten-million, -nats-million) or named.
	flag string
	// fixture the row uses; rows sharing one run in sequence, and the
	// fixture is stopped after the last of them.
	fixture string
	run     func(*bench) ([]result, error)
}

var allRows = []row{
	{name: "redis1m", fixture: "redis1m", run: (*bench).redisListing1M},
	{name: "slow1m", fixture: "redis1m", run: (*bench).slowLink},
	{name: "filter1m", fixture: "redis1m", run: (*bench).filter1M},
	{name: "search1m", fixture: "redis1m", run: (*bench).valueSearch},
	{name: "analysis1m", fixture: "redis1m", run: (*bench).analysis},
	// Last of the redis1m rows: it leaves a 7-day TTL on the user: keys.
	{name: "ttl250k", fixture: "redis1m", run: (*bench).bulkTTL},
	// Database 1 of the same server, filled before each run.
	{name: "del250k", fixture: "redis1m", run: (*bench).bulkDelete250k},
	{name: "del100k", fixture: "redis1m", run: (*bench).bulkDelete100k},
	// Database 2 of the same server, flushed before each import.
	{name: "export1m", fixture: "redis1m", run: (*bench).exportJSONL},
	{name: "exportcsv1m", fixture: "redis1m", run: (*bench).exportCSV},
	{name: "import1m", fixture: "redis1m", run: (*bench).importJSONL},
	{name: "importcsv1m", fixture: "redis1m", run: (*bench).importCSV},
	{name: "cluster1m", fixture: "cluster1m", run: (*bench).cluster},
	{name: "nats100k", fixture: "nats100k", run: (*bench).nats100k},
	{name: "nats1m", flag: "-nats-million", fixture: "nats1m", run: (*bench).nats1M},
	{name: "local1m", fixture: "local1m", run: (*bench).local1M},
	{name: "redis10m", flag: "-ten-million", fixture: "redis10m", run: (*bench).redisListing10M},
	{name: "filter10m", flag: "-ten-million", fixture: "redis10m", run: (*bench).filter10M},
	{name: "startup", run: (*bench).startup},
}

func pickRows(list string, tenMillion, natsMillion bool) ([]row, error) {
	if list == "" {
		var out []row
		for _, r := range allRows {
			if r.flag == "" || r.flag == "-ten-million" && tenMillion || r.flag == "-nats-million" && natsMillion {
				out = append(out, r)
			}
		}
		return out, nil
	}
	want := map[string]bool{}
	for _, n := range strings.Split(list, ",") {
		if n = strings.TrimSpace(n); n != "" {
			want[n] = true
		}
	}
	var out []row
	for _, r := range allRows {
		if want[r.name] {
			out = append(out, r)
			delete(want, r.name)
		}
	}
	if len(want) > 0 {
		var names []string
		for _, r := range allRows {
			names = append(names, r.name)
		}
		return nil, fmt.Errorf("unknown rows %v; rows are %s", keys(want), strings.Join(names, ","))
	}
	return out, nil
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// result is one line of the table, plus the runs behind it.
type result struct {
	what, floor, kvdeck, first, ratio, rss, keyFrame string
	details                                          []string
}

// bench holds the built binaries and the fixtures.
type bench struct {
	runs             int
	keys             int  // of the "1M" rows
	presses          bool // press ? while listing
	dir              string
	kvdeckBin, floor string
	teaFloor         string // bench/teafloor: start-up's floor
	natsd            string // bench/natsd: the NATS rows' server
	binSize          int64
	env              []string

	mu       sync.Mutex
	cleanups []func()
	fixtures map[string]func() // stop functions of started fixtures
	broken   map[string]error  // fixtures that failed to start

	redis1m, redis10m *redisFixture
	cluster1m         *clusterFixture
	nats              map[string]*natsFixture
	local1m           *localFixture
}

func newBench(runs, keys int) (*bench, error) {
	dir, err := os.MkdirTemp("", "kvdeck-e2e-")
	if err != nil {
		return nil, err
	}
	b := &bench{runs: runs, keys: keys, dir: dir, fixtures: map[string]func(){}, broken: map[string]error{}, nats: map[string]*natsFixture{}}
	b.atCleanup(func() { os.RemoveAll(dir) })
	root, err := moduleRoot()
	if err != nil {
		return b, err
	}
	b.kvdeckBin, b.floor, b.teaFloor, b.natsd = filepath.Join(dir, "kvdeck"), filepath.Join(dir, "floor"), filepath.Join(dir, "teafloor"), filepath.Join(dir, "natsd")
	log.Print("building kvdeck, the floors and natsd")
	for _, args := range [][]string{{"build", "-o", b.kvdeckBin, "."}, {"build", "-o", b.floor, "./bench/floor"}, {"build", "-o", b.teaFloor, "./bench/teafloor"}, {"build", "-o", b.natsd, "./bench/natsd"}} {
		cmd := exec.Command(goTool(), args...)
		cmd.Dir = root
		// Static binaries, as `make build` makes them: no dynamic loader
		// and libc to map at every exec.
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			return b, fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	st, err := os.Stat(b.kvdeckBin)
	if err != nil {
		return b, err
	}
	b.binSize = st.Size()
	// kvdeck keeps undo records and history under the XDG folders: give it
	// private ones, so a run never touches the user's.
	xdg := filepath.Join(dir, "xdg")
	b.env = []string{"TERM=xterm-256color"}
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch {
		case name == "TERM", name == "REDIS_URL", name == "NATS_URL", strings.HasPrefix(name, "XDG_"), name == "NO_COLOR", name == "EDITOR", name == "VISUAL":
			continue
		}
		b.env = append(b.env, kv)
	}
	for _, v := range []string{"XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"} {
		b.env = append(b.env, v+"="+filepath.Join(xdg, strings.ToLower(strings.TrimPrefix(v, "XDG_"))))
	}
	return b, nil
}

func goTool() string {
	if g := os.Getenv("GO"); g != "" {
		return g
	}
	return "go"
}

func moduleRoot() (string, error) {
	out, err := exec.Command(goTool(), "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("run bench/e2e from inside the kvdeck module")
	}
	return filepath.Dir(mod), nil
}

func (b *bench) atCleanup(f func()) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.cleanups = append(b.cleanups, f)
}

// cleanup stops what is still running, last started first.
func (b *bench) cleanup() {
	b.mu.Lock()
	fs := b.cleanups
	b.cleanups = nil
	var stops []func()
	for _, stop := range b.fixtures {
		stops = append(stops, stop)
	}
	b.fixtures = map[string]func(){}
	b.mu.Unlock()
	for _, stop := range stops {
		stop()
	}
	for i := len(fs) - 1; i >= 0; i-- {
		fs[i]()
	}
}

// started records a fixture's stop function.
func (b *bench) started(name string, stop func()) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.fixtures[name] = stop
}

// fixtureFailed stops a fixture that could not be loaded and keeps the
// error, so the other rows that need it fail at once rather than start
// (and load) another.
func (b *bench) fixtureFailed(name string, err error) error {
	b.stopFixture(name)
	b.broken[name] = err
	return err
}

func (b *bench) stopFixture(name string) {
	b.mu.Lock()
	stop := b.fixtures[name]
	delete(b.fixtures, name)
	b.mu.Unlock()
	if stop != nil {
		log.Printf("stopping %s", name)
		stop()
	}
}

func (b *bench) run(rows []row) error {
	machine := machineInfo()
	loadBefore := loadAverage()
	var results []result
	var failed []string
	for i, r := range rows {
		log.Printf("row %s", r.name)
		res, err := r.run(b)
		if err != nil {
			// One broken row does not lose the others' figures.
			log.Printf("row %s failed: %v", r.name, err)
			failed = append(failed, fmt.Sprintf("%s: %v", r.name, firstLine(err)))
		}
		results = append(results, res...)
		if r.fixture != "" && !slices.ContainsFunc(rows[i+1:], func(n row) bool { return n.fixture == r.fixture }) {
			b.stopFixture(r.fixture)
		}
	}
	fmt.Println()
	fmt.Println(machine)
	fmt.Printf("Load average (1 min) at the start: %s, at the end: %s (other work on the machine shares its cores).\n", loadBefore, loadAverage())
	fmt.Println("Data: the 1M and 100k rows are loaded with pipelined SETs (Redis) or PublishAsync (NATS) under application-like names:",
		"user:<id>:prefs, session:<uuid> (24 h TTL), cache:api:v1:repos:<id>, ratelimit:<ip>:<minute>, JSON values of 55–80 bytes (rate limits: 1–2 byte counters);",
		"the 10M rows with DEBUG POPULATE 10000000 "+tenMillionPrefix+" (10-byte values).")
	fmt.Println()
	fmt.Printf("kvdeck in a %dx%d pseudo-terminal; %d run(s) a row: median (min–max); ratio: kvdeck / floor of the same run.\n\n", termCols, termRows, b.runs)
	fmt.Println("| what | floor | kvdeck | first rows | ratio | peak RSS | key→frame p50 / p99 / max |")
	fmt.Println("|---|---|---|---|---|---|---|")
	for _, r := range results {
		fmt.Printf("| %s | %s | %s | %s | %s | %s | %s |\n", r.what, dash(r.floor), dash(r.kvdeck), dash(r.first), dash(r.ratio), dash(r.rss), dash(r.keyFrame))
	}
	fmt.Println()
	for _, r := range results {
		for _, d := range r.details {
			fmt.Println(d)
		}
	}
	if len(failed) > 0 {
		fmt.Println()
		for _, f := range failed {
			fmt.Println("FAILED", f)
		}
		return fmt.Errorf("%d row(s) failed", len(failed))
	}
	return nil
}

func dash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func firstLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}

// machineInfo names the CPU, memory and server versions the figures are of.
func machineInfo() string {
	cpu, count := "unknown CPU", 0
	if raw, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(raw), "\n") {
			if name, ok := strings.CutPrefix(l, "model name"); ok && cpu == "unknown CPU" {
				cpu = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(name), ":"))
			}
			if strings.HasPrefix(l, "processor") {
				count++
			}
		}
	}
	mem := "unknown"
	if raw, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, l := range strings.Split(string(raw), "\n") {
			if v, ok := strings.CutPrefix(l, "MemTotal:"); ok {
				var kb int64
				fmt.Sscanf(strings.TrimSpace(v), "%d", &kb)
				mem = fmt.Sprintf("%.1f GiB", float64(kb)/(1<<20))
			}
		}
	}
	redisVersion := "redis-server not found"
	if out, err := exec.Command("redis-server", "--version").Output(); err == nil {
		redisVersion = strings.TrimSpace(string(out))
		for _, f := range strings.Fields(redisVersion) {
			if v, ok := strings.CutPrefix(f, "v="); ok {
				redisVersion = v
			}
		}
	}
	return fmt.Sprintf("Machine: %s × %d, %s RAM, %s/%s, %s; redis-server %s; nats-server %s (bench/natsd, a process of its own).",
		cpu, count, mem, runtime.GOOS, runtime.GOARCH, runtime.Version(), redisVersion, natsServerVersion())
}

// loadAverage is the 1-minute load average: the figures of a machine
// busy with other work are slower, and the reader should know.
func loadAverage() string {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(raw))
	if len(f) == 0 {
		return "unknown"
	}
	return f[0]
}

// runFloor runs the floor program and returns its wall time, exec to exit,
// and what it printed.
func (b *bench) runFloor(ctx context.Context, args ...string) (time.Duration, string, error) {
	cmd := exec.CommandContext(ctx, b.floor, args...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	start := time.Now()
	err := cmd.Run()
	d := time.Since(start)
	if err != nil {
		return d, "", fmt.Errorf("floor %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(errOut.String()))
	}
	return d, strings.TrimSpace(out.String()), nil
}

// floorKeys runs a listing floor and checks it counted want keys.
func (b *bench) floorKeys(want int, args ...string) (time.Duration, int, error) {
	d, out, err := b.runFloor(context.Background(), args...)
	if err != nil {
		return d, 0, err
	}
	var n int
	if _, err := fmt.Sscanf(out, "keys %d", &n); err != nil {
		return d, 0, fmt.Errorf("floor %s printed %q", args[0], out)
	}
	if want >= 0 && n != want {
		return d, n, fmt.Errorf("floor %s counted %d keys, want %d", args[0], n, want)
	}
	return d, n, nil
}
