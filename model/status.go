package model

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/kvdeck/kvdeck/ui/format"
)

// statusLifetime is how long a message stays in the status bar.
const statusLifetime = 6 * time.Second

// statusLine is the status bar's message: the last error or notice, with a
// lifetime so it does not linger over later work.
type statusLine struct {
	text    string
	isError bool
	until   time.Time
}

func (s *statusLine) expire(now time.Time) {
	if s.text != "" && now.After(s.until) {
		s.text = ""
	}
}

// describeError turns an error into one line for a person: the typed
// errors get plain words, and whatever a terminal would act on is escaped,
// in case the text quotes a key or the server's words. Backslashes are
// left alone: kvdeck's own messages already show names escaped, and
// escaping them again would double every backslash of a name.
func describeError(err error) string {
	var msg string
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		msg = "the store did not answer in time: " + err.Error()
	case err == backend.ErrReadOnly:
		msg = "read-only: kvdeck was started with --read-only, nothing can be changed"
	case errors.Is(err, backend.ErrReadOnly):
		msg = err.Error() // a read-only bucket says why (a NATS mirror)
	case errors.Is(err, backend.ErrConflict):
		msg = conflictText(err)
	default:
		msg = err.Error()
	}
	return format.EscapeLine(strings.ReplaceAll(msg, "\n", " "))
}

// conflictText is a store's conflict message without the trailing kind
// (": conflict"): the store says which conflict (changed since read,
// already exists, exists again).
func conflictText(err error) string {
	return strings.TrimSuffix(err.Error(), ": "+backend.ErrConflict.Error())
}
