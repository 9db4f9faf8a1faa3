package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
)

func TestFlagsMayFollowTheTarget(t *testing.T) {
	f, rest, err := parseFlags([]string{"redis://h:6379", "--bucket", "3", "--match", "session:*", "--read-only"}, &bytes.Buffer{})
	if err != nil || len(rest) != 1 || rest[0] != "redis://h:6379" || f.bucket != "3" || f.match != "session:*" || !f.readOnly {
		t.Fatalf("parsed %+v %v %v", f, rest, err)
	}
}

func TestBadInputExitsWithCode2AndOneLine(t *testing.T) {
	for _, args := range [][]string{
		{"--no-such-flag"},
		{"a.db", "b.db"},
		{"gopher://x"},
		{"redis://:hunter2@127.0.0.1:1"},
		{filepath.Join(t.TempDir(), "missing-dir", "x.db"), "--read-only"},
	} {
		var stderr bytes.Buffer
		if code := run(args, &stderr); code != 2 {
			t.Errorf("kvdeck %v exited %d, want 2", args, code)
		}
		out := stderr.String()
		if strings.Contains(out, "hunter2") {
			t.Errorf("kvdeck %v printed the password: %s", args, out)
		}
		// Besides redis-cli's kind of warning about a password in argv.
		out = strings.TrimPrefix(out, argvPasswordWarning+"\n")
		if args[0] != "--no-such-flag" && strings.Count(strings.TrimSpace(out), "\n") != 0 {
			t.Errorf("kvdeck %v printed more than one line: %q", args, out)
		}
	}
}
