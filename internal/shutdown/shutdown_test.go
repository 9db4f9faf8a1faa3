package shutdown

import (
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
)

// What a signal does before the program quits: temp files made here are
// removed, and once Begin has run nothing new starts (an editor, and in
// the model every store call, which checks Stopping first).
func TestBeginStopsWhatHasNotStartedAndTempFilesGo(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	f, err := CreateTemp("kvdeck-*.txt")
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("a secret value")
	f.Close()
	kept, err := CreateTemp("kvdeck-*.txt")
	if err != nil {
		t.Fatal(err)
	}
	kept.Close()
	if err := Remove(kept.Name()); err != nil {
		t.Fatal(err)
	}

	if Stopping() {
		t.Fatal("Stopping before Begin")
	}
	marker := filepath.Join(t.TempDir(), "ran")
	Begin(syscall.SIGTERM)
	if !Stopping() {
		t.Fatal("Stopping is false after Begin")
	}
	err = Command{Cmd: exec.Command("touch", marker)}.Run()
	if err == nil {
		t.Fatal("a command started after Begin")
	}
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("the command ran after Begin")
	}

	RemoveTemps()
	if _, err := os.Stat(f.Name()); err == nil {
		t.Fatalf("%s is still there after RemoveTemps", f.Name())
	}
}
