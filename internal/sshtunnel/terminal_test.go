package sshtunnel

import (
	"bytes"
	"io"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
)

// On a terminal, the host key question is OpenSSH's and only "yes"
// accepts; a passphrase is read with echo off.
func TestTerminalPrompter(t *testing.T) {
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Fatalf("open a pty: %v", err)
	}
	defer ptmx.Close()
	defer tty.Close()
	var mu sync.Mutex
	var screen bytes.Buffer
	go func() {
		buf := make([]byte, 1024)
		for {
			n, err := ptmx.Read(buf)
			mu.Lock()
			screen.Write(buf[:n])
			mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	shown := func() string {
		mu.Lock()
		defer mu.Unlock()
		return screen.String()
	}
	waitFor := func(s string) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for !strings.Contains(shown(), s) {
			if time.Now().After(deadline) {
				t.Fatalf("the terminal never showed %q:\n%s", s, shown())
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	term := Terminal{In: tty, Out: tty}

	answer := func(line string) chan bool {
		got := make(chan bool, 1)
		go func() {
			ok, err := term.ConfirmHostKey("[bastion]:2222", "ED25519", "SHA256:abc")
			if err != nil {
				t.Error(err)
			}
			got <- ok
		}()
		waitFor("(yes/no)? ")
		io.WriteString(ptmx, line+"\n")
		return got
	}
	if ok := <-answer("yes"); !ok {
		t.Error(`"yes" did not accept`)
	}
	for _, want := range []string{"The authenticity of host '[bastion]:2222' can't be established.", "ED25519 key fingerprint is SHA256:abc.", "Are you sure you want to continue connecting (yes/no)? "} {
		if !strings.Contains(shown(), want) {
			t.Errorf("the question lacks %q:\n%s", want, shown())
		}
	}
	mu.Lock()
	screen.Reset()
	mu.Unlock()
	if ok := <-answer("y"); ok {
		t.Error(`"y" accepted`)
	}

	got := make(chan string, 1)
	go func() {
		b, err := term.Passphrase("/home/bob/.ssh/id_ed25519")
		if err != nil {
			t.Error(err)
		}
		got <- string(b)
	}()
	waitFor("Enter passphrase for key '/home/bob/.ssh/id_ed25519': ")
	// The prompt is written just before echo goes off: a human is slower.
	time.Sleep(100 * time.Millisecond)
	io.WriteString(ptmx, "sekrit-phrase\n")
	if p := <-got; p != "sekrit-phrase" {
		t.Errorf("passphrase = %q", p)
	}
	if strings.Contains(shown(), "sekrit-phrase") {
		t.Errorf("the passphrase was echoed:\n%s", shown())
	}
}

// Not a terminal (a pipe): secrets are read as plain lines.
func TestTerminalPrompterPipe(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	io.WriteString(w, "pw-from-pipe\nyes\n")
	w.Close()
	var out bytes.Buffer
	term := Terminal{In: r, Out: &out}
	if b, err := term.Password("bob", "bastion"); err != nil || string(b) != "pw-from-pipe" {
		t.Fatalf("Password = %q, %v", b, err)
	}
	if !strings.Contains(out.String(), "bob@bastion's password: ") {
		t.Errorf("prompt = %q", out.String())
	}
	if ok, err := term.ConfirmHostKey("bastion", "RSA", "SHA256:x"); err != nil || !ok {
		t.Fatalf("ConfirmHostKey = %v, %v", ok, err)
	}
}
