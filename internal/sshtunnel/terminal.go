package sshtunnel

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"
)

// Terminal prompts on a terminal with OpenSSH's wording: secrets are read
// with echo off, and a host key is trusted only on a typed "yes".
type Terminal struct {
	In  *os.File
	Out io.Writer
}

func (t Terminal) ConfirmHostKey(host, keyType, fingerprint string) (bool, error) {
	fmt.Fprintf(t.Out, "The authenticity of host '%s' can't be established.\n%s key fingerprint is %s.\nAre you sure you want to continue connecting (yes/no)? ", host, keyType, fingerprint)
	line, err := readLine(t.In)
	if err != nil {
		return false, fmt.Errorf("reading the answer: %w", err)
	}
	if strings.TrimSpace(line) != "yes" {
		return false, nil
	}
	fmt.Fprintf(t.Out, "Warning: Permanently added '%s' (%s) to the list of known hosts.\n", host, keyType)
	return true, nil
}

func (t Terminal) Passphrase(keyFile string) ([]byte, error) {
	return t.secret(fmt.Sprintf("Enter passphrase for key '%s': ", keyFile))
}

func (t Terminal) Password(user, host string) ([]byte, error) {
	return t.secret(fmt.Sprintf("%s@%s's password: ", user, host))
}

// secret reads a line with echo off; input that is not a terminal (a
// pipe in a script) is read as a plain line.
func (t Terminal) secret(prompt string) ([]byte, error) {
	fmt.Fprint(t.Out, prompt)
	defer fmt.Fprintln(t.Out)
	if term.IsTerminal(int(t.In.Fd())) {
		b, err := term.ReadPassword(int(t.In.Fd()))
		if err != nil {
			return nil, fmt.Errorf("reading a secret from the terminal: %w", err)
		}
		return b, nil
	}
	line, err := readLine(t.In)
	if err != nil {
		return nil, fmt.Errorf("reading a secret: %w", err)
	}
	return []byte(line), nil
}

// readLine reads up to a newline one byte at a time, so that nothing past
// the line is buffered away from a later read of the same file.
func readLine(f *os.File) (string, error) {
	var b strings.Builder
	buf := make([]byte, 1)
	for {
		n, err := f.Read(buf)
		if n == 1 {
			if buf[0] == '\n' {
				return strings.TrimSuffix(b.String(), "\r"), nil
			}
			b.WriteByte(buf[0])
		}
		if err != nil {
			if errors.Is(err, io.EOF) && b.Len() > 0 {
				return b.String(), nil
			}
			return "", err
		}
	}
}
