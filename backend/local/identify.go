package local

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
)

// boltMagic is bbolt's meta-page marker (bbolt's internal common.Magic),
// little-endian, after the 16-byte page header of page 0.
const (
	boltMagic       = 0xED0CDAED
	boltMagicOffset = 16
)

// describeFile says what a file that is not a bbolt database is, for the
// refusal, from its first bytes: the formats a user is likely to point
// kvdeck at by mistake, then the content-type sniffer's guess. It returns
// "" for a bbolt file.
func describeFile(head []byte, size int64) string {
	switch {
	case size == 0:
		return "an empty file"
	case hasBoltMagic(head, 0), hasBoltMagic(head, 4096):
		// Page 0's meta, or page 1's (bbolt keeps two and opens a file
		// whose first is damaged), at the usual 4 KB page size.
		return ""
	case bytes.HasPrefix(head, []byte("SQLite format 3\x00")):
		return "an SQLite database"
	case bytes.HasPrefix(head, []byte("REDIS")) && len(head) >= 9:
		return "a Redis RDB file (load it into a redis-server and open redis://…)"
	case bytes.HasPrefix(head, []byte("\x1f\x8b")):
		return "a gzip file"
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return "a zip file"
	case bytes.HasPrefix(head, []byte("\x28\xb5\x2f\xfd")):
		return "a zstd file"
	}
	ct := http.DetectContentType(head[:min(len(head), 512)])
	switch {
	case strings.HasPrefix(ct, "text/"):
		return "a text file (" + ct + ")"
	case ct == "application/octet-stream":
		return fmt.Sprintf("binary data without bbolt's marker (%d bytes)", size)
	}
	return "a file of type " + ct
}

func hasBoltMagic(head []byte, page int) bool {
	at := page + boltMagicOffset
	return len(head) >= at+4 && binary.LittleEndian.Uint32(head[at:]) == boltMagic
}

// checkBoltFile refuses, before bbolt opens it, a file that is not a bbolt
// database, saying what it is: bbolt would call it "invalid database" at
// best, and turn an empty file into a database.
func checkBoltFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("%s is not a regular file (%s), not a bbolt database", path, st.Mode().Type())
	}
	head := make([]byte, 4096+boltMagicOffset+4)
	n, err := io.ReadFull(f, head)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return err
	}
	if what := describeFile(head[:n], st.Size()); what != "" {
		return fmt.Errorf("%s is %s, not a bbolt database; kvdeck leaves it as it is", path, what)
	}
	return nil
}
