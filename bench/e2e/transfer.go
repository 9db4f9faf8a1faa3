package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// Issue 14's rows: kvdeck export of the 1M keys to a file (jsonl, and
// Tiny RDM's CSV of DUMP payloads), and kvdeck import of that file into
// an empty database, each timed exec → exit beside a floor doing the same
// work in the same run (bench/floor redis-export: SCAN with pipelined
// GET or DUMP and PTTL, a line a key; redis-import: the same file's lines
// with pipelined SET or RESTORE). Peak RSS is VmHWM, read from /proc
// every 10 ms while the process runs (ru_maxrss would count the parent's
// memory too: Linux carries the high-water mark over the exec).

// importDB is the database the import rows fill (flushed before each run).
const importDB = 2

func (b *bench) exportJSONL() ([]result, error) { return b.transferRow("export", "jsonl") }
func (b *bench) exportCSV() ([]result, error)   { return b.transferRow("export", "rdm-csv") }
func (b *bench) importJSONL() ([]result, error) { return b.transferRow("import", "jsonl") }
func (b *bench) importCSV() ([]result, error)   { return b.transferRow("import", "rdm-csv") }

func (b *bench) transferRow(verb, format string) ([]result, error) {
	f, err := b.redis1M()
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	dir, err := os.MkdirTemp(b.dir, "transfer-*")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, "export."+format)
	if verb == "import" {
		// The file kvdeck's export writes, imported by both.
		if _, _, err := b.kvdeckCLI(file, "", "export", f.url(), "--bucket", "0", "--format", format); err != nil {
			return nil, err
		}
	}
	c := goredis.NewClient(&goredis.Options{Addr: f.srv.Addr, DB: importDB})
	defer c.Close()
	var floors, runs []time.Duration
	var rss []int64
	var ratios []float64
	var details []string
	for run := range b.runs {
		var fd time.Duration
		var out string
		if verb == "export" {
			fd, out, err = b.runFloor(ctx, "redis-export", "-addr", f.srv.Addr, "-format", format, "-file", filepath.Join(dir, "floor."+format))
		} else {
			if err := c.FlushDB(ctx).Err(); err != nil {
				return nil, err
			}
			fd, out, err = b.runFloor(ctx, "redis-import", "-addr", f.srv.Addr, "-db", fmt.Sprint(importDB), "-format", format, "-file", file)
		}
		if err != nil {
			return nil, err
		}
		if out != fmt.Sprintf("keys %d", f.data.keys) {
			return nil, fmt.Errorf("floor %s %s printed %q, want keys %d", verb, format, out, f.data.keys)
		}
		var d time.Duration
		var peak int64
		if verb == "export" {
			d, peak, err = b.kvdeckCLI(file, "", "export", f.url(), "--bucket", "0", "--format", format)
		} else {
			if err := c.FlushDB(ctx).Err(); err != nil {
				return nil, err
			}
			d, peak, err = b.kvdeckCLI("", file, "import", f.url(), "--bucket", fmt.Sprint(importDB), "--format", format)
			if err == nil {
				if n := c.DBSize(ctx).Val(); n != int64(f.data.keys) {
					err = fmt.Errorf("kvdeck import left %d keys in database %d, want %d", n, importDB, f.data.keys)
				}
			}
		}
		if err != nil {
			return nil, err
		}
		if verb == "export" {
			if n, err := countLines(file); err != nil || n != f.data.keys {
				return nil, fmt.Errorf("kvdeck export wrote %d lines (%v), want %d", n, err, f.data.keys)
			}
		}
		floors, runs, rss = append(floors, fd), append(runs, d), append(rss, peak)
		ratios = append(ratios, float64(d)/float64(fd))
		line := fmt.Sprintf("- %s %s, run %d: floor %s; kvdeck %s (%.2fx); peak RSS %s", verb, format, run+1, fmtDur(fd), fmtDur(d), ratios[run], mbSpread([]int64{peak}))
		details = append(details, line)
		log.Print("  " + strings.TrimPrefix(line, "- "))
	}
	floorName := map[string]string{"export jsonl": "SCAN + pipelined GET, PTTL", "export rdm-csv": "SCAN + pipelined DUMP, PTTL",
		"import jsonl": "pipelined SET", "import rdm-csv": "pipelined RESTORE"}[verb+" "+format]
	return []result{{what: fmt.Sprintf("Redis, %s keys: kvdeck %s --format %s, exec → exit (floor: %s)", count(f.data.keys), verb, format, floorName),
		floor: durSpread(floors), kvdeck: durSpread(runs), ratio: ratioSpread(ratios), rss: mbSpread(rss), details: details}}, nil
}

// kvdeckCLI runs the kvdeck binary with args, stdout to out and stdin from
// in (files; "" for none), and returns its time from exec to exit and its
// peak RSS.
func (b *bench) kvdeckCLI(out, in string, args ...string) (time.Duration, int64, error) {
	cmd := exec.Command(b.kvdeckBin, args...)
	cmd.Env = b.env
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if out != "" {
		f, err := os.Create(out)
		if err != nil {
			return 0, 0, err
		}
		defer f.Close()
		cmd.Stdout = f
	}
	if in != "" {
		f, err := os.Open(in)
		if err != nil {
			return 0, 0, err
		}
		defer f.Close()
		cmd.Stdin = f
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, 0, err
	}
	exited := make(chan struct{})
	peakc := make(chan int64, 1)
	go func() {
		var peak int64
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			if hwm, err := vmHWM(cmd.Process.Pid); err == nil {
				peak = max(peak, hwm)
			}
			select {
			case <-exited:
				peakc <- peak
				return
			case <-tick.C:
			}
		}
	}()
	err := cmd.Wait()
	d := time.Since(start)
	close(exited)
	peak := <-peakc
	if err != nil {
		return d, 0, fmt.Errorf("kvdeck %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(errb.String()))
	}
	return d, peak, nil
}

func countLines(path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	n := 0
	buf := make([]byte, 1<<20)
	for {
		k, err := f.Read(buf)
		n += bytes.Count(buf[:k], []byte("\n"))
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}
