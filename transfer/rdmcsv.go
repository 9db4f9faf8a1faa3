package transfer

import (
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/kvdeck/kvdeck/backend"
)

// The Tiny RDM / Another Redis Desktop Manager CSV: one key a row,
// hex(key), hex(DUMP payload) and, optionally, the absolute expiry in unix
// milliseconds (-1 for none), which is what Tiny RDM writes in its third
// column and reads back (despite the column being called a TTL there): a
// file moves between those tools and kvdeck both ways. The payload is
// Redis's own DUMP, so only Redis reads and writes this format.

// EncodeRDMCSV writes rec (read with ReadOptions.Dump) as one CSV row.
func EncodeRDMCSV(w *csv.Writer, rec backend.Record) error {
	expiry := "-1"
	if !rec.ExpiresAt.IsZero() {
		expiry = strconv.FormatInt(rec.ExpiresAt.UnixMilli(), 10)
	}
	return w.Write([]string{hex.EncodeToString([]byte(rec.Key)), hex.EncodeToString(rec.Dump), expiry})
}

// DecodeRDMCSV reads one row into a Record carrying the DUMP payload.
func DecodeRDMCSV(row []string) (backend.Record, error) {
	var rec backend.Record
	if len(row) < 2 || len(row) > 3 {
		return rec, fmt.Errorf("%d columns: want hex(key),hex(dump)[,expiry ms]", len(row))
	}
	key, err := hex.DecodeString(row[0])
	if err != nil {
		return rec, fmt.Errorf("key is not hex: %v", err)
	}
	if len(key) == 0 {
		return rec, fmt.Errorf("empty key")
	}
	dump, err := hex.DecodeString(row[1])
	if err != nil {
		return rec, fmt.Errorf("key %q: dump is not hex: %v", key, err)
	}
	if len(dump) < 10 {
		// A DUMP payload ends with a 2-byte RDB version and an 8-byte
		// checksum: anything shorter is no payload.
		return rec, fmt.Errorf("key %q: dump of %d bytes is no DUMP payload", key, len(dump))
	}
	rec.Key, rec.Dump = string(key), dump
	if len(row) == 3 && row[2] != "" && row[2] != "-1" {
		ms, err := strconv.ParseInt(row[2], 10, 64)
		if err != nil || ms <= 0 {
			return rec, fmt.Errorf("key %q: expiry %q: give unix milliseconds, or -1 for none", key, row[2])
		}
		rec.ExpiresAt = time.UnixMilli(ms)
	}
	return rec, nil
}

// newCSVReader reads the rows of r as Tiny RDM writes them.
func newCSVReader(r io.Reader) *csv.Reader {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1 // 2 or 3, checked per row with its line number
	cr.ReuseRecord = true
	return cr
}
