package main

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/kvdeck/kvdeck/connect"
)

// Secrets outside argv. A password in a URL on the command line is in the
// shell's history and in /proc/PID/cmdline for every local user to read;
// redis-cli warns about exactly that and reads REDISCLI_AUTH instead.

// secrets says where the password and token come from, outside argv:
// --password-file, else $REDISCLI_AUTH (Redis, redis-cli's convention) or
// $NATS_PASSWORD (NATS, natscli's); the NATS token from --token (argv,
// warned about), --token-file, else $NATS_TOKEN. A URL's own password
// comes first (connect.Open uses these only when the URL has none).
func (f flags) secrets(kind string) (password, token connect.Secret) {
	envVar := "REDISCLI_AUTH"
	if kind == kindNATS {
		envVar = "NATS_PASSWORD"
	}
	password = fromEnv(envVar)
	if f.passwordFile != "" {
		password = fromFile("--password-file", f.passwordFile)
	}
	if kind != kindNATS {
		return password, nil
	}
	token = fromEnv("NATS_TOKEN")
	switch {
	case f.natsToken != "":
		token = connect.Literal(f.natsToken)
	case f.tokenFile != "":
		token = fromFile("--token-file", f.tokenFile)
	}
	return password, token
}

func fromEnv(name string) connect.Secret {
	return func(context.Context) (string, error) { return os.Getenv(name), nil }
}

// fromFile reads a secret from a file's first line. Errors name the file,
// never what is in it.
func fromFile(flag, path string) connect.Secret {
	return func(context.Context) (string, error) {
		b, err := os.ReadFile(path)
		if err != nil {
			return "", fmt.Errorf("%s %s: %w", flag, path, unwrapPath(err))
		}
		line, _, _ := strings.Cut(string(b), "\n")
		line = strings.TrimSuffix(line, "\r")
		if line == "" {
			return "", backend.Invalid(flag, "%s is empty", path)
		}
		return line, nil
	}
}

// argvPasswordWarning is the line for a Redis URL with a password in argv.
const argvPasswordWarning = "kvdeck: warning: a password in a URL on the command line may not be safe (shell history, ps); use REDISCLI_AUTH or --password-file"

// argvTokenWarning is the line for --token, a secret in argv too.
const argvTokenWarning = "kvdeck: warning: --token on the command line may not be safe (shell history, ps); use NATS_TOKEN, --token-file or --askpass"

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
