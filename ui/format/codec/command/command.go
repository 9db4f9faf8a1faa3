// Package command runs a user's own decoder, and encoder, as commands:
// the value on stdin, the decoded text on stdout, as Tiny RDM's custom
// decoders and Another Redis Desktop Manager's do. A command is argv, run
// without a shell unless the user wrote one (sh -c '…'), with a timeout,
// and its stderr is shown when it fails.
package command

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path"
	"strings"
	"time"

	"github.com/kvdeck/kvdeck/ui/format/codec"
)

// DefaultTimeout bounds a decoder command that sets no timeout.
const DefaultTimeout = 5 * time.Second

// stderrKept bounds the stderr shown when a command fails.
const stderrKept = 2 << 10

// Decoder is a configured decoder command.
type Decoder struct {
	// Name is what the f cycle and the format line show.
	Name string
	// Decode is the decoding command's argv: the raw value on stdin, the
	// decoded text on stdout.
	Decode []string
	// Encode, optional, is the way back: the edited text on stdin, the
	// value to store on stdout. Without it the decoder is read-only.
	Encode []string
	// Keys are globs (path.Match, * within a segment and across ':' and
	// '.' alike) of the key names the decoder applies to; a key matching
	// one is shown through it first.
	Keys []string
	// Detect, optional, is a command that gets the raw value on stdin and
	// exits 0 when the decoder applies to it (for keys no glob names).
	Detect []string
	// Timeout bounds each run; 0 is DefaultTimeout.
	Timeout time.Duration
}

// Where is the key a command runs for, passed in its environment as
// KVDECK_KEY, KVDECK_BUCKET and KVDECK_STORE (redis, nats or local).
type Where struct {
	Key, Bucket, Store string
}

func (w Where) env() []string {
	return append(os.Environ(), "KVDECK_KEY="+w.Key, "KVDECK_BUCKET="+w.Bucket, "KVDECK_STORE="+w.Store)
}

// Matches says whether key is one of d's Keys.
func (d Decoder) Matches(key string) bool {
	for _, g := range d.Keys {
		if globMatch(g, key) {
			return true
		}
	}
	return false
}

// globMatch is path.Match with '*' matching any run of bytes, separators
// included: a key name is not a path.
func globMatch(glob, name string) bool {
	// path.Match's '*' stops at '/': replace '/' in both by a byte no
	// glob holds, so that it does not.
	const sep = "\x00"
	ok, err := path.Match(strings.ReplaceAll(glob, "/", sep), strings.ReplaceAll(name, "/", sep))
	return err == nil && ok
}

// Applies runs d's Detect command on value (false without one, or when
// it fails or exits non-zero).
func (d Decoder) Applies(ctx context.Context, w Where, value []byte) bool {
	if len(d.Detect) == 0 {
		return false
	}
	_, err := d.run(ctx, d.Detect, w, value, 0)
	return err == nil
}

// Codec is d as a codec for the key w: its commands get w in their
// environment.
func (d Decoder) Codec(w Where) codec.Codec {
	c := codec.Codec{
		Name: d.Name,
		Decode: func(b []byte, limit int64, partial bool) (codec.Decoded, error) {
			out, err := d.run(context.Background(), d.Decode, w, b, limit)
			cut := errors.Is(err, errTooLong)
			if err != nil && !cut {
				return codec.Decoded{}, err
			}
			return codec.Decoded{Out: out, Cut: cut, Detail: "command"}, nil
		},
	}
	if len(d.Encode) > 0 {
		c.Encode = func(_ codec.Decoded, edited []byte) ([]byte, error) {
			return d.run(context.Background(), d.Encode, w, edited, 0)
		}
	}
	return c
}

var errTooLong = errors.New("output cut at the limit")

// run runs argv with stdin on its standard input and returns its standard
// output (at most limit bytes; 0 is no limit). A failure says which
// command, how it ended and the start of its stderr.
func (d Decoder) run(ctx context.Context, argv []string, w Where, stdin []byte, limit int64) ([]byte, error) {
	if len(argv) == 0 {
		return nil, fmt.Errorf("decoder %s: no command", d.Name)
	}
	timeout := d.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = w.env()
	cmd.Stdin = bytes.NewReader(stdin)
	out := &capped{limit: limit}
	errb := &capped{limit: stderrKept}
	cmd.Stdout, cmd.Stderr = out, errb
	cmd.WaitDelay = time.Second // a child holding stdout open does not hang us
	err := cmd.Run()
	switch {
	case ctx.Err() == context.DeadlineExceeded:
		return nil, fmt.Errorf("decoder %s: %s took longer than %s%s", d.Name, argv[0], timeout, stderrText(errb))
	case err != nil:
		return nil, fmt.Errorf("decoder %s: %s: %v%s", d.Name, argv[0], err, stderrText(errb))
	}
	if out.over {
		return out.buf.Bytes(), errTooLong
	}
	return out.buf.Bytes(), nil
}

func stderrText(b *capped) string {
	s := strings.TrimSpace(b.buf.String())
	if s == "" {
		return ""
	}
	if b.over {
		s += " …"
	}
	return ": " + s
}

// capped keeps the first limit bytes written to it (all, with limit 0)
// and drops the rest, reading on so that the command is not stopped by a
// broken pipe: a command that writes gigabytes costs no memory beyond the
// limit.
type capped struct {
	buf   bytes.Buffer
	limit int64
	over  bool
}

func (c *capped) Write(p []byte) (int, error) {
	if c.limit > 0 {
		room := c.limit - int64(c.buf.Len())
		if int64(len(p)) > room {
			c.over = true
			c.buf.Write(p[:max(room, 0)])
			return len(p), nil
		}
	}
	c.buf.Write(p)
	return len(p), nil
}
