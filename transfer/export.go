package transfer

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/kvdeck/kvdeck/backend"
)

// Format is a file format of export and import.
type Format uint8

const (
	// JSONL is kvdeck's JSON Lines exchange format.
	JSONL Format = iota
	// RDMCSV is Tiny RDM's and Another Redis Desktop Manager's CSV of
	// DUMP payloads (Redis only).
	RDMCSV
)

func (f Format) String() string { return [...]string{"jsonl", "rdm-csv"}[f] }

// ParseFormat reads jsonl or rdm-csv.
func ParseFormat(s string) (Format, error) {
	switch s {
	case "jsonl":
		return JSONL, nil
	case "rdm-csv":
		return RDMCSV, nil
	}
	return 0, backend.Invalid("format", "%q: give jsonl or rdm-csv", s)
}

// readBatch is how many keys one ReadRecords call reads, and readersBusy
// how many calls are under way at once: the listing, the reads and the
// writing of the file overlap, and at most readersBusy+queued batches of
// keys are held, never the keyspace.
const (
	readBatch   = 1000
	readersBusy = 4
)

// Export streams every key of bucket matching pattern ("" for all) into w
// in format, and returns how many keys it wrote. Keys are read as the
// listing finds them, readBatch at a time, readersBusy batches at once;
// a key gone between the listing and the read is left out. progress, if
// not nil, is called with the count so far (from one goroutine at a time).
func Export(ctx context.Context, s backend.Store, bucket, pattern string, format Format, w io.Writer, progress func(n int)) (int, error) {
	rr, ok := s.(backend.RecordReader)
	if !ok {
		return 0, fmt.Errorf("export from %s: %w", s.Info().Kind, backend.ErrUnsupported)
	}
	if format == RDMCSV && s.Info().Kind != "redis" {
		return 0, backend.Invalid("format", "rdm-csv holds Redis DUMP payloads: export from %s as jsonl", s.Info().Kind)
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	batches := make(chan []string, readersBusy)
	var (
		mu      sync.Mutex
		written int
		wg      sync.WaitGroup
	)
	for range readersBusy {
		wg.Go(func() {
			for names := range batches {
				recs, err := rr.ReadRecords(ctx, bucket, names, backend.ReadOptions{Dump: format == RDMCSV})
				if err != nil {
					cancel(err)
					continue // drain: the listing stops on the cancel
				}
				buf, err := encodeBatch(bucket, recs, format, time.Now())
				if err != nil {
					cancel(err)
					continue
				}
				mu.Lock()
				if ctx.Err() == nil {
					if _, err := w.Write(buf); err != nil {
						cancel(fmt.Errorf("writing the export: %w", err))
					} else {
						written += len(recs)
						if progress != nil {
							progress(written)
						}
					}
				}
				mu.Unlock()
			}
		})
	}
	var pending []string
	listErr := s.Keys(ctx, bucket, backend.Query{Pattern: pattern, BatchSize: readBatch}, func(keys []backend.KeyInfo) error {
		for _, k := range keys {
			pending = append(pending, k.Name)
			if len(pending) == readBatch {
				select {
				case batches <- pending:
				case <-ctx.Done():
					return context.Cause(ctx)
				}
				pending = nil
			}
		}
		return nil
	})
	if listErr == nil && len(pending) > 0 {
		select {
		case batches <- pending:
		case <-ctx.Done():
		}
	}
	close(batches)
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return written, err
	}
	return written, listErr
}

// EncodeBatch writes recs in format, one line (row) each, as Export does:
// for a caller that reads the records itself (the UI's export of chosen
// keys).
func EncodeBatch(bucket string, recs []backend.Record, format Format, now time.Time) ([]byte, error) {
	return encodeBatch(bucket, recs, format, now)
}

// encodeBatch writes recs in format, one line (row) each.
func encodeBatch(bucket string, recs []backend.Record, format Format, now time.Time) ([]byte, error) {
	var buf bytes.Buffer
	if format == RDMCSV {
		cw := csv.NewWriter(&buf)
		for _, r := range recs {
			if err := EncodeRDMCSV(cw, r); err != nil {
				return nil, err
			}
		}
		cw.Flush()
		return buf.Bytes(), cw.Error()
	}
	for _, r := range recs {
		b, err := EncodeJSONL(bucket, r, now)
		if err != nil {
			return nil, err
		}
		buf.Write(b)
		buf.WriteByte('\n')
	}
	return buf.Bytes(), nil
}
