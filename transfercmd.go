package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"
	"time"

	"github.com/dustin/go-humanize"
	"golang.org/x/term"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/kvdeck/kvdeck/catalog"
	"github.com/kvdeck/kvdeck/connect"
	"github.com/kvdeck/kvdeck/transfer"
)

// kvdeck export and kvdeck import: the transfer package without the UI,
// for scripts and runbooks. The file is stdout (export) or stdin
// (import); progress goes to stderr when it is a terminal, and the last
// line on stderr counts what was done. The exit code is 0 only when every
// key was handled.

const transferUsage = `Usage:
  kvdeck export TARGET [--bucket B] [--match P] [--format jsonl|rdm-csv] [flags] > FILE
  kvdeck import TARGET [--bucket B] [--on-conflict skip|overwrite|fail]
                [--on-invalid stop|skip] [--dry-run] [--drop-ttls] [--key-replace OLD=NEW]
                [--format jsonl|rdm-csv] [flags] < FILE

TARGET and the connection flags are kvdeck's (kvdeck --help). jsonl is
kvdeck's exchange format (README); rdm-csv is Tiny RDM's and Another Redis
Desktop Manager's hex(key),hex(DUMP),expiry-ms (Redis only).
`

// transferFlags are the flags of export and import beside kvdeck's own.
type transferFlags struct {
	format, onConflict, onInvalid string
	dryRun, dropTTLs              bool
	keyReplace                    string
}

// runTransfer runs `kvdeck export|import ARGS`.
func runTransfer(verb string, args []string, stdin io.Reader, stdout io.Writer, stderr io.Writer) int {
	var tf transferFlags
	extra := func(fs *flag.FlagSet) {
		fs.StringVar(&tf.format, "format", "jsonl", "export, import: jsonl or rdm-csv")
		if verb == "import" {
			fs.StringVar(&tf.onConflict, "on-conflict", "skip", "import: what to do with a key that exists: skip, overwrite or fail (stop there)")
			fs.StringVar(&tf.onInvalid, "on-invalid", "stop", "import: what to do with a line that cannot be read: stop or skip")
			fs.BoolVar(&tf.dryRun, "dry-run", false, "import: count new, existing and invalid lines; write nothing")
			fs.BoolVar(&tf.dropTTLs, "drop-ttls", false, "import: write keys without their TTL where the bucket cannot keep one (else they fail)")
			fs.StringVar(&tf.keyReplace, "key-replace", "", "import: OLD=NEW replaces OLD with NEW in every key name (:=. turns Redis's user:1 into NATS's user.1)")
		}
	}
	f, rest, err := parseFlagsWith(args, stderr, extra)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stderr, transferUsage)
		return 0
	}
	if err == nil {
		err = f.validate()
	}
	if err == nil && len(rest) != 1 {
		err = fmt.Errorf("%s needs one TARGET, got %d", verb, len(rest))
	}
	format, ferr := transfer.ParseFormat(tf.format)
	err = cmpErr(err, ferr)
	var policy backend.ConflictPolicy
	if verb == "import" {
		var perr error
		policy, perr = backend.ParseConflictPolicy(tf.onConflict)
		err = cmpErr(err, perr)
		if old, _, ok := strings.Cut(tf.keyReplace, "="); tf.keyReplace != "" && (!ok || old == "") {
			err = cmpErr(err, backend.Invalid("key-replace", "%q: give OLD=NEW, like :=.", tf.keyReplace))
		}
		if tf.onInvalid != "stop" && tf.onInvalid != "skip" {
			err = cmpErr(err, backend.Invalid("on-invalid", "%q: give stop or skip", tf.onInvalid))
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "kvdeck %s: %s (kvdeck %s --help)\n", verb, oneLine(err), verb)
		return 2
	}
	target := rest[0]
	warnArgvSecret(target, stderr)
	conn, cleanup, err := openTarget(target, f)
	if err != nil {
		fmt.Fprintf(stderr, "kvdeck %s: %s\n", verb, oneLine(err))
		return 2
	}
	defer cleanup()
	defer conn.Close()
	s := conn.Store
	bucket, err := transferBucket(s, f)
	if err != nil {
		fmt.Fprintf(stderr, "kvdeck %s: %s\n", verb, oneLine(err))
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	live := newProgressLine(stderr)
	if verb == "export" {
		n, err := transfer.Export(ctx, s, bucket, f.match, format, stdout, func(n int) {
			live.show(fmt.Sprintf("exported %s keys…", humanize.Comma(int64(n))))
		})
		live.done()
		if err != nil {
			fmt.Fprintf(stderr, "kvdeck export: stopped after %s keys: %s\n", humanize.Comma(int64(n)), oneLine(err))
			return 1
		}
		fmt.Fprintf(stderr, "kvdeck export: %s keys from bucket %s (%s)\n", humanize.Comma(int64(n)), bucket, format)
		return 0
	}
	if s.Info().ReadOnly {
		// Before reading the file: nothing of it is read.
		fmt.Fprintf(stderr, "kvdeck import: %s is read-only: nothing imported\n", backend.MaskURL(target))
		return 2
	}
	opts := transfer.ImportOptions{Format: format, Policy: policy, SkipInvalid: tf.onInvalid == "skip", DropTTLs: tf.dropTTLs, DryRun: tf.dryRun,
		Progress: func(c transfer.Counts) {
			live.show(fmt.Sprintf("%s lines: %s written, %s skipped…", humanize.Comma(int64(c.Lines)), humanize.Comma(int64(c.Written)), humanize.Comma(int64(c.Skipped))))
		}}
	if old, repl, ok := strings.Cut(tf.keyReplace, "="); ok {
		opts.KeyReplace = [2]string{old, repl}
	}
	c, err := transfer.Import(ctx, s, bucket, stdin, opts)
	live.done()
	for _, e := range c.Invalids[:min(len(c.Invalids), 5)] {
		fmt.Fprintf(stderr, "kvdeck import: invalid %s\n", oneLine(e))
	}
	fmt.Fprintf(stderr, "kvdeck import: %s\n", importSummary(bucket, c, opts))
	if c.FirstFailure != nil && c.Failed > 0 {
		fmt.Fprintf(stderr, "kvdeck import: first failure: %s\n", oneLine(c.FirstFailure))
	}
	if err != nil {
		fmt.Fprintf(stderr, "kvdeck import: stopped: %s\n", oneLine(err))
		return 1
	}
	if !c.Complete() {
		return 1
	}
	return 0
}

// importSummary is the last line of an import.
func importSummary(bucket string, c transfer.Counts, opts transfer.ImportOptions) string {
	n := func(v int) string { return humanize.Comma(int64(v)) }
	if opts.DryRun {
		return fmt.Sprintf("dry run into bucket %s: %s lines: %s new, %s existing (--on-conflict %s), %s expired, %s invalid, %s failed; nothing written",
			bucket, n(c.Lines), n(c.New), n(c.Exist), opts.Policy, n(c.Expired), n(c.Invalid), n(c.Failed))
	}
	s := fmt.Sprintf("bucket %s: %s lines: %s written, %s skipped (existing), %s expired, %s invalid, %s failed",
		bucket, n(c.Lines), n(c.Written), n(c.Skipped), n(c.Expired), n(c.Invalid), n(c.Failed))
	if c.TTLsDropped > 0 {
		s += fmt.Sprintf("; %s written without their TTL (--drop-ttls)", n(c.TTLsDropped))
	}
	return s
}

// transferBucket is the bucket export and import use: --bucket, the one
// the target names (redis://host/3), database 0 on Redis; elsewhere it
// must be given.
func transferBucket(s backend.Store, f flags) (string, error) {
	switch {
	case f.bucket != "":
		return f.bucket, nil
	case s.Info().Bucket != "":
		return s.Info().Bucket, nil
	case s.Info().Kind == "redis":
		return "0", nil
	}
	return "", backend.Invalid("bucket", "give --bucket: which bucket of this %s store", s.Info().Kind)
}

// openTarget opens TARGET as kvdeck itself does: a saved connection by
// name (flags beside it win), else a URL or path.
func openTarget(target string, f flags) (*connect.Conn, func(), error) {
	cat, err := newCatalog(f)
	if err != nil {
		return nil, func() {}, err
	}
	_, named, err := savedTarget(cat, target, f)
	if err != nil {
		return nil, func() {}, err
	}
	if named != nil {
		spec := catalog.SpecOf(*named, f.timeout)
		f.overrideSaved(&spec)
		conn, err := connect.Open(context.Background(), spec, connect.Terminal{})
		if err != nil {
			return nil, func() {}, fmt.Errorf("%s: %w", named.Name, err)
		}
		return conn, func() {}, nil
	}
	return openStore(target, f, connect.Terminal{})
}

func cmpErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// progressLine rewrites one line of stderr, at most four times a second,
// when stderr is a terminal; elsewhere it writes nothing (a log file gets
// the last line only).
type progressLine struct {
	mu    sync.Mutex
	w     io.Writer
	tty   bool
	last  time.Time
	shown bool
}

func newProgressLine(w io.Writer) *progressLine {
	p := &progressLine{w: w}
	if f, ok := w.(*os.File); ok {
		p.tty = term.IsTerminal(int(f.Fd()))
	}
	return p
}

func (p *progressLine) show(text string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.tty || time.Since(p.last) < 250*time.Millisecond {
		return
	}
	p.last, p.shown = time.Now(), true
	fmt.Fprintf(p.w, "\r\x1b[K%s", text)
}

func (p *progressLine) done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.shown {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
}
