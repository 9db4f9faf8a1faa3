package model

import (
	"context"
	"errors"
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/kvdeck/kvdeck/ui/format"
)

// The connection's state as the header shows it. The header used to say
// "DISCONNECTED · retrying" from the store's last command, though nothing
// retried on Redis and it stayed after the server came back. Now, once a
// second (the clock's tick), the App notes whether the store is
// connected; while it is not, it tries the connection with a backoff,
// and when it is back it says so and lists again what the loss cut.

// reconnectBackoff is the wait before each try: 1 s, then doubling to at
// most 30 s.
func reconnectBackoff(attempt int) time.Duration {
	return min(time.Second<<max(attempt-1, 0), 30*time.Second)
}

// connState is the connection as the App knows it.
type connState struct {
	down    bool      // the store is not connected
	since   time.Time // when that was first seen
	attempt int       // tries so far
	nextAt  time.Time // when the next try starts
	trying  bool      // a try is in flight
	req     uint64
	// badge is the header's word on it, set in Update so View only reads.
	badge string
	// relisted: a cut listing was run again since the last that completed.
	relisted bool
}

// connProbeMsg is the outcome of one try.
type connProbeMsg struct {
	req uint64
	err error
}

// checkConnection runs on every tick and when the user asks (r in the
// bucket pane): it notes a loss, starts a try when one is due, and notes
// a return.
func (a *App) checkConnection(now time.Time, force bool) tea.Cmd {
	c, ok := a.store.(backend.Connectivity)
	if !ok {
		return nil
	}
	cs := &a.conn
	switch connected := c.Connected(); {
	case connected && cs.down && !cs.trying:
		return a.connectionBack(now)
	case connected:
		return a.relistCut(force)
	case !cs.down:
		*cs = connState{down: true, since: now, nextAt: now, badge: "DISCONNECTED"}
	}
	if !cs.trying {
		cs.setWaitBadge(now)
	}
	if cs.trying || (!force && now.Before(cs.nextAt)) {
		return nil
	}
	cs.trying = true
	cs.attempt++
	cs.req = a.nextReq()
	cs.badge = fmt.Sprintf("DISCONNECTED · reconnecting, attempt %d…", cs.attempt)
	req, timeout := cs.req, a.opts.Timeout
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), min(timeout, 5*time.Second))
		defer cancel()
		return connProbeMsg{req: req, err: c.Reconnect(ctx)}
	}
}

func (a *App) probed(msg connProbeMsg) tea.Cmd {
	cs := &a.conn
	if msg.req != cs.req || !cs.down {
		return nil
	}
	cs.trying = false
	now := a.opts.Now()
	if msg.err == nil {
		return a.connectionBack(now)
	}
	cs.nextAt = now.Add(reconnectBackoff(cs.attempt))
	cs.setWaitBadge(now)
	if cs.attempt == 1 {
		a.fail(fmt.Errorf("reconnecting: %w", msg.err)) // why, once
	}
	return nil
}

// relistCut lists the open bucket again when its listing was cut by a
// failure that may have passed: the connection can drop and come back
// between two looks (the NATS client reconnects within a second), and
// then nothing else would run the listing again. The clock does it once
// until a listing completes, so a failure that stays does not become a
// loop; the user (r in the bucket pane, :reconnect) whenever asked. A
// refusal that will not pass (a missing bucket, bad input, no permission
// to do something) is left as it is.
func (a *App) relistCut(asked bool) tea.Cmd {
	k := &a.keys
	if k.err == nil && !k.listing {
		a.conn.relisted = false // a listing completed: the next cut may be retried
	}
	if k.bucket == "" || k.err == nil || k.listing || !transient(k.err) {
		return nil
	}
	if !asked && a.conn.relisted {
		return nil
	}
	a.conn.relisted = true
	a.inform("listing " + format.Escape(k.bucket) + " again: the last listing was cut")
	return k.reload(&a.env)
}

// transient: an error that is none of the store's typed refusals.
func transient(err error) bool {
	for _, kind := range []error{backend.ErrNotFound, backend.ErrInvalid, backend.ErrUnsupported, backend.ErrReadOnly, backend.ErrConflict} {
		if errors.Is(err, kind) {
			return false
		}
	}
	return true
}

// connectionBack says the connection is back and lists again what the
// loss cut: the bucket list's counts, and the open bucket's keys with a
// new watch. Even a listing that had ended is run again: the changes made
// while kvdeck was away reached no watch (a Redis subscription that
// outlived the server delivered nothing after its restart).
func (a *App) connectionBack(now time.Time) tea.Cmd {
	cs := a.conn
	a.conn = connState{relisted: cs.relisted}
	text := fmt.Sprintf("connected again to %s after %s", format.Escape(a.info.Address), now.Sub(cs.since).Round(time.Second))
	cmds := []tea.Cmd{a.buckets.refreshCounts(&a.env)}
	if a.keys.bucket != "" {
		text += "; listing " + format.Escape(a.keys.bucket) + " again"
		cmds = append(cmds, a.keys.reload(&a.env))
	}
	a.inform(text)
	return tea.Batch(cmds...)
}

// setWaitBadge says, between tries, which failed and when the next is.
func (cs *connState) setWaitBadge(now time.Time) {
	if cs.attempt == 0 {
		return
	}
	wait := max(cs.nextAt.Sub(now).Round(time.Second), 0)
	cs.badge = fmt.Sprintf("DISCONNECTED · attempt %d failed, next in %s (r now)", cs.attempt, wait)
}
