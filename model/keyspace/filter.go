package keyspace

import (
	"context"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"
)

// Filter returns the rows of sn from row `from` on whose names match query:
// substring matches (case-insensitive) first in listing order, then rows
// that match only as a fuzzy subsequence. Work is split across the CPUs and
// ctx is checked every few thousand rows so a newer keystroke cancels it.
// Written by hand: fuzzy libraries score and sort every candidate, which at
// a million keys costs seconds per keystroke.
// Above FuzzyLimit rows, or with fuzzy false, only substrings match. all
// says every row from `from` on matched; rows may then be nil (a list of
// every row is what the caller has already).
func Filter(ctx context.Context, sn Snapshot, from int, query string, fuzzy bool) (rows []uint32, all bool, err error) {
	if !fuzzy || sn.Len()-from > FuzzyLimit {
		if query == "" {
			fuzzy = true // every row: the per-row path below
		} else {
			return substringRows(ctx, sn, from, strings.ToLower(query))
		}
	}
	rows = make([]uint32, 0, sn.Len()-from)
	for i := from; i < sn.Len(); i++ {
		rows = append(rows, uint32(i))
	}
	return Refine(ctx, sn, rows, query, fuzzy)
}

// Refine filters an existing row list, so typing one more character only
// searches what the previous keystroke kept. With fuzzy false only
// substrings match. all says every row of the list matched; rows may then
// be nil only where the list was every row of sn.
func Refine(ctx context.Context, sn Snapshot, rows []uint32, query string, fuzzy bool) (out []uint32, all bool, err error) {
	if !fuzzy && query != "" && len(rows) > FuzzyLimit {
		// Refining a substring result by a longer query finds the same rows
		// as scanning the packed names afresh, and the scan is several
		// times faster than testing millions of rows one by one.
		found, all, err := substringRows(ctx, sn, 0, strings.ToLower(query))
		if all && len(rows) != sn.Len() {
			// Every row of sn matched, so every row of the list did.
			return rows, true, err
		}
		return found, all, err
	}
	q := strings.ToLower(query)
	parts := runtime.GOMAXPROCS(0)
	if len(rows) < 20000 {
		parts = 1
	}
	type result struct{ exact, fuzzy []uint32 }
	results := make([]result, parts)
	var wg sync.WaitGroup
	var failed atomic.Bool
	per := (len(rows) + parts - 1) / parts
	for p := range parts {
		lo, hi := min(p*per, len(rows)), min((p+1)*per, len(rows))
		wg.Add(1)
		go func() {
			defer wg.Done()
			var r result
			for n, row := range rows[lo:hi] {
				if n&4095 == 0 && ctx.Err() != nil {
					failed.Store(true)
					return
				}
				switch m := match(q, sn.Name(int(row)), sn.hasUpper(int(row))); {
				case m == MatchSubstring:
					r.exact = append(r.exact, row)
				case m == MatchFuzzy && fuzzy:
					r.fuzzy = append(r.fuzzy, row)
				}
			}
			results[p] = r
		}()
	}
	wg.Wait()
	if failed.Load() {
		return nil, false, ctx.Err()
	}
	for _, r := range results {
		out = append(out, r.exact...)
	}
	for _, r := range results {
		out = append(out, r.fuzzy...)
	}
	return out, len(out) == len(rows), nil
}

// MatchKind is how a name matched a filter.
type MatchKind uint8

const (
	NoMatch MatchKind = iota
	MatchSubstring
	MatchFuzzy
)

// Match tests one name against a lower-cased query.
func Match(lowerQuery, name string) MatchKind {
	return match(lowerQuery, name, hasUpper(name))
}

// match is Match with the name's case known. A name without upper case
// needs no folding: the library's Contains and a plain subsequence scan
// settle it, which is most keys.
func match(lowerQuery, name string, upper bool) MatchKind {
	if lowerQuery == "" || strings.Contains(name, lowerQuery) {
		return MatchSubstring
	}
	if !upper {
		if subsequence(name, lowerQuery) {
			return MatchFuzzy
		}
		return NoMatch
	}
	// The subsequence test runs before the folded substring test: a name
	// that does not hold the query's characters in order matches neither way.
	if !subsequenceFold(name, lowerQuery) {
		return NoMatch
	}
	if containsFold(name, lowerQuery) {
		return MatchSubstring
	}
	return MatchFuzzy
}

// indexFold finds c (a lower-case byte) or its upper case in s, jumping
// with IndexByte (vectorised) instead of testing byte by byte.
func indexFold(s string, c byte) int {
	k := strings.IndexByte(s, c)
	if c >= 'a' && c <= 'z' {
		lim := s
		if k >= 0 {
			lim = s[:k]
		}
		if u := strings.IndexByte(lim, c-'a'+'A'); u >= 0 {
			return u
		}
	}
	return k
}

// containsFold is strings.Contains with ASCII case folding and no
// allocation (strings.ToLower on every key would allocate a million times).
func containsFold(s, lowerSub string) bool {
	n := len(lowerSub)
	for i := 0; i+n <= len(s); i++ {
		j := indexFold(s[i:len(s)-n+1], lowerSub[0])
		if j < 0 {
			return false
		}
		i += j
		m := 1
		for m < n && lower(s[i+m]) == lowerSub[m] {
			m++
		}
		if m == n {
			return true
		}
	}
	return false
}

// subsequence reports whether sub's bytes appear in s in order. A plain
// loop: keys are short, and IndexByte's call overhead per query byte costs
// more than comparing the few bytes between matches.
func subsequence(s, sub string) bool {
	j := 0
	for i := 0; i < len(s) && j < len(sub); i++ {
		if s[i] == sub[j] {
			j++
		}
	}
	return j == len(sub)
}

func subsequenceFold(s, lowerSub string) bool {
	i := 0
	for j := 0; j < len(lowerSub); {
		c := lowerSub[j]
		if c >= utf8.RuneSelf {
			// Multi-byte query rune: compare whole runes.
			qr, qn := utf8.DecodeRuneInString(lowerSub[j:])
			k := strings.IndexRune(s[i:], qr)
			if k < 0 {
				return false
			}
			i += k + utf8.RuneLen(qr)
			j += qn
			continue
		}
		k := indexFold(s[i:], c)
		if k < 0 {
			return false
		}
		i += k + 1
		j++
	}
	return true
}

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
