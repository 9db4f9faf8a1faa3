package connect

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"
)

// Prompter asks the user for what a connection needs and was not given: a
// password the server asked for, an SSH key's passphrase, whether to trust
// a host key never seen before.
type Prompter interface {
	// Secret asks for a secret with echo off.
	Secret(prompt string) (string, error)
	// Confirm asks a question that only "yes" answers yes, as OpenSSH's
	// host key question.
	Confirm(question string) (bool, error)
}

// ErrNeedsTerminal says a connection needs an answer and there is no one
// to ask: the picker then asks on the terminal, outside the UI.
var ErrNeedsTerminal = errors.New("needs an answer on the terminal")

// NeedsTerminal is the Prompter of a connection opened inside the UI: it
// asks nothing and fails with ErrNeedsTerminal, naming what it would ask.
type NeedsTerminal struct{}

func (NeedsTerminal) Secret(prompt string) (string, error) {
	return "", fmt.Errorf("%s %w", strings.TrimSuffix(strings.TrimSpace(prompt), ":"), ErrNeedsTerminal)
}

func (NeedsTerminal) Confirm(question string) (bool, error) {
	return false, fmt.Errorf("%s %w", firstLineOf(question), ErrNeedsTerminal)
}

// Terminal asks on a terminal: /dev/tty when In is nil, so a redirected
// stdin (kvdeck export > file) still gets its prompt.
type Terminal struct {
	In  *os.File
	Out io.Writer
}

func (t Terminal) files() (in *os.File, out io.Writer, done func(), err error) {
	if t.In != nil {
		out = t.Out
		if out == nil {
			out = os.Stderr
		}
		return t.In, out, func() {}, nil
	}
	tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("no terminal to ask on (%v): give the secret with an environment variable or a file instead", err)
	}
	return tty, tty, func() { tty.Close() }, nil
}

func (t Terminal) Secret(prompt string) (string, error) {
	in, out, done, err := t.files()
	if err != nil {
		return "", err
	}
	defer done()
	fmt.Fprint(out, prompt)
	var b []byte
	if term.IsTerminal(int(in.Fd())) {
		b, err = term.ReadPassword(int(in.Fd()))
		fmt.Fprintln(out)
	} else {
		var line string
		line, err = bufio.NewReader(in).ReadString('\n')
		b = []byte(strings.TrimRight(line, "\r\n"))
		if err == io.EOF && line != "" {
			err = nil
		}
	}
	if err != nil {
		return "", fmt.Errorf("reading the answer: %w", err)
	}
	return string(b), nil
}

func (t Terminal) Confirm(question string) (bool, error) {
	in, out, done, err := t.files()
	if err != nil {
		return false, err
	}
	defer done()
	fmt.Fprint(out, question)
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && line == "" {
		return false, fmt.Errorf("reading the answer: %w", err)
	}
	return strings.TrimSpace(line) == "yes", nil
}

func firstLineOf(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return line
}
