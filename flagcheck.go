package main

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/kvdeck/kvdeck/internal/sshtunnel"
)

// Store kinds a target names.
const (
	kindLocal = "local"
	kindRedis = "redis"
	kindNATS  = "nats"
)

// schemes maps each URL scheme kvdeck takes to its store kind.
var schemes = map[string]string{
	"redis": kindRedis, "rediss": kindRedis, "unix": kindRedis, "redis+sentinel": kindRedis,
	"nats": kindNATS, "tls": kindNATS, "ws": kindNATS, "wss": kindNATS,
	"file": kindLocal,
}

// schemeLike is the start of a URL: a scheme and a colon. A single letter
// is a Windows drive (C:), not a scheme.
var schemeLike = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9+.-]+):`)

// hostPort is a bare address, which people type meaning a server.
var hostPort = regexp.MustCompile(`^[A-Za-z0-9.-]+:[0-9]{1,5}$`)

// targetKind says which store a target names, and refuses a target that
// looks like a URL but is not one kvdeck can open: an unknown scheme, or a
// known one without its "//" (redis:127.0.0.1:6421, which used to create a
// bbolt file of that name). Messages mask any password in the target.
func targetKind(target string, f flags) (string, error) {
	if f.natsContext != "" {
		return kindNATS, nil
	}
	if scheme, _, ok := strings.Cut(target, "://"); ok {
		if kind, known := schemes[strings.ToLower(scheme)]; known {
			return kind, nil
		}
		return "", backend.Invalid("target", "%q: unknown scheme %q; use a path, file://, redis://, rediss://, unix://, redis+sentinel:// or nats://", backend.MaskURL(target), scheme)
	}
	if m := schemeLike.FindStringSubmatch(target); m != nil {
		if _, known := schemes[strings.ToLower(m[1])]; known {
			rest := strings.TrimLeft(target[len(m[0]):], "/")
			return "", backend.Invalid("target", "%q is not a URL kvdeck can read: did you mean %s? (for a local file with a colon in its name, write ./ before it)", backend.MaskURL(target), backend.MaskURL(m[1]+"://"+rest))
		}
	}
	if hostPort.MatchString(target) {
		if _, err := os.Stat(target); err != nil {
			return "", backend.Invalid("target", "%q is an address, not a file: say which server, redis://%s or nats://%s", target, target, target)
		}
	}
	return kindLocal, nil
}

// validate refuses flags that cannot work, before anything is opened or
// written: each refusal is one line naming the flag and what it takes.
func (f flags) validate() error {
	switch f.theme {
	case "auto", "dark", "light":
	default:
		return backend.Invalid("--theme", "%q: use auto, dark or light", f.theme)
	}
	if f.ssh != "" {
		if _, err := sshtunnel.Parse(f.ssh); err != nil {
			return fmt.Errorf("--ssh: %w", err)
		}
	}
	if f.timeout <= 0 {
		return backend.Invalid("--timeout", "%s: it must be more than 0, like 10s", f.timeout)
	}
	if (f.tlsCert == "") != (f.tlsKey == "") {
		if f.tlsCert != "" {
			return backend.Invalid("--tls-cert", "needs --tls-key, the client certificate's private key")
		}
		return backend.Invalid("--tls-key", "needs --tls-cert, the client certificate")
	}
	for _, file := range []struct{ flag, path, what string }{
		{"--tls-ca", f.tlsCA, "CA certificate"}, {"--tls-cert", f.tlsCert, "client certificate"}, {"--tls-key", f.tlsKey, "client key"},
		{"--creds", f.natsCreds, "NATS credentials file"}, {"--nkey", f.natsNKey, "NATS nkey seed file"},
	} {
		if file.path == "" {
			continue
		}
		if _, err := os.Stat(file.path); err != nil {
			return fmt.Errorf("%s %s: cannot read the %s: %w", file.flag, file.path, file.what, unwrapPath(err))
		}
	}
	return nil
}

// validateForKind checks the flags that depend on the store: the pattern
// language of --match, and --bucket on Redis, which names a database.
func (f flags) validateForKind(kind string) error {
	syntax := backend.PatternGlob
	if kind == kindNATS {
		syntax = backend.PatternSubject
	}
	if err := syntax.Validate(f.match); err != nil {
		return fmt.Errorf("--match: %w", err)
	}
	if f.ssh != "" && kind == kindLocal {
		return backend.Invalid("--ssh", "reaches a Redis or NATS server through a bastion; a local file has no server")
	}
	if kind == kindRedis && f.bucket != "" && f.bucket != "cluster" {
		if n, err := strconv.Atoi(f.bucket); err != nil || n < 0 {
			return backend.Invalid("--bucket", "%q: a Redis database is a number, 0, 1, 2…", f.bucket)
		}
	}
	return nil
}

// unwrapPath drops the path an *os.PathError repeats, since the message
// already names the file.
func unwrapPath(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}
