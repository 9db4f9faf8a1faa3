package main

import (
	"os"
	"testing"
	"time"
)

// TestTermDrivesAProgram checks the plumbing the clocks rely on: output
// reaches the emulator and fires watchers, keys reach the program, and a
// terminal query (the cursor position report) is answered without blocking
// the reader.
func TestTermDrivesAProgram(t *testing.T) {
	script := `printf 'hello\n'; printf '\033[6n'; read line; printf 'got %s\n' "$line"; read line`
	term, err := startTerm(80, 24, append(os.Environ(), "TERM=xterm-256color"), "/bin/sh", "-c", script)
	if err != nil {
		t.Fatal(err)
	}
	defer term.Kill()
	if _, err := term.Until(func(s Screen) bool { return s.Contains("hello") }, 10*time.Second, "hello"); err != nil {
		t.Fatal(err)
	}
	// The emulator answered the cursor position query (ESC[row;colR) into
	// the program's input; the typed text follows it on the same line.
	got := term.Watch(func(s Screen) bool { return s.Contains("abc") && s.Contains("got") })
	pressed := term.Press("abc")
	term.Press("enter")
	seen, err := term.Wait(got, 10*time.Second, "echo of the typed line")
	if err != nil {
		t.Fatal(err)
	}
	if seen.Before(pressed) {
		t.Fatalf("seen at %v, before the press at %v", seen, pressed)
	}
	if len(term.Screen().Lines) != 24 {
		t.Fatalf("screen has %d rows, want 24", len(term.Screen().Lines))
	}
	if rss, err := term.PeakRSS(); err != nil || rss <= 0 {
		t.Fatalf("PeakRSS = %d, %v", rss, err)
	}
}
