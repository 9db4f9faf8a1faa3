package e2e

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/kvdeck/kvdeck/internal/tmuxtest"
)

// ownerWrite writes key in bucket as the program that owns the file does:
// plain bbolt, which needs the exclusive lock.
func ownerWrite(t *testing.T, path, bucket, key, value string) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 3 * time.Second})
	if err != nil {
		t.Fatalf("the owner cannot open its file: %v", err)
	}
	defer db.Close()
	err = db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte(bucket))
		if err != nil {
			return err
		}
		return b.Put([]byte(key), []byte(value))
	})
	if err != nil {
		t.Fatal(err)
	}
}

func ownerRead(t *testing.T, path, bucket, key string) string {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: 3 * time.Second})
	if err != nil {
		t.Fatalf("a read-only open (bbolt check, the owner's tools) fails: %v", err)
	}
	defer db.Close()
	var v string
	db.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket([]byte(bucket)); b != nil {
			v = string(b.Get([]byte(key)))
		}
		return nil
	})
	return v
}

// Defect 12: a TTL set in kvdeck deleted the value the owning program
// wrote later; --read-only hid it; kvdeck held the exclusive lock while
// only browsing; a bucket named a/b could not be opened.
func TestForeignFileStaysTheOwnersFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "app.db")
	ownerWrite(t, path, "app", "version", "1.0")
	ownerWrite(t, path, "a/b", "inside", "slash bucket")

	tm := tmuxtest.Start(t, 140, 30, env(t), binary, path, "--bucket", "app")
	tm.WaitFor("1 keys", 10*time.Second)
	tm.Send("Enter")
	tm.WaitFor("1.0", 5*time.Second)
	tm.Send("t")
	tm.Type("2s")
	tm.Send("Enter")
	tm.WaitFor("TTL of version set to 2s", 5*time.Second)
	// While kvdeck is open and idle, the owner's tools open the file.
	time.Sleep(time.Second)
	if v := ownerRead(t, path, "app", "version"); v != "1.0" {
		t.Fatalf("read-only open while kvdeck browses: %q", v)
	}
	tm.Send("q")
	tm.WaitExit(5 * time.Second)

	// The owner writes a new version; kvdeck's old TTL must not touch it.
	ownerWrite(t, path, "app", "version", "2.0")
	time.Sleep(2500 * time.Millisecond)
	tm = tmuxtest.Start(t, 140, 30, env(t), binary, path, "--bucket", "app")
	tm.WaitFor("1 keys", 10*time.Second)
	time.Sleep(2500 * time.Millisecond) // the sweeper runs every 2 s
	tm.Send("q")
	tm.WaitExit(5 * time.Second)
	if v := ownerRead(t, path, "app", "version"); v != "2.0" {
		t.Fatalf("after reopening kvdeck the owner's new value is %q", v)
	}
	ro := tmuxtest.Start(t, 140, 30, env(t), binary, path, "--read-only", "--bucket", "app")
	ro.WaitFor("version", 10*time.Second)
	ro.Send("Enter")
	ro.WaitFor("2.0", 5*time.Second)
	ro.Send("q")
	ro.WaitExit(5 * time.Second)

	// A bucket whose name holds a slash opens.
	sl := tmuxtest.Start(t, 140, 30, env(t), binary, path)
	screen := sl.WaitFor("a%2Fb", 10*time.Second)
	if !strings.Contains(screen, "app") {
		t.Fatalf("buckets:\n%s", screen)
	}
	sl.Send(":")
	sl.Type("bucket a%2Fb")
	sl.Send("Enter")
	sl.WaitFor("inside", 5*time.Second)
	sl.Send("Enter")
	sl.WaitFor("slash bucket", 5*time.Second)
	sl.Send("q")
	sl.WaitExit(5 * time.Second)
}
