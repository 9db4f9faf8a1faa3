package e2e

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/vt"

	bolt "go.etcd.io/bbolt"

	"github.com/kvdeck/kvdeck/ui/format"
)

// foreignSequences parses everything kvdeck wrote and lists the control
// sequences it does not draw with itself: any OSC but the window title (2,
// which must be title exactly) and the background-colour question (11 with
// "?"), and any DCS, APC, PM or SOS string.
func foreignSequences(raw, title string) []string {
	var bad []string
	var state byte
	for len(raw) > 0 {
		seq, _, n, newState := ansi.DecodeSequence(raw, state, nil)
		state = newState
		if n <= 0 {
			break
		}
		raw = raw[n:]
		switch {
		case ansi.HasOscPrefix(seq):
			body := strings.TrimPrefix(strings.TrimPrefix(seq, "\x1b]"), "\x9d")
			body = strings.TrimSuffix(strings.TrimSuffix(body, "\x07"), "\x1b\\")
			cmd, payload, _ := strings.Cut(body, ";")
			switch {
			case cmd == "11" && payload == "?":
			case cmd == "2" && (payload == title || payload == ""): // "" at exit
			default:
				bad = append(bad, seq)
			}
		case ansi.HasDcsPrefix(seq), ansi.HasApcPrefix(seq), ansi.HasPmPrefix(seq), ansi.HasSosPrefix(seq):
			bad = append(bad, seq)
		}
	}
	return bad
}

// Issue 11, items 1 and 2: the window title was the file path, written
// unescaped, so a bbolt path holding OSC sequences set the terminal's
// clipboard and title. The whole raw output of a session on hostile data
// (the path, a bucket name, key names and values with OSC, DCS, C1, bidi
// and zero-width characters), through the value, the delete and rename
// dialogs and the status line, holds no sequence kvdeck did not mean.
func TestHostileDataSendsNoSequenceToTheTerminal(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "evil\x1b]52;c;cHduZWQ=\x07\x1b]2;pwned-by-path\x07.db")
	// Written by another program, with bbolt itself: kvdeck would refuse
	// to create such a bucket name, but it must show one it finds.
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	bucket := "b\x1b]2;pwned-by-bucket\x07"
	err = db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket([]byte(bucket))
		if err != nil {
			return err
		}
		for key, value := range map[string]string{
			"a-osc\x1b]52;c;cHduZWQ=\x07":   "value \x1b]2;pwned-by-value\x07 and \x1bP1$qm\x1b\\ dcs",
			"b-bidi\u202egnp.exe":           "\u2066isolate\u2069 \u200bzero width",
			"c-c1\xc2\x9b2J":                "\x9b2J raw C1 byte",
			"d-apc\x1b_pwned-by-apc\x1b\\":  `{"k":"\u001b]2;pwned-by-json\u0007"}`,
			"e-zero\u200bwidth\ufeff\u200d": "plain",
		} {
			if err := b.Put([]byte(key), []byte(value)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	pt := startPty(t, append(env(t), "TERM=xterm-256color"), binary, path)
	pt.waitForText(t, "Buckets", 15*time.Second)
	pt.pty.WriteString("\r") // into the only bucket
	pt.waitForText(t, "5 keys", 15*time.Second)
	for range 5 {
		time.Sleep(150 * time.Millisecond) // the value pane follows the cursor
		pt.pty.WriteString("d")            // the delete dialog names the key
		pt.waitForText(t, "Delete", 5*time.Second)
		pt.pty.WriteString("n")
		pt.pty.WriteString("R") // so does the rename dialog
		pt.waitForText(t, "Rename", 5*time.Second)
		pt.pty.WriteString("\x1b")
		// A lone ESC is a key only once no more bytes follow it.
		pt.waitFor(t, 5*time.Second, "the rename dialog closed", func(e *vt.Emulator) bool {
			return !strings.Contains(e.String(), "enter to apply")
		})
		pt.pty.WriteString("\x1b[B") // down to the next key
		time.Sleep(150 * time.Millisecond)
	}
	pt.pty.WriteString("q")
	if code := pt.exitCode(t, 10*time.Second); code != 0 {
		t.Errorf("exit code %d", code)
	}
	raw := pt.rawOutput()
	if !strings.Contains(raw, "\x1b]2;kvdeck ") {
		t.Fatal("no window title in the output: the check would prove nothing")
	}
	// The title is the path, escaped as a key is.
	if bad := foreignSequences(raw, "kvdeck "+format.Escape(path)); len(bad) > 0 {
		t.Errorf("%d sequences kvdeck did not mean reached the terminal, first: %q", len(bad), bad[0])
	}
	for _, shown := range []string{`\x1b]52;c;cHduZWQ=\x07`, `\u202e`, `\u200b`} {
		if !strings.Contains(raw, shown) {
			t.Errorf("%s is not shown escaped anywhere", shown)
		}
	}
}
