// Package insight adds up the keyspace analysis: per namespace (the
// tree's folders, at depths 1 to MaxDepth at once, so changing the depth
// needs no second pass), TTL groups, the largest keys and the longest
// collections. An Aggregator is fed from the producer goroutine of an
// analysis (backend.Analyzer) and read as Reports, copies that the model
// keeps and sorts as it likes.
package insight

import (
	"container/heap"
	"strings"
	"sync"
	"time"

	"github.com/kvdeck/kvdeck/backend"
)

// MaxDepth is the deepest namespace level counted.
const MaxDepth = 4

// TopN is how many keys the top tables keep.
const TopN = 100

// MaxNamespaces bounds the namespaces counted at each depth. A level whose
// segments are ids (user:<id>:prefs at depth 2) has as many namespaces as
// keys, which say nothing as namespaces and would cost a map entry each;
// past the bound, the keys of new prefixes are added up in one row,
// OtherPrefix, so the totals stay whole.
const MaxNamespaces = 5000

// OtherPrefix is the Prefix of the row that adds up the namespaces past
// MaxNamespaces.
const OtherPrefix = "\x00other"

// Namespace is the keys under one prefix ("session:", "session:eu:").
// Prefix "" holds the keys with no delimiter at that level.
type Namespace struct {
	Prefix string
	Keys   int64
	// Bytes adds the sizes that are known; Sized counts the keys whose
	// size is known, for the average.
	Bytes, Sized int64
	NoTTL        int64
	Kinds        [8]int64 // by backend.Kind
}

// Avg is the average size of the keys whose size is known.
func (n Namespace) Avg() int64 {
	if n.Sized == 0 {
		return 0
	}
	return n.Bytes / n.Sized
}

// TTLGroups count keys by time left.
type TTLGroups struct {
	NoTTL, UnderHour, UnderDay, UnderWeek, UnderMonth, Longer int64
	// NextMinute and NextHour are keys expiring that soon (NextHour
	// includes NextMinute).
	NextMinute, NextHour int64
}

// Report is a copy of the totals so far.
type Report struct {
	Keys, Bytes, Sized int64
	TTL                TTLGroups
	// Namespaces[d-1] are the namespaces at depth d, largest first.
	Namespaces [MaxDepth][]Namespace
	// TopKeys are the largest keys, TopCollections the longest
	// collections, largest first.
	TopKeys, TopCollections []backend.KeyFacts
	// Markers are the delete and purge markers seen (NATS: deleted keys
	// whose latest revision the bucket keeps), and their stored bytes;
	// they are not keys, and are in no other figure.
	Markers, MarkerBytes int64
}

// Aggregator adds facts up. Add and Report may be called from different
// goroutines.
type Aggregator struct {
	delim string
	now   func() time.Time
	// others are the Other rows, one a depth.
	others [MaxDepth]*Namespace

	mu     sync.Mutex
	r      Report
	ns     [MaxDepth]map[string]*Namespace
	bySize byKey
	byLen  byKey
}

// New is an aggregator for keys whose folders are separated by delim.
func New(delim string, now func() time.Time) *Aggregator {
	a := &Aggregator{delim: delim, now: now}
	for d := range a.ns {
		a.ns[d] = map[string]*Namespace{}
	}
	a.bySize.less = func(x, y backend.KeyFacts) bool { return x.Size < y.Size }
	a.byLen.less = func(x, y backend.KeyFacts) bool { return x.Length < y.Length }
	return a
}

// Add counts a batch.
func (a *Aggregator) Add(batch []backend.KeyFacts) {
	now := a.now()
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, f := range batch {
		if f.Deleted {
			a.r.Markers++
			a.r.MarkerBytes += max(f.Size, 0)
			continue
		}
		a.r.Keys++
		if f.Size >= 0 {
			a.r.Bytes += f.Size
			a.r.Sized++
		}
		noTTL := f.ExpiresAt.IsZero()
		a.r.TTL.add(f.ExpiresAt, now)
		for d := 1; d <= MaxDepth; d++ {
			p := prefix(f.Key, a.delim, d)
			n := a.ns[d-1][p]
			if n == nil {
				if len(a.ns[d-1]) >= MaxNamespaces {
					n = a.other(d)
				} else {
					n = &Namespace{Prefix: p}
					a.ns[d-1][p] = n
				}
			}
			n.Keys++
			if f.Size >= 0 {
				n.Bytes += f.Size
				n.Sized++
			}
			if noTTL {
				n.NoTTL++
			}
			if int(f.Kind) < len(n.Kinds) {
				n.Kinds[f.Kind]++
			}
		}
		if f.Size >= 0 {
			a.bySize.offer(f)
		}
		if f.Length > 0 {
			a.byLen.offer(f)
		}
	}
}

// other is depth d's Other row, made the first time it is needed.
func (a *Aggregator) other(d int) *Namespace {
	if a.others[d-1] == nil {
		a.others[d-1] = &Namespace{Prefix: OtherPrefix}
	}
	return a.others[d-1]
}

func (g *TTLGroups) add(at, now time.Time) {
	if at.IsZero() {
		g.NoTTL++
		return
	}
	left := at.Sub(now)
	switch {
	case left < time.Hour:
		g.UnderHour++
	case left < 24*time.Hour:
		g.UnderDay++
	case left < 7*24*time.Hour:
		g.UnderWeek++
	case left < 30*24*time.Hour:
		g.UnderMonth++
	default:
		g.Longer++
	}
	if left < time.Minute {
		g.NextMinute++
	}
	if left < time.Hour {
		g.NextHour++
	}
}

// prefix is key's namespace at depth d: its first d segments with the
// delimiter after each; "" for a key with fewer than d delimiters at the
// top level, and the deepest prefix it has otherwise (a key a:b seen at
// depth 3 is in "a:").
func prefix(key, delim string, d int) string {
	if delim == "" {
		return ""
	}
	end := 0
	for range d {
		i := strings.Index(key[end:], delim)
		if i < 0 {
			break
		}
		end += i + len(delim)
	}
	return key[:end]
}

// Report copies the totals so far, the namespaces of each depth sorted
// largest first.
func (a *Aggregator) Report() Report {
	a.mu.Lock()
	defer a.mu.Unlock()
	r := a.r
	for d := range a.ns {
		list := make([]Namespace, 0, len(a.ns[d])+1)
		for _, n := range a.ns[d] {
			list = append(list, *n)
		}
		if o := a.others[d]; o != nil {
			list = append(list, *o)
		}
		SortNamespaces(list, ByBytes, true)
		r.Namespaces[d] = list
	}
	r.TopKeys = a.bySize.sorted()
	r.TopCollections = a.byLen.sorted()
	return r
}

// byKey keeps the TopN largest facts by less (a min-heap: the smallest
// kept is the first to go).
type byKey struct {
	items []backend.KeyFacts
	less  func(x, y backend.KeyFacts) bool
}

func (h *byKey) Len() int           { return len(h.items) }
func (h *byKey) Less(i, j int) bool { return h.less(h.items[i], h.items[j]) }
func (h *byKey) Swap(i, j int)      { h.items[i], h.items[j] = h.items[j], h.items[i] }
func (h *byKey) Push(x any)         { h.items = append(h.items, x.(backend.KeyFacts)) }
func (h *byKey) Pop() any {
	x := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	return x
}

func (h *byKey) offer(f backend.KeyFacts) {
	if len(h.items) < TopN {
		heap.Push(h, f)
		return
	}
	if h.less(h.items[0], f) {
		h.items[0] = f
		heap.Fix(h, 0)
	}
}

// sorted is a copy, largest first.
func (h *byKey) sorted() []backend.KeyFacts {
	out := append([]backend.KeyFacts(nil), h.items...)
	sortFacts(out, func(x, y backend.KeyFacts) bool { return h.less(y, x) })
	return out
}
