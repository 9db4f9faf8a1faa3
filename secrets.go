package main

import (
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"

	"github.com/kvdeck/kvdeck/backend"
)

// Secrets outside argv. A password in a URL on the command line is in the
// shell's history and in /proc/PID/cmdline for every local user to read;
// redis-cli warns about exactly that and reads REDISCLI_AUTH instead.

// redisPassword is the Redis password from outside argv, when the URL has
// none: --password-file (its first line), else $REDISCLI_AUTH. It returns
// "" when neither is given.
func redisPassword(f flags) (string, error) {
	if f.passwordFile != "" {
		b, err := os.ReadFile(f.passwordFile)
		if err != nil {
			return "", fmt.Errorf("--password-file %s: %w", f.passwordFile, unwrapPath(err))
		}
		line, _, _ := strings.Cut(string(b), "\n")
		line = strings.TrimSuffix(line, "\r")
		if line == "" {
			return "", backend.Invalid("--password-file", "%s is empty", f.passwordFile)
		}
		return line, nil
	}
	return os.Getenv("REDISCLI_AUTH"), nil
}

// argvPasswordWarning is the line for a Redis URL with a password in argv.
const argvPasswordWarning = "kvdeck: warning: a password in a URL on the command line may not be safe (shell history, ps); use REDISCLI_AUTH or --password-file"

// warnArgvSecret writes one line to stderr when the target typed on the
// command line holds a password, as redis-cli does for -a and -u.
func warnArgvSecret(target string, stderr io.Writer) {
	u, err := url.Parse(target)
	if err != nil || u.User == nil {
		return
	}
	_, has := u.User.Password()
	nats := schemes[strings.ToLower(u.Scheme)] == kindNATS
	switch {
	case nats && (has || u.User.Username() != ""): // nats://TOKEN@host too
		fmt.Fprintln(stderr, "kvdeck: warning: a secret in a URL on the command line may not be safe (shell history, ps); use a natscli context (--context), --creds or $NATS_URL")
	case has:
		fmt.Fprintln(stderr, argvPasswordWarning)
	}
}
