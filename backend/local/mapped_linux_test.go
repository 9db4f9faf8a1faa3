package local

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/kvdeck/kvdeck/backend"
)

// rssFile is the process's resident file-backed memory (RssFile), in bytes.
func rssFile(t *testing.T) int64 {
	t.Helper()
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for line := range bytes.Lines(status) {
		if rest, ok := bytes.CutPrefix(line, []byte("RssFile:")); ok {
			kb, err := strconv.ParseInt(string(bytes.TrimSuffix(bytes.TrimSpace(rest), []byte(" kB"))), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatal("no RssFile in /proc/self/status")
	return 0
}

// Listing and counting a file another program wrote leave its pages in the
// page cache, not in kvdeck's resident memory: before, every page a walk
// read stayed mapped in, so a 233 MB file of a million keys made a 330 MB
// process.
func TestListingDoesNotKeepTheFilesPagesResident(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big.db")
	db, err := bolt.Open(path, 0o600, &bolt.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	const n = 150_000
	value := bytes.Repeat([]byte("v"), 200)
	err = db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket([]byte("app"))
		if err != nil {
			return err
		}
		for i := range n {
			if err := b.Put(fmt.Appendf(nil, "user:%07d:prefs", i), value); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	// Read the file once so that its pages are in the page cache: the
	// listing below then maps them in without reading the disk.
	if _, err := os.ReadFile(path); err != nil {
		t.Fatal(err)
	}
	s := openAt(t, path, Options{})
	before := rssFile(t)
	buckets, err := s.Buckets(context.Background())
	if err != nil || len(buckets) != 1 || buckets[0].Keys != n {
		t.Fatalf("buckets %+v, %v", buckets, err)
	}
	listed := 0
	err = s.Keys(context.Background(), "app", backend.Query{}, func(b []backend.KeyInfo) error {
		listed += len(b)
		return nil
	})
	if err != nil || listed != n {
		t.Fatalf("listed %d of %d: %v", listed, n, err)
	}
	grew := rssFile(t) - before
	if grew > st.Size()/4 {
		t.Fatalf("resident file memory grew by %d MB listing a %d MB file", grew>>20, st.Size()>>20)
	}
	t.Logf("a %d MB file listed; resident file memory grew by %d MB", st.Size()>>20, grew>>20)
}
