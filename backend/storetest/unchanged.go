package storetest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kvdeck/kvdeck/backend"
)

// The unchanged-write group: saving exactly what was read (the user opened
// the editor and saved without a change) must change nothing: the same
// version comes back, the expiry instant stays, no new revision appears and
// a watching kvdeck sees no change. It must still be a conditional write: a
// value the other client changed meanwhile is ErrConflict, never "nothing
// to do".

func testUnchanged(t *testing.T, h Harness) {
	s, _, bucket := fresh(t, h)
	ctx := ctxT(t)
	g := h.TTLGranularity
	t.Run("Put/SameBytes", func(t *testing.T) {
		put(t, s, bucket, "n1", "same", backend.PutOptions{TTLMode: backend.TTLSet, TTL: time.Hour})
		// Let time pass so a write that restarted the TTL shows as a later
		// expiry instant.
		time.Sleep(g + g/2)
		e := mustGet(t, s, bucket, "n1")
		var hist int
		if hs, ok := s.(backend.Historian); ok {
			es, err := hs.History(ctx, bucket, "n1")
			wantOK(t, "History", err)
			hist = len(es)
		}
		var v string
		noChange(t, s, bucket, "n1", func() {
			var err error
			v, err = s.Put(ctx, bucket, "n1", e.Value, backend.PutOptions{IfVersion: e.Version})
			wantOK(t, "Put of the bytes read", err)
		})
		if v != e.Version {
			t.Fatalf("an unchanged Put returned version %q, want the version read %q", v, e.Version)
		}
		after := mustGet(t, s, bucket, "n1")
		if after.Version != e.Version || after.Revision != e.Revision || string(after.Value) != "same" {
			t.Fatalf("after an unchanged Put: version %q revision %d value %q, want %q %d %q", after.Version, after.Revision, after.Value, e.Version, e.Revision, "same")
		}
		if !after.Created.Equal(e.Created) {
			t.Fatalf("an unchanged Put moved Created from %v to %v", e.Created, after.Created)
		}
		near(t, "the expiry after an unchanged Put (it must not restart)", after.ExpiresAt, e.ExpiresAt, g/2)
		if hs, ok := s.(backend.Historian); ok {
			es, err := hs.History(ctx, bucket, "n1")
			wantOK(t, "History", err)
			if len(es) != hist {
				t.Fatalf("an unchanged Put added a revision: history has %d entries, had %d", len(es), hist)
			}
		}
		// The version returned is good for the next edit.
		_, err := s.Put(ctx, bucket, "n1", []byte("changed"), backend.PutOptions{IfVersion: v})
		wantOK(t, "an edit with the version the unchanged Put returned", err)
	})
	t.Run("Put/SameBytes/NoTTL", func(t *testing.T) {
		put(t, s, bucket, "n2", "same", backend.PutOptions{})
		e := mustGet(t, s, bucket, "n2")
		v, err := s.Put(ctx, bucket, "n2", e.Value, backend.PutOptions{IfVersion: e.Version})
		wantOK(t, "Put of the bytes read", err)
		if v != e.Version {
			t.Fatalf("an unchanged Put returned version %q, want %q", v, e.Version)
		}
		if after := mustGet(t, s, bucket, "n2"); !after.ExpiresAt.IsZero() {
			t.Fatalf("an unchanged Put gave a key without TTL an expiry in %v", time.Until(after.ExpiresAt))
		}
	})
	if h.Other == nil {
		return
	}
	o := needOther(t, h, bucket)
	t.Run("Put/SameBytes/OtherChanged", func(t *testing.T) {
		put(t, s, bucket, "n3", "same", backend.PutOptions{})
		e := mustGet(t, s, bucket, "n3")
		o.Set(t, "n3", []byte("theirs"))
		_, err := s.Put(ctx, bucket, "n3", e.Value, backend.PutOptions{IfVersion: e.Version})
		wantErr(t, "an unchanged Put after the other client wrote (it must still check the version)", err, backend.ErrConflict)
		otherValue(t, o, "n3", "theirs", "after the refused unchanged Put")
	})
	t.Run("Put/SameBytes/OtherDeleted", func(t *testing.T) {
		put(t, s, bucket, "n4", "same", backend.PutOptions{})
		e := mustGet(t, s, bucket, "n4")
		o.Delete(t, "n4")
		_, err := s.Put(ctx, bucket, "n4", e.Value, backend.PutOptions{IfVersion: e.Version})
		wantErr(t, "an unchanged Put after the other client deleted the key", err, backend.ErrConflict)
		otherAbsent(t, o, "n4", "a refused unchanged Put re-created the key")
	})
	t.Run("Put/SameBytes/ForeignKey", func(t *testing.T) {
		o.Set(t, "n5", []byte("theirs"))
		e := mustGet(t, s, bucket, "n5")
		v, err := s.Put(ctx, bucket, "n5", e.Value, backend.PutOptions{IfVersion: e.Version})
		wantOK(t, "an unchanged Put of a key the other client wrote", err)
		if v != e.Version {
			t.Fatalf("an unchanged Put of a foreign key returned version %q, want %q", v, e.Version)
		}
		otherValue(t, o, "n5", "theirs", "after an unchanged Put")
	})
	c, ok := s.(backend.Collections)
	if !ok {
		return
	}
	co, ok := o.(CollectionOther)
	if !ok {
		return // testSecondWriter says why
	}
	cases := []struct {
		kind  backend.Kind
		setup func(t *testing.T, key string)
		check func(t *testing.T, key string) string // the whole collection, printed
	}{
		{backend.KindHash, func(t *testing.T, k string) { co.HSet(t, k, "f", "v"); co.HSet(t, k, "g", "w") },
			func(t *testing.T, k string) string { return sprint(co.HGetAll(t, k)) }},
		{backend.KindList, func(t *testing.T, k string) { co.RPush(t, k, "a"); co.RPush(t, k, "b") },
			func(t *testing.T, k string) string { return sprint(co.LRange(t, k)) }},
		{backend.KindSet, func(t *testing.T, k string) { co.SAdd(t, k, "a"); co.SAdd(t, k, "b") },
			func(t *testing.T, k string) string { return sprint(sorted(co.SMembers(t, k))) }},
		{backend.KindZSet, func(t *testing.T, k string) { co.ZAdd(t, k, "a", 1); co.ZAdd(t, k, "b", 2) },
			func(t *testing.T, k string) string { return sprint(co.ZScores(t, k)) }},
	}
	// One wait for all kinds: every key gets its TTL first, then time
	// passes, so a write that restarted a TTL shows as a later expiry.
	for _, cs := range cases {
		key := "same-" + cs.kind.String()
		cs.setup(t, key)
		if err := s.Expire(ctx, bucket, key, time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(g + g/2)
	for _, cs := range cases {
		t.Run("SetElement/Itself/"+cs.kind.String(), func(t *testing.T) {
			key := "same-" + cs.kind.String()
			before := mustGet(t, s, bucket, key)
			content := cs.check(t, key)
			old := readAll(t, ctx, c, bucket, key)[0]
			noChange(t, s, bucket, key, func() {
				wantOK(t, "SetElement of an element to itself", setElement(c, ctx, bucket, key, cs.kind, &old, old))
			})
			if got := cs.check(t, key); got != content {
				t.Fatalf("setting an element to itself changed the %s from %s to %s", cs.kind, content, got)
			}
			near(t, "the expiry after setting an element to itself", mustGet(t, s, bucket, key).ExpiresAt, before.ExpiresAt, g/2)
		})
		t.Run("SetElement/Itself/"+cs.kind.String()+"/OtherChanged", func(t *testing.T) {
			key := "same-other-" + cs.kind.String()
			cs.setup(t, key)
			old := readAll(t, ctx, c, bucket, key)[0]
			// Change exactly the element kvdeck read.
			switch cs.kind {
			case backend.KindHash:
				co.HSet(t, key, old.Field, "theirs")
			case backend.KindList:
				co.LSet(t, key, old.Index, "theirs")
			case backend.KindSet:
				co.SRem(t, key, string(old.Value))
			case backend.KindZSet:
				co.ZAdd(t, key, string(old.Value), old.Score+10)
			}
			content := cs.check(t, key)
			err := setElement(c, ctx, bucket, key, cs.kind, &old, old)
			wantErr(t, "setting an element to itself after the other client changed it", err, backend.ErrConflict, backend.ErrNotFound)
			if got := cs.check(t, key); got != content {
				t.Fatalf("a refused set-to-itself changed the %s from %s to %s", cs.kind, content, got)
			}
		})
	}
}

// noChange runs write with a watch on the bucket (where the store has one)
// and fails if the watch reports a change of key. It writes a marker key
// after write and waits for the marker's event, so every event write caused
// has arrived before it looks (watches deliver in order).
func noChange(t *testing.T, s backend.Store, bucket, key string, write func()) {
	t.Helper()
	w, ok := s.(backend.Watcher)
	if !ok {
		write()
		return
	}
	ctx, cancel := context.WithCancel(ctxT(t))
	var mu sync.Mutex
	var seen []string
	done := make(chan error, 1)
	go func() {
		done <- w.Watch(ctx, bucket, "", func(c backend.Change) {
			mu.Lock()
			seen = append(seen, c.Key)
			mu.Unlock()
		})
	}()
	defer func() {
		cancel()
		<-done
	}()
	marker := func(name string) int {
		// Rewrite the marker until its event arrives: the first writes may
		// come before the watch subscribed.
		deadline := time.Now().Add(10 * time.Second)
		for i := 0; ; i++ {
			// A new value each time: rewriting the same bytes is an
			// unchanged write, which stores may skip without an event.
			put(t, s, bucket, name, fmt.Sprintf("m%d", i), backend.PutOptions{})
			end := time.Now().Add(200 * time.Millisecond)
			for time.Now().Before(end) {
				mu.Lock()
				for j, k := range seen {
					if k == name {
						n := j
						mu.Unlock()
						return n
					}
				}
				mu.Unlock()
				time.Sleep(5 * time.Millisecond)
			}
			if time.Now().After(deadline) {
				t.Fatalf("the watch never reported the marker key %q", name)
			}
		}
	}
	from := marker("watch-marker-1")
	write()
	to := marker("watch-marker-2")
	mu.Lock()
	defer mu.Unlock()
	for _, k := range seen[from:to] {
		if k == key {
			t.Fatalf("a watching kvdeck saw a change of %q from a write that should have written nothing (events %s)", key, strings.Join(seen[from:to], " "))
		}
	}
}
