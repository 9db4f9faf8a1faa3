package transfer

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/kvdeck/kvdeck/backend"
)

// MaxLine is the longest line an import reads: a longer one is refused
// with its number (and skipped or the import stopped, as asked), never
// held whole. A 48 MiB value fits, base64 and all.
const MaxLine = 64 << 20

// writeBatch is how many keys one WriteRecords call writes.
const writeBatch = 1000

// ImportOptions say how an import runs.
type ImportOptions struct {
	Format Format
	Policy backend.ConflictPolicy
	// SkipInvalid skips a line that cannot be read (counted, the first
	// reasons kept); otherwise the import stops at it.
	SkipInvalid bool
	// DropTTLs writes keys without their expiry where the bucket cannot
	// keep one (ExpiryKept); otherwise such a key fails.
	DropTTLs bool
	// DryRun reads the whole file and counts new, existing and invalid
	// lines, writing nothing.
	DryRun bool
	// KeyReplace, when KeyReplace[0] is set, replaces it with
	// KeyReplace[1] in every key name: Redis's folder delimiter ':',
	// which a NATS key cannot hold, becomes NATS's '.' with {":", "."}.
	KeyReplace [2]string
	// Progress, if not nil, gets the counts after each batch.
	Progress func(Counts)
	// Now is the clock (tests); nil is time.Now.
	Now func() time.Time
}

// Counts are what an import did, or (DryRun) would do.
type Counts struct {
	Lines   int // lines read (blank lines not counted)
	New     int // dry run: keys that do not exist
	Exist   int // dry run: keys that exist
	Written int
	Skipped int // existing keys left as they are (skip), or the one that stopped a fail import
	Expired int // keys whose expiry had passed: nothing written
	Invalid int // lines that could not be read
	Failed  int
	// Invalids are the first reasons for invalid lines, with their numbers.
	Invalids []error
	// FirstFailure is the first failed key's reason.
	FirstFailure error
	// TTLsDropped counts the keys written without their expiry (DropTTLs).
	TTLsDropped int
}

// Complete says whether every line was handled: read, and written or left
// as the policy says (an expired key counts as handled).
func (c Counts) Complete() bool { return c.Invalid == 0 && c.Failed == 0 }

// LineError is a line that cannot be read.
type LineError struct {
	Line int
	Err  error
}

func (e *LineError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }
func (e *LineError) Unwrap() error { return e.Err }

// ErrStopped ends a ConflictFail import at an existing key.
var ErrStopped = errors.New("at a key that exists (--on-conflict fail)")

// keyNameRefused is why key cannot be written, with the flag that helps
// where it can: Redis's folder delimiter ':' in a NATS import.
func keyNameRefused(key string, err error) error {
	if strings.Contains(key, ":") {
		return fmt.Errorf("key %q: %w (--key-replace :=. turns Redis's ':' into NATS's '.')", key, err)
	}
	return fmt.Errorf("key %q: %w", key, err)
}

// maxInvalidKept bounds the reasons kept for invalid lines.
const maxInvalidKept = 20

// Import streams r into bucket: a line at a time, writeBatch keys a store
// call, each key written atomically under opts.Policy (ConflictFail stops
// at the first existing key: the keys of the file before it are written,
// none after). A collection goes into a store of byte values as JSON
// (AsBytes). The returned error is why it stopped early: an invalid line
// (without SkipInvalid), an existing key under ConflictFail, the store's.
func Import(ctx context.Context, s backend.Store, bucket string, r io.Reader, opts ImportOptions) (Counts, error) {
	var c Counts
	if s.Info().ReadOnly {
		return c, backend.ErrReadOnly
	}
	rw, ok := s.(backend.RecordWriter)
	if !ok {
		return c, fmt.Errorf("import into %s: %w", s.Info().Kind, backend.ErrUnsupported)
	}
	if opts.Format == RDMCSV && s.Info().Kind != "redis" {
		return c, backend.Invalid("format", "rdm-csv holds Redis DUMP payloads: it imports into Redis only")
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	expiryErr := rw.ExpiryKept(ctx, bucket)
	bytesOnly := !s.Info().TypedKeys
	names, _ := s.(backend.KeyNameChecker)
	var batch []backend.Record
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		defer func() {
			batch = batch[:0]
			if opts.Progress != nil {
				opts.Progress(c)
			}
		}()
		keys := make([]string, len(batch))
		for i, r := range batch {
			keys[i] = r.Key
		}
		if opts.DryRun || opts.Policy == backend.ConflictFail {
			exist, err := rw.Existing(ctx, bucket, keys)
			if err != nil {
				return err
			}
			if opts.DryRun {
				for _, e := range exist {
					if e {
						c.Exist++
					} else {
						c.New++
					}
				}
				return nil
			}
			for i, e := range exist {
				if e {
					// Write the keys before it, then stop.
					c.Skipped++
					c.FirstFailure = fmt.Errorf("key %q exists", keys[i])
					batch = batch[:i]
					if err := write(ctx, rw, bucket, batch, opts.Policy, &c); err != nil {
						return err
					}
					return fmt.Errorf("%w: %q", ErrStopped, keys[i])
				}
			}
		}
		return write(ctx, rw, bucket, batch, opts.Policy, &c)
	}
	add := func(rec backend.Record, lineNo int) error {
		if opts.KeyReplace[0] != "" {
			rec.Key = strings.ReplaceAll(rec.Key, opts.KeyReplace[0], opts.KeyReplace[1])
		}
		if !rec.ExpiresAt.IsZero() && !rec.ExpiresAt.After(now()) {
			c.Expired++ // nothing to write, in a dry run or not
			return nil
		}
		if names != nil {
			// Counted as the write would count it, in a dry run too.
			if err := names.CheckKeyName(rec.Key); err != nil {
				c.Failed++
				if c.FirstFailure == nil {
					c.FirstFailure = keyNameRefused(rec.Key, err)
				}
				return nil
			}
		}
		if bytesOnly {
			var err error
			if rec, err = AsBytes(rec); err != nil {
				return invalid(&c, lineNo, err, opts.SkipInvalid)
			}
		}
		if !rec.ExpiresAt.IsZero() && expiryErr != nil {
			if !opts.DropTTLs {
				c.Failed++
				if c.FirstFailure == nil {
					c.FirstFailure = fmt.Errorf("key %q: its TTL cannot be kept (%v); --drop-ttls writes it without", rec.Key, expiryErr)
				}
				return nil
			}
			rec.ExpiresAt = time.Time{}
			c.TTLsDropped++
		}
		batch = append(batch, rec)
		if len(batch) == writeBatch {
			return flush()
		}
		return nil
	}
	var err error
	if opts.Format == RDMCSV {
		err = readCSV(ctx, r, &c, opts, add)
	} else {
		err = readJSONL(ctx, r, &c, opts, now, add)
	}
	var line *LineError
	if err == nil || errors.As(err, &line) {
		// The lines before a bad one are written before the import
		// stops there.
		if ferr := flush(); ferr != nil {
			err = ferr
		}
	}
	return c, err
}

// write writes batch and counts the outcomes.
func write(ctx context.Context, rw backend.RecordWriter, bucket string, batch []backend.Record, policy backend.ConflictPolicy, c *Counts) error {
	if len(batch) == 0 {
		return nil
	}
	res, err := rw.WriteRecords(ctx, bucket, batch, policy)
	for _, r := range res {
		switch r.Outcome {
		case backend.BulkChanged:
			c.Written++
		case backend.BulkSkipped:
			c.Skipped++
		case backend.BulkGone:
			c.Expired++
		default:
			c.Failed++
			if c.FirstFailure == nil {
				c.FirstFailure = fmt.Errorf("key %q: %w", r.Key, r.Err)
			}
		}
	}
	if err == nil && policy == backend.ConflictFail {
		for _, r := range res {
			if r.Outcome == backend.BulkSkipped {
				return fmt.Errorf("%w: %q (created meanwhile)", ErrStopped, r.Key)
			}
		}
	}
	return err
}

// invalid counts an invalid line: nil to go on (skip), the line's error to
// stop.
func invalid(c *Counts, lineNo int, err error, skip bool) error {
	c.Invalid++
	le := &LineError{Line: lineNo, Err: err}
	if len(c.Invalids) < maxInvalidKept {
		c.Invalids = append(c.Invalids, le)
	}
	if skip {
		return nil
	}
	return le
}

// readJSONL reads r a line at a time, none longer than MaxLine.
func readJSONL(ctx context.Context, r io.Reader, c *Counts, opts ImportOptions, now func() time.Time, add func(backend.Record, int) error) error {
	br := bufio.NewReaderSize(r, 1<<20)
	for lineNo := 1; ; lineNo++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		line, tooLong, err := readLine(br, MaxLine)
		if err == io.EOF && len(line) == 0 && !tooLong {
			return nil
		}
		if err != nil && err != io.EOF {
			return fmt.Errorf("reading line %d: %w", lineNo, err)
		}
		if len(bytes.TrimSpace(line)) == 0 && !tooLong {
			if err == io.EOF {
				return nil
			}
			continue
		}
		c.Lines++
		if tooLong {
			if e := invalid(c, lineNo, fmt.Errorf("longer than %d MiB: not read", MaxLine>>20), opts.SkipInvalid); e != nil {
				return e
			}
		} else if rec, derr := DecodeJSONL(line, now()); derr != nil {
			if e := invalid(c, lineNo, derr, opts.SkipInvalid); e != nil {
				return e
			}
		} else if e := add(rec, lineNo); e != nil {
			return e
		}
		if err == io.EOF {
			return nil
		}
	}
}

// readLine reads up to and without the next newline. A line longer than
// max is read through and dropped: tooLong, and no bytes.
func readLine(br *bufio.Reader, max int) (line []byte, tooLong bool, err error) {
	var buf []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if !tooLong {
			if len(buf)+len(chunk) > max+1 {
				tooLong, buf = true, nil
			} else {
				buf = append(buf, chunk...)
			}
		}
		switch err {
		case bufio.ErrBufferFull:
			continue
		case nil:
			if tooLong {
				return nil, true, nil
			}
			return bytes.TrimRight(buf, "\r\n"), false, nil
		default:
			if tooLong {
				return nil, true, err
			}
			return bytes.TrimRight(buf, "\r\n"), false, err
		}
	}
}

// readCSV reads Tiny RDM's rows.
func readCSV(ctx context.Context, r io.Reader, c *Counts, opts ImportOptions, add func(backend.Record, int) error) error {
	cr := newCSVReader(r)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		row, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		c.Lines++
		var pe *csv.ParseError
		switch {
		case errors.As(err, &pe):
			if e := invalid(c, pe.StartLine, pe.Err, opts.SkipInvalid); e != nil {
				return e
			}
			continue
		case err != nil:
			return err
		}
		lineNo, _ := cr.FieldPos(0)
		rec, derr := DecodeRDMCSV(row)
		if derr != nil {
			if e := invalid(c, lineNo, derr, opts.SkipInvalid); e != nil {
				return e
			}
			continue
		}
		if e := add(rec, lineNo); e != nil {
			return e
		}
	}
}
