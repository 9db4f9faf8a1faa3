package config

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"
)

// Secrets by reference: the file names where a password or token is (an
// environment variable, a file, a command), never the secret itself. Every
// error here names the reference (the variable, the file, the command's
// program) and never holds what it resolved to, nor the command's output.

// DefaultCommandTimeout bounds a password or token command when the
// context has no deadline of its own: a command waiting for a prompt
// nobody sees must not hang kvdeck's start.
const DefaultCommandTimeout = 10 * time.Second

// Password is the connection's password (Redis, or the NATS user's), from
// password_env, password_file or password_command; "" with no error when
// none is set.
func (c Connection) Password(ctx context.Context) (string, error) {
	return resolveSecret(ctx, "password", c.PasswordEnv, c.PasswordFile, c.PasswordCommand)
}

// Token is the NATS token, from token_env, token_file or token_command; ""
// with no error when none is set.
func (c Connection) Token(ctx context.Context) (string, error) {
	return resolveSecret(ctx, "token", c.TokenEnv, c.TokenFile, c.TokenCommand)
}

// resolveSecret resolves the one reference that is set (Validate refuses
// more than one).
func resolveSecret(ctx context.Context, what, env, file, command string) (string, error) {
	switch {
	case env != "":
		return secretFromEnv(what, env)
	case file != "":
		return secretFromFile(what, file)
	case command != "":
		return secretFromCommand(ctx, what, command)
	}
	return "", nil
}

func secretFromEnv(what, name string) (string, error) {
	v, ok := os.LookupEnv(name)
	switch {
	case !ok:
		return "", fmt.Errorf("%s_env: the environment variable %s is not set", what, name)
	case v == "":
		return "", fmt.Errorf("%s_env: the environment variable %s is empty", what, name)
	}
	return v, nil
}

// secretFromFile is the file's first line, without its line ending. The
// error names the file, and for a read error says why without quoting it.
func secretFromFile(what, path string) (string, error) {
	expanded := ExpandHome(path)
	data, err := os.ReadFile(expanded)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return "", fmt.Errorf("%s_file %s: %w", what, expanded, err)
	}
	defer clear(data)
	line := firstLine(data)
	if line == "" {
		return "", fmt.Errorf("%s_file %s: the first line is empty", what, expanded)
	}
	return line, nil
}

// firstLine is the text before the first newline, without a trailing \r.
func firstLine(data []byte) string {
	line, _, _ := bytes.Cut(data, []byte("\n"))
	return string(bytes.TrimSuffix(line, []byte("\r")))
}

// secretFromCommand runs the command, without a shell, and takes the first
// line of its output. The command's stdin is empty (a prompt ends at once
// instead of waiting), and it is killed when ctx ends or, when ctx has no
// deadline, after DefaultCommandTimeout.
func secretFromCommand(ctx context.Context, what, command string) (string, error) {
	args, err := splitWords(command)
	if err != nil {
		return "", fmt.Errorf("%s_command: %w", what, err)
	}
	if _, has := ctx.Deadline(); !has {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultCommandTimeout)
		defer cancel()
	}
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	var stdout bytes.Buffer
	stderr := tailBuffer{max: 4096}
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	// A child that keeps the output open after the command is killed
	// (sh -c 'sleep 60') must not hold Wait past the deadline.
	cmd.WaitDelay = time.Second
	err = cmd.Run()
	defer clear(stdout.Bytes())
	name := fmt.Sprintf("%s_command (%s)", what, args[0])
	if ctxErr := ctx.Err(); ctxErr != nil {
		if errors.Is(ctxErr, context.DeadlineExceeded) {
			return "", fmt.Errorf("%s: no answer in time; killed", name)
		}
		return "", fmt.Errorf("%s: %w", name, ctxErr)
	}
	if err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			msg := fmt.Sprintf("%s: %s", name, exit.ProcessState)
			if last := stderr.lastLine(); last != "" {
				msg += ": " + last
			}
			return "", errors.New(msg)
		}
		// Not started: not found, not executable. The error names the
		// program, which is in the file, not a secret.
		return "", fmt.Errorf("%s: %w", name, err)
	}
	line := firstLine(stdout.Bytes())
	if line == "" {
		return "", fmt.Errorf("%s: printed nothing on its first line", name)
	}
	return line, nil
}

// tailBuffer keeps the last max bytes written: a command's stderr, of
// which only the last line is shown.
type tailBuffer struct {
	buf []byte
	max int
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.buf = append(t.buf, p...)
	if len(t.buf) > t.max {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-t.max:]...)
	}
	return len(p), nil
}

// lastLine is the last non-blank line, cut to 200 bytes for one line of
// message.
func (t *tailBuffer) lastLine() string {
	lines := strings.Split(strings.TrimRight(string(t.buf), "\r\n\t "), "\n")
	last := strings.TrimSpace(lines[len(lines)-1])
	if len(last) > 200 {
		last = strings.ToValidUTF8(last[:200], "") + "..."
	}
	return last
}
