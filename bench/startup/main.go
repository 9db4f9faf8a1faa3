//go:build linux

// Command startup measures how fast kvdeck starts: the binary's size, the
// time its package initialisers take (GODEBUG=inittrace=1, summed), and the
// time from exec to the first frame on a terminal.
//
//	go run ./bench/startup [-bin PATH[,PATH...]] [-runs 3]
//
// Without -bin it builds kvdeck as `make build` does (static); with
// several binaries (say, before and after a change) they take turns. The
// first frame is timed in a 120x30 pseudo-terminal on an empty bbolt file:
// from just before the exec until the frame's "Buckets" pane title arrives.
// The terminal answers the queries a real one answers (background colour,
// device attributes, cursor position) at once, so the time is kvdeck's own.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"
)

// marker is text of the first frame: the title of the buckets pane.
const marker = "Buckets"

func main() {
	bins := flag.String("bin", "", "kvdeck binaries, comma-separated, measured in turn (default: go build . into a temporary directory)")
	runs := flag.Int("runs", 3, "runs of each measure; min, median and max are reported")
	flag.Parse()
	log.SetFlags(0)

	dir, err := os.MkdirTemp("", "kvdeck-startup")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if *bins == "" {
		*bins = filepath.Join(dir, "kvdeck")
		build := exec.Command("go", "build", "-o", *bins, ".")
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		build.Stdout, build.Stderr = os.Stdout, os.Stderr
		if err := build.Run(); err != nil {
			log.Fatalf("go build: %v", err)
		}
	}
	type result struct {
		bin           string
		size          int64
		inits, frames []time.Duration
	}
	var results []*result
	for bin := range strings.SplitSeq(*bins, ",") {
		info, err := os.Stat(bin)
		if err != nil {
			log.Fatal(err)
		}
		results = append(results, &result{bin: bin, size: info.Size()})
	}

	// One run of each first, unmeasured, so that the binaries are in the
	// page cache and the bbolt file exists. Then the binaries take turns,
	// so that a busy moment of the machine does not fall on one of them.
	db := filepath.Join(dir, "empty.db")
	for i := -1; i < *runs; i++ {
		for _, r := range results {
			d, err := initTime(r.bin)
			if err != nil {
				log.Fatal(err)
			}
			f, err := firstFrame(r.bin, db)
			if err != nil {
				log.Fatal(err)
			}
			if i >= 0 {
				r.inits, r.frames = append(r.inits, d), append(r.frames, f)
			}
		}
	}
	for _, r := range results {
		fmt.Printf("%s\n", r.bin)
		fmt.Printf("  binary       %.1f MB (%d bytes)\n", float64(r.size)/1e6, r.size)
		fmt.Printf("  init         %s\n", spread(r.inits))
		fmt.Printf("  first frame  %s\n", spread(r.frames))
	}
}

func spread(ds []time.Duration) string {
	slices.Sort(ds)
	ms := func(d time.Duration) string { return strconv.FormatFloat(float64(d)/1e6, 'f', 1, 64) }
	return fmt.Sprintf("min %s ms  median %s ms  max %s ms", ms(ds[0]), ms(ds[len(ds)/2]), ms(ds[len(ds)-1]))
}

// initTime runs `kvdeck --version` with GODEBUG=inittrace=1 and sums the
// clock time of every package initialiser.
func initTime(bin string) (time.Duration, error) {
	cmd := exec.Command(bin, "--version")
	cmd.Env = append(os.Environ(), "GODEBUG=inittrace=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return 0, fmt.Errorf("%s --version: %v", bin, err)
	}
	var total time.Duration
	for line := range strings.Lines(stderr.String()) {
		// init PKG @T ms, N ms clock, B bytes, A allocs
		f := strings.Fields(line)
		if len(f) < 7 || f[0] != "init" || f[6] != "clock," {
			continue
		}
		ms, err := strconv.ParseFloat(f[4], 64)
		if err != nil {
			return 0, fmt.Errorf("inittrace line %q: %v", line, err)
		}
		total += time.Duration(ms * 1e6)
	}
	return total, nil
}

// firstFrame runs kvdeck on db in a pseudo-terminal and returns the time
// from exec to the first frame.
func firstFrame(bin, db string) (time.Duration, error) {
	ptmx, pts, err := openPTY(30, 120)
	if err != nil {
		return 0, err
	}
	defer ptmx.Close()
	cmd := exec.Command(bin, db)
	cmd.Env = append(os.Environ(), "TERM=xterm-256color")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = pts, pts, pts
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}

	start := time.Now()
	if err := cmd.Start(); err != nil {
		pts.Close()
		return 0, err
	}
	pts.Close()
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()

	type result struct {
		d   time.Duration
		err error
	}
	done := make(chan result, 1)
	go func() {
		var seen []byte
		buf := make([]byte, 64<<10)
		for {
			n, err := ptmx.Read(buf)
			if err != nil {
				done <- result{err: fmt.Errorf("no frame before the output ended: %v", err)}
				return
			}
			chunk := buf[:n]
			seen = append(seen, chunk...)
			if bytes.Contains(seen, []byte(marker)) {
				done <- result{d: time.Since(start)}
				return
			}
			// Answer as a dark terminal would.
			if bytes.Contains(chunk, []byte("\x1b]11;?")) {
				ptmx.WriteString("\x1b]11;rgb:1e1e/1e1e/2e2e\x1b\\")
			}
			if bytes.Contains(chunk, []byte("\x1b[c")) {
				ptmx.WriteString("\x1b[?62;22c")
			}
			if bytes.Contains(chunk, []byte("\x1b[6n")) {
				ptmx.WriteString("\x1b[1;1R")
			}
		}
	}()
	select {
	case r := <-done:
		return r.d, r.err
	case <-time.After(10 * time.Second):
		return 0, fmt.Errorf("no frame within 10s")
	}
}

// openPTY opens a pseudo-terminal of rows x cols: the controlling side and
// the terminal the child runs on.
func openPTY(rows, cols uint16) (ptmx, pts *os.File, err error) {
	ptmx, err = os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		return nil, nil, err
	}
	var unlock int32
	if err := ioctl(ptmx, syscall.TIOCSPTLCK, unsafe.Pointer(&unlock)); err != nil {
		ptmx.Close()
		return nil, nil, fmt.Errorf("unlock pty: %v", err)
	}
	var n uint32
	if err := ioctl(ptmx, syscall.TIOCGPTN, unsafe.Pointer(&n)); err != nil {
		ptmx.Close()
		return nil, nil, fmt.Errorf("pty number: %v", err)
	}
	pts, err = os.OpenFile("/dev/pts/"+strconv.Itoa(int(n)), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		ptmx.Close()
		return nil, nil, err
	}
	ws := struct{ rows, cols, x, y uint16 }{rows, cols, 0, 0}
	if err := ioctl(pts, syscall.TIOCSWINSZ, unsafe.Pointer(&ws)); err != nil {
		ptmx.Close()
		pts.Close()
		return nil, nil, fmt.Errorf("pty size: %v", err)
	}
	return ptmx, pts, nil
}

func ioctl(f *os.File, req uint, arg unsafe.Pointer) error {
	_, _, errno := syscall.Syscall(syscall.SYS_IOCTL, f.Fd(), uintptr(req), uintptr(arg))
	if errno != 0 {
		return errno
	}
	return nil
}
