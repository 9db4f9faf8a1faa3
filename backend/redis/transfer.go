package redis

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/kvdeck/kvdeck/backend"
)

var (
	_ backend.RecordReader = (*Store)(nil)
	_ backend.RecordWriter = (*Store)(nil)
)

// Export and copy read whole keys with pipelines of plain commands, never
// a script per key and never one command that holds the server long: a
// set of up to readPage elements is read whole (SMEMBERS), a larger one
// and any hash with SSCAN or HSCAN pages of readPage; a list or
// sorted set by index (LRANGE, ZRANGE WITHSCORES) and a stream by id
// (XRANGE COUNT) in pages of readPage elements; a string with GET, or over
// stringPage bytes in GETRANGE pages.
//
// Like redis-cli --rdb against a live server it is no snapshot: each key
// is read as it is when its commands run, a large one page by page, so a
// collection written to while it is paged may come out with an element
// twice or missing (a list item pushed in front shifts the indexes; a
// hash or set being rehashed may return a field twice between HSCAN
// pages, which is deduplicated here). A key that changed type between
// the round trips (its TYPE differs, or a page answered WRONGTYPE) is
// read again from the start, once; if it changes again it is left out,
// as a key deleted meanwhile is. A list, sorted set or string over
// stringPage is read by index up to the length it had when the batch was
// sized. A key the server refuses to read (an ACL) fails the batch, never
// silently left out.
//
// With ReadOptions.Dump, a key is DUMPed only within the limits that keep
// DUMP short (keepLimit, a fifth of it for a hash, set or sorted set;
// dumpBytesLimit for a string); a larger key is read by its elements, its
// Record without Dump. A type the element reads do not cover (RedisJSON, a
// module's type) is always read with DUMP, whatever its size.

// readPage is the elements one read command returns for a collection over
// it: LRANGE, ZRANGE, HSCAN, SSCAN and XRANGE cost the server about the
// elements they return, and a thousand short ones cost it well under a
// millisecond (TestTransferLargeKeysStayOutOfTheSlowlog: none of the
// pages of 50,000-element keys reaches the SLOWLOG at 10 ms), while a key
// of a million elements still needs only a thousand commands, pipelined.
const readPage = 1000

// writePage is the elements one write command adds to a large key's
// temporary copy: a quarter of readPage, as adding an element costs the
// server several times reading one (a hash or sorted set grows and
// rehashes), and a 1000-field HSET took 10-18 ms on a loaded machine.
const writePage = 250

// stringPage is the bytes one GETRANGE reads of a string longer than it.
const stringPage = 1 << 20

// The round trips of a batch: TYPE of every key; then TYPE again, the
// expiry and the size (STRLEN, HLEN...) of every key that exists; then
// the reads, by type, as many rounds as the largest key needs pages (a
// list, sorted set or string read by index has all its pages in one round;
// a scan or a stream follows its cursor, a page a round). Each round is one
// pipeline over the keys still being read.

// reading is one key being read.
type reading struct {
	i    int // its index in keys
	typ  string
	size int64
	rec  backend.Record
	// dump: read with DUMP (opts.Dump and small enough, or a type the
	// element reads do not cover).
	dump bool
	// paging
	cursor uint64
	lastID string
	seen   map[string]int // hash field or set member → its element
	done   bool
	again  bool // the type changed: read it again
	gone   bool
}

// ReadRecords reads keys whole; see backend.RecordReader.
func (s *Store) ReadRecords(ctx context.Context, bucket string, keys []string, opts backend.ReadOptions) ([]backend.Record, error) {
	c, err := s.bucketClient(bucket)
	if err != nil {
		return nil, err
	}
	if len(keys) == 0 {
		return nil, nil
	}
	exact := s.answersPexpiretime(ctx, c, keys[0])
	recs := make([]*backend.Record, len(keys))
	todo := make([]int, len(keys))
	for i := range todo {
		todo[i] = i
	}
	// A key that changed type while it was read is read again once, and
	// left out if it changes again.
	for attempt := 0; attempt < 2 && len(todo) > 0; attempt++ {
		var again []int
		for start := 0; start < len(todo); start += bulkChunk {
			a, err := s.readOnce(ctx, c, keys, todo[start:min(start+bulkChunk, len(todo))], opts, exact, recs)
			if err != nil {
				return nil, err
			}
			again = append(again, a...)
		}
		todo = again
	}
	out := make([]backend.Record, 0, len(keys))
	for _, r := range recs {
		if r != nil {
			out = append(out, *r)
		}
	}
	return out, nil
}

// readOnce reads the keys at idx into recs, and returns those that changed
// type while they were read (left nil).
func (s *Store) readOnce(ctx context.Context, c goredis.UniversalClient, keys []string, idx []int, opts backend.ReadOptions, exact bool, recs []*backend.Record) ([]int, error) {
	var err error
	if opts.Dump {
		idx, err = s.readSmallDumps(ctx, c, keys, idx, exact, recs)
	} else {
		idx, err = s.readStrings(ctx, c, keys, idx, exact, recs)
	}
	if err != nil {
		return nil, err
	}
	// Round 1: the types.
	types := make([]*goredis.StatusCmd, len(idx))
	pipe := c.Pipeline()
	for j, i := range idx {
		types[j] = pipe.Type(ctx, keys[i])
	}
	if err := s.execReads(ctx, pipe); err != nil {
		return nil, err
	}
	if s.afterTypeRound != nil {
		s.afterTypeRound()
	}
	var rs []*reading
	for j, i := range idx {
		// A key the server will not read for us (an ACL) fails the
		// batch: an export never leaves out a key that is there.
		if err := types[j].Err(); err != nil {
			return nil, s.cmdErr(err, keys[i])
		}
		if t := types[j].Val(); t != "none" {
			rs = append(rs, &reading{i: i, typ: t})
		}
	}
	// Round 2: the type again, the expiry and the size.
	typ2 := make([]*goredis.StatusCmd, len(rs))
	exp := make([]goredis.Cmder, len(rs))
	sizes := make([]goredis.Cmder, len(rs))
	pipe = c.Pipeline()
	clock := expiryClock(ctx, pipe, exact)
	for j, r := range rs {
		k := keys[r.i]
		typ2[j] = pipe.Type(ctx, k)
		exp[j] = expiryCmd(ctx, pipe, k, exact)
		kind, _ := backend.ParseKind(r.typ)
		if kind != backend.KindJSON {
			sizes[j] = sizeCmd(ctx, pipe, kind, k)
		}
	}
	if err := s.execReads(ctx, pipe); err != nil {
		return nil, err
	}
	var again []int
	live := rs[:0]
	for j, r := range rs {
		for _, cmd := range []goredis.Cmder{typ2[j], exp[j], sizes[j]} {
			if cmd != nil && cmd.Err() != nil && !isWrongType(cmd.Err()) {
				return nil, s.cmdErr(cmd.Err(), keys[r.i])
			}
		}
		switch t := typ2[j].Val(); {
		case t == "none":
			continue
		case t != r.typ || sizes[j] != nil && sizes[j].Err() != nil:
			// The size answered WRONGTYPE: it changed type after
			// its TYPE.
			again = append(again, r.i)
			continue
		}
		kind, _ := backend.ParseKind(r.typ)
		r.rec = backend.Record{Key: keys[r.i], Kind: kind, ExpiresAt: expiryOf(exp[j], clock)}
		r.size, _ = cmdSize(sizes[j])
		if opts.MaxElements > 0 && (kind == backend.KindList || kind == backend.KindZSet) {
			r.size = min(r.size, int64(opts.MaxElements)) // read by index: the first pages
		}
		switch kind {
		case backend.KindString, backend.KindHash, backend.KindList, backend.KindSet, backend.KindZSet, backend.KindStream:
			// DUMP only within the limits that keep it short (see
			// keepLimit); a larger key is read by its elements.
			r.dump = opts.Dump && (kind == backend.KindString && r.size <= dumpBytesLimit ||
				kind != backend.KindString && r.size <= int64(keepFor(r.typ, keepLimit)))
		default:
			// RedisJSON, a module's type: only its DUMP holds it.
			r.dump = true
		}
		live = append(live, r)
	}
	rs = live
	if err := s.readDumps(ctx, c, keys, rs, exact); err != nil {
		return nil, err
	}
	// Rounds 3...: the elements, until every key is read.
	for {
		var cmds [][]goredis.Cmder
		var checks []*goredis.StatusCmd
		var reading []*reading
		pipe = c.Pipeline()
		for _, r := range rs {
			if r.dump || r.done || r.again || r.gone {
				continue
			}
			reading = append(reading, r)
			cmds = append(cmds, pageCmds(ctx, pipe, keys[r.i], r))
			// The TYPE after the page tells a key deleted meanwhile
			// (whose page reads empty) from an empty page.
			checks = append(checks, pipe.Type(ctx, keys[r.i]))
		}
		if len(reading) == 0 {
			break
		}
		if err := s.execReads(ctx, pipe); err != nil {
			return nil, err
		}
		for j, r := range reading {
			switch t := checks[j].Val(); {
			case t == "none":
				r.gone = true
				continue
			case t != r.typ:
				r.again = true
				continue
			}
			if err := readPageInto(r, cmds[j]); err != nil {
				if isWrongType(err) {
					r.again = true
					continue
				}
				return nil, s.cmdErr(err, keys[r.i])
			}
			if opts.MaxElements > 0 && len(r.rec.Elements) >= opts.MaxElements {
				r.done = true // enough for the caller (a search)
			}
		}
	}
	for _, r := range rs {
		switch {
		case r.again:
			again = append(again, r.i)
		case !r.gone:
			rec := r.rec
			recs[r.i] = &rec
		}
	}
	return again, nil
}

// readStrings reads the keys at idx that are strings of at most a page,
// most keys of most stores, in one round of the two commands a plain
// export would send: GETRANGE of the first stringPage bytes, then the
// expiry (PEXPIRETIME, or PTTL and the clock), whose -2 says the key is
// not there (gone: a GETRANGE of a missing key reads empty). It returns
// the keys left for the rounds by type: not strings (GETRANGE answered
// WRONGTYPE), and strings that fill the page (there may be more).
// TYPE, STRLEN and a read a round later took an export of a million
// strings 2.4 times a pipelined GET and PTTL loop.
func (s *Store) readStrings(ctx context.Context, c goredis.UniversalClient, keys []string, idx []int, exact bool, recs []*backend.Record) ([]int, error) {
	heads := make([]*goredis.StringCmd, len(idx))
	exps := make([]goredis.Cmder, len(idx))
	pipe := c.Pipeline()
	clock := expiryClock(ctx, pipe, exact)
	for j, i := range idx {
		heads[j] = pipe.GetRange(ctx, keys[i], 0, stringPage-1)
		exps[j] = expiryCmd(ctx, pipe, keys[i], exact)
	}
	if err := s.execReads(ctx, pipe); err != nil {
		return nil, err
	}
	var rest []int
	for j, i := range idx {
		v, err := heads[j].Result()
		switch {
		case err != nil && isWrongType(err):
			rest = append(rest, i)
			continue
		case err != nil:
			return nil, s.cmdErr(err, keys[i])
		}
		at, err := exps[j].(*goredis.Cmd).Int64()
		switch {
		case err != nil:
			return nil, s.cmdErr(err, keys[i])
		case at == -2:
			continue // not there (deleted after the listing, or just now)
		case len(v) >= stringPage:
			rest = append(rest, i)
			continue
		}
		recs[i] = &backend.Record{Key: keys[i], Kind: backend.KindString, Value: []byte(v), ExpiresAt: expiryOf(exps[j], clock)}
	}
	return rest, nil
}

// compactEncodings are the encodings whose DUMP is a copy of one
// contiguous blob (a short string, an integer, a listpack, an intset):
// cheap whatever the type, where a string's raw encoding is LZF-compressed
// and a hash table or quicklist serialized element by element.
var compactEncodings = map[string]bool{"embstr": true, "int": true, "listpack": true, "ziplist": true, "intset": true}

// readSmallDumps reads, for ReadOptions.Dump, the keys whose DUMP is
// cheap (a compact encoding, or a string of at most dumpBytesLimit) in
// two rounds: their encoding and length, then TYPE, DUMP and the expiry
// together. It returns the other keys, for the rounds by type. Asking
// each key's type and size first made a CSV export of a million strings
// three rounds and eight commands a key.
func (s *Store) readSmallDumps(ctx context.Context, c goredis.UniversalClient, keys []string, idx []int, exact bool, recs []*backend.Record) ([]int, error) {
	encs := make([]*goredis.StringCmd, len(idx))
	lens := make([]*goredis.IntCmd, len(idx))
	pipe := c.Pipeline()
	for j, i := range idx {
		encs[j] = pipe.ObjectEncoding(ctx, keys[i])
		lens[j] = pipe.StrLen(ctx, keys[i])
	}
	if err := s.execReads(ctx, pipe); err != nil {
		return nil, err
	}
	var rest []int
	var rs []*reading
	for j, i := range idx {
		enc, err := encs[j].Result()
		switch {
		case err == goredis.Nil:
			continue // not there
		case err != nil:
			return nil, s.cmdErr(err, keys[i])
		}
		n, lerr := lens[j].Result()
		if compactEncodings[enc] || enc == "raw" && lerr == nil && n <= dumpBytesLimit {
			rs = append(rs, &reading{i: i, dump: true})
		} else {
			rest = append(rest, i)
		}
	}
	if err := s.readDumps(ctx, c, keys, rs, exact); err != nil {
		return nil, err
	}
	for _, r := range rs {
		if !r.gone {
			rec := r.rec
			rec.Key = keys[r.i]
			recs[r.i] = &rec
		}
	}
	return rest, nil
}

// dumpBytesLimit is the largest string read with DUMP: DUMP compresses a
// string (LZF, about 11 ms a megabyte here), where GET only copies it.
const dumpBytesLimit = 256 << 10

// readDumps reads the keys to DUMP in one round: TYPE, DUMP and the expiry
// together, so that the three describe one key (a key replaced since round
// 2 is DUMPed as it is now, its kind with it); a DUMP that answers nil is
// a key gone.
func (s *Store) readDumps(ctx context.Context, c goredis.UniversalClient, keys []string, rs []*reading, exact bool) error {
	type dumpCmds struct {
		typ  *goredis.StatusCmd
		dump *goredis.StringCmd
		exp  goredis.Cmder
	}
	cmds := map[*reading]dumpCmds{}
	pipe := c.Pipeline()
	clock := expiryClock(ctx, pipe, exact)
	for _, r := range rs {
		if r.dump {
			k := keys[r.i]
			cmds[r] = dumpCmds{pipe.Type(ctx, k), pipe.Dump(ctx, k), expiryCmd(ctx, pipe, k, exact)}
		}
	}
	if len(cmds) == 0 {
		return nil
	}
	if err := s.execReads(ctx, pipe); err != nil {
		return err
	}
	for r, d := range cmds {
		payload, err := d.dump.Result()
		switch {
		case err == goredis.Nil:
			r.gone = true
			continue
		case err != nil:
			return s.cmdErr(err, keys[r.i])
		case d.typ.Err() != nil:
			return s.cmdErr(d.typ.Err(), keys[r.i])
		case d.exp.Err() != nil:
			return s.cmdErr(d.exp.Err(), keys[r.i])
		}
		r.typ = d.typ.Val()
		r.rec.Kind, _ = backend.ParseKind(r.typ)
		r.rec.Dump = []byte(payload)
		r.rec.ExpiresAt = expiryOf(d.exp, clock)
		r.done = true
	}
	return nil
}

// execReads runs a pipeline of reads: a command's own error (a WRONGTYPE
// of a key that changed type) is read with its command; the connection's
// or the context's fails the batch.
func (s *Store) execReads(ctx context.Context, pipe goredis.Pipeliner) error {
	_, err := pipe.Exec(ctx)
	if err == nil || isReplyError(err) && ctx.Err() == nil {
		return nil
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return s.cmdErr(err, "")
}

// expiryClock queues TIME where the expiry is read with PTTL (before Redis
// 7), to make it absolute with the server's clock.
func expiryClock(ctx context.Context, pipe goredis.Pipeliner, exact bool) *goredis.TimeCmd {
	if exact {
		return nil
	}
	return pipe.Time(ctx)
}

// expiryCmd queues the command that reads a key's expiry: PEXPIRETIME
// (exact), or PTTL before Redis 7.
func expiryCmd(ctx context.Context, pipe goredis.Pipeliner, key string, exact bool) goredis.Cmder {
	if exact {
		return pipe.Do(ctx, "PEXPIRETIME", key)
	}
	return pipe.Do(ctx, "PTTL", key)
}

// expiryOf reads what expiryCmd queued: zero for none.
func expiryOf(cmd goredis.Cmder, clock *goredis.TimeCmd) time.Time {
	ms, err := cmd.(*goredis.Cmd).Int64()
	if err != nil || ms <= 0 {
		return time.Time{}
	}
	if clock == nil {
		return time.UnixMilli(ms)
	}
	now := clock.Val()
	if now.IsZero() {
		now = time.Now()
	}
	return time.UnixMilli(now.UnixMilli() + ms)
}

// pageCmds queues the next read of r: the whole key when it is small, else
// its next page, or for a list, sorted set or string every page left (its
// size is known, and each page is its own short command).
func pageCmds(ctx context.Context, pipe goredis.Pipeliner, key string, r *reading) []goredis.Cmder {
	small := r.size <= readPage
	switch r.typ {
	case "string":
		if r.size <= stringPage {
			return []goredis.Cmder{pipe.Get(ctx, key)}
		}
		var cmds []goredis.Cmder
		for off := int64(0); off < r.size; off += stringPage {
			cmds = append(cmds, pipe.GetRange(ctx, key, off, off+stringPage-1))
		}
		return cmds
	case "hash":
		// Never HGETALL: go-redis answers it with a Go map, which loses
		// the order of a small hash's fields (a listpack keeps them in
		// the order they were written, as redis-cli shows them). An HSCAN
		// of a listpack returns every field in that order in one page.
		return []goredis.Cmder{pipe.HScan(ctx, key, r.cursor, "", readPage)}
	case "set":
		if small {
			return []goredis.Cmder{pipe.SMembers(ctx, key)}
		}
		return []goredis.Cmder{pipe.SScan(ctx, key, r.cursor, "", readPage)}
	case "list":
		var cmds []goredis.Cmder
		for off := int64(0); off < max(r.size, 1); off += readPage {
			cmds = append(cmds, pipe.LRange(ctx, key, off, off+readPage-1))
		}
		return cmds
	case "zset":
		var cmds []goredis.Cmder
		for off := int64(0); off < max(r.size, 1); off += readPage {
			cmds = append(cmds, pipe.ZRangeWithScores(ctx, key, off, off+readPage-1))
		}
		return cmds
	case "stream":
		start := "-"
		if r.lastID != "" {
			start = "(" + r.lastID
		}
		return []goredis.Cmder{pipe.Do(ctx, "XRANGE", key, start, "+", "COUNT", readPage)}
	}
	return nil
}

// readPageInto adds what pageCmds read to r's record, and marks r done
// when the key is read whole.
func readPageInto(r *reading, cmds []goredis.Cmder) error {
	for _, cmd := range cmds {
		if err := cmd.Err(); err != nil && err != goredis.Nil {
			return err
		}
	}
	rec := &r.rec
	switch r.typ {
	case "string":
		for _, cmd := range cmds {
			rec.Value = append(rec.Value, cmd.(*goredis.StringCmd).Val()...)
		}
		if rec.Value == nil {
			rec.Value = []byte{}
		}
		r.done = true
	case "hash":
		items, next := cmds[0].(*goredis.ScanCmd).Val()
		for i := 0; i+1 < len(items); i += 2 {
			r.addUnique(items[i], backend.Element{Field: items[i], Value: []byte(items[i+1])})
		}
		r.cursor, r.done = next, next == 0
	case "set":
		if ss, ok := cmds[0].(*goredis.ScanCmd); ok {
			items, next := ss.Val()
			for _, m := range items {
				r.addUnique(m, backend.Element{Value: []byte(m)})
			}
			r.cursor, r.done = next, next == 0
			break
		}
		for _, m := range cmds[0].(*goredis.StringSliceCmd).Val() {
			rec.Elements = append(rec.Elements, backend.Element{Value: []byte(m)})
		}
		r.done = true
	case "list":
		for _, cmd := range cmds {
			for _, v := range cmd.(*goredis.StringSliceCmd).Val() {
				rec.Elements = append(rec.Elements, backend.Element{Value: []byte(v), Index: int64(len(rec.Elements))})
			}
		}
		r.done = true
	case "zset":
		for _, cmd := range cmds {
			for _, z := range cmd.(*goredis.ZSliceCmd).Val() {
				m, _ := z.Member.(string)
				rec.Elements = append(rec.Elements, backend.Element{Value: []byte(m), Score: z.Score})
			}
		}
		r.done = true
	case "stream":
		raw, _ := cmds[0].(*goredis.Cmd).Slice()
		els, err := xrangeEntries(rec.Key, raw)
		if err != nil {
			return err
		}
		rec.Elements = append(rec.Elements, els...)
		if len(els) > 0 {
			r.lastID = els[len(els)-1].Field
		}
		r.done = len(els) < readPage
	default:
		r.done = true
	}
	return nil
}

// addUnique adds a scanned element, or replaces the one under the same
// name that an earlier page returned (a scan may return an element twice
// when the collection is rehashed between pages).
func (r *reading) addUnique(name string, el backend.Element) {
	if r.seen == nil {
		r.seen = map[string]int{}
	}
	if j, ok := r.seen[name]; ok {
		r.rec.Elements[j] = el
		return
	}
	r.seen[name] = len(r.rec.Elements)
	r.rec.Elements = append(r.rec.Elements, el)
}

// Existing says which keys exist, with a pipeline of EXISTS; see
// backend.RecordWriter.
func (s *Store) Existing(ctx context.Context, bucket string, keys []string) ([]bool, error) {
	c, err := s.bucketClient(bucket)
	if err != nil {
		return nil, err
	}
	out := make([]bool, len(keys))
	for start := 0; start < len(keys); start += bulkChunk {
		end := min(start+bulkChunk, len(keys))
		cmds := make([]*goredis.IntCmd, 0, end-start)
		pipe := c.Pipeline()
		for _, k := range keys[start:end] {
			cmds = append(cmds, pipe.Exists(ctx, k))
		}
		_, _ = pipe.Exec(ctx)
		for j, cmd := range cmds {
			n, err := cmd.Result()
			if err != nil {
				return nil, s.cmdErr(err, keys[start+j])
			}
			out[start+j] = n == 1
		}
	}
	return out, nil
}

// ExpiryKept: Redis keeps an expiry per key.
func (s *Store) ExpiryKept(ctx context.Context, bucket string) error { return nil }

// keepFor is luaVersion's keepFor on the Go side: the largest
// collection of a type that DUMP reads within the SLOWLOG budget.
func keepFor(typ string, limit int) int {
	switch typ {
	case "hash", "set", "zset":
		return limit / 5
	}
	return limit
}

// Import and copy write each key atomically with a Lua script that checks
// whether the key exists, applies the conflict policy and writes it whole
// (importScript), several keys a call. A call carries at most
// writeCallElements elements and writeCallBytes bytes, so that none holds
// the server long, and at most scriptKeys keys.
//
// Why bytes too: a script's arguments are copied into Lua strings, about
// 1.3 ms a megabyte here before the script does anything with them (a
// 3 MB string SET by a script took 26-50 ms, a plain SET 30 µs).
//
// A record over those limits (a collection of more than writeCallElements
// elements, a record of more than writeCallBytes bytes) is written in
// another way, so that no command holds the server long: into a temporary
// key next to it (same Cluster slot, a one-hour TTL in case kvdeck dies
// meanwhile), in pipelined plain commands of at most readPage elements or
// about stringPage bytes each (a stream an XADD an entry; a string by one
// plain SET; a DUMP payload by one plain RESTORE, which costs what its
// DUMP did, and ReadRecords bounds that), then moved into place by
// finishScript, which checks the policy and the expiry and RENAMEs it
// (O(1)) with the record's expiry. The temporary key is visible to other clients meanwhile
// and is removed on any failure.
const (
	writeCallElements = 10_000
	writeCallBytes    = 256 << 10
)

// importScript writes records under a policy. ARGV[1] is the policy (skip,
// overwrite, fail); then each key of KEYS has a header of three ARGV and
// its n arguments:
//
//	form   string, json, hash, list, set, zset, stream, dump
//	expiry absolute, in ms; 0 none
//	n      the count of arguments that follow
//
// string and json: the value; hash: field value ...; list and set: the
// items; zset: score member ... (the score as the exact string
// formatScore writes: ZADD parses it, never Lua's tonumber); stream: per
// entry its id, its count of fields c, and c field value pairs (no entry
// at all makes an empty stream); dump: the DUMP payload, RESTOREd with
// ABSTTL (REPLACE over an existing key under overwrite, so that a payload
// the server refuses leaves that key alone).
//
// Two reply fields a key: outcome (written, skipped, exists, gone,
// failed) and a detail (the type of the key that exists, or the server's
// refusal). An expiry that has passed writes nothing (gone) and leaves an
// existing key alone. A write the server refuses midway (the records are
// checked in Go first, so only the unexpected: out of memory, a module
// missing) removes what was written of the key: under overwrite the old
// key is then gone too.
var importScript = goredis.NewScript(luaVersion + `
local policy = ARGV[1]
local now = nowMs()
local out = {}
local a = 2
-- cmd over ARGV[from..to], a thousand at a time: unpack's limit is the
-- Lua stack's (8000); 1000 keeps pairs whole.
local function push(cmd, k, from, to)
  local i = from
  while i <= to do
    local j = math.min(i + 999, to)
    local r = redis.pcall(cmd, k, unpack(ARGV, i, j))
    if type(r) == 'table' and r.err then return r.err end
    i = j + 1
  end
end
for _, k in ipairs(KEYS) do
  local form, at, n = ARGV[a], ARGV[a+1], tonumber(ARGV[a+2])
  local expires = tonumber(at)
  local from, to = a + 3, a + 2 + n
  a = to + 1
  local r, d = 'written', ''
  local t = redis.call('TYPE', k).ok
  if expires > 0 and expires <= now then
    r = 'gone'
  elseif t ~= 'none' and policy ~= 'overwrite' then
    if policy == 'skip' then r = 'skipped' else r = 'exists' end
    d = t
  elseif form == 'dump' then
    local args = {'RESTORE', k, at, ARGV[from]}
    if t ~= 'none' then args[#args+1] = 'REPLACE' end
    if expires > 0 then args[#args+1] = 'ABSTTL' end
    local res = redis.pcall(unpack(args))
    if type(res) == 'table' and res.err then r, d = 'failed', res.err end
  else
    if t ~= 'none' then redis.call('UNLINK', k) end
    local err
    if form == 'string' then
      redis.call('SET', k, ARGV[from])
    elseif form == 'json' then
      local res = redis.pcall('JSON.SET', k, '$', ARGV[from])
      if type(res) == 'table' and res.err then err = res.err end
    elseif form == 'hash' then err = push('HSET', k, from, to)
    elseif form == 'list' then err = push('RPUSH', k, from, to)
    elseif form == 'set' then err = push('SADD', k, from, to)
    elseif form == 'zset' then err = push('ZADD', k, from, to)
    elseif form == 'stream' then
      if n == 0 then
        -- XADD cannot add nothing: add one entry and trim it away, which
        -- leaves the stream, empty.
        local res = redis.pcall('XADD', k, 'MAXLEN', 0, '0-1', 'f', '')
        if type(res) == 'table' and res.err then err = res.err end
      end
      local i = from
      while i <= to and not err do
        local c = tonumber(ARGV[i+1])
        local res = redis.pcall('XADD', k, ARGV[i], unpack(ARGV, i + 2, i + 1 + 2 * c))
        if type(res) == 'table' and res.err then err = res.err end
        i = i + 2 + 2 * c
      end
    else
      err = 'unknown form ' .. form
    end
    if err then
      redis.call('UNLINK', k)
      r, d = 'failed', err
    elseif expires > 0 then
      redis.call('PEXPIREAT', k, at)
    end
  end
  out[#out+1] = r; out[#out+1] = d
end
return out
`)

// finishScript moves a large record's temporary copy (KEYS[2]) into place
// (KEYS[1]) under the policy (ARGV[1]) with its expiry (ARGV[2], ms, 0
// none; the copy's safety TTL is dropped), and removes the copy when it
// is not moved. Replies as importScript, for one key.
var finishScript = goredis.NewScript(luaVersion + `
local k, tmp, policy, expires = KEYS[1], KEYS[2], ARGV[1], tonumber(ARGV[2])
if redis.call('EXISTS', tmp) == 0 then return {'failed', 'its temporary copy ' .. tmp .. ' vanished before it was moved into place'} end
local t = redis.call('TYPE', k).ok
if expires > 0 and expires <= nowMs() then
  redis.call('UNLINK', tmp)
  return {'gone', ''}
end
if t ~= 'none' and policy ~= 'overwrite' then
  redis.call('UNLINK', tmp)
  if policy == 'skip' then return {'skipped', t} end
  return {'exists', t}
end
if t ~= 'none' then redis.call('UNLINK', k) end
redis.call('RENAME', tmp, k)
if expires > 0 then redis.call('PEXPIREAT', k, ARGV[2]) else redis.call('PERSIST', k) end
return {'written', ''}
`)

// writeArgs is a record's arguments for importScript, after its header.
func writeArgs(rec backend.Record) (form string, args []any) {
	if len(rec.Dump) > 0 {
		return "dump", []any{rec.Dump}
	}
	els := rec.Elements
	switch rec.Kind {
	case backend.KindString, backend.KindJSON:
		v := rec.Value
		if v == nil {
			v = []byte{}
		}
		return rec.Kind.String(), []any{v}
	case backend.KindHash:
		for _, e := range els {
			args = append(args, e.Field, e.Value)
		}
	case backend.KindList, backend.KindSet:
		for _, e := range els {
			args = append(args, e.Value)
		}
	case backend.KindZSet:
		for _, e := range els {
			args = append(args, formatScore(e.Score), e.Value)
		}
	case backend.KindStream:
		for _, e := range els {
			args = append(args, e.Field, len(e.Fields))
			args = append(args, fieldArgs(e.Fields)...)
		}
	}
	return rec.Kind.String(), args
}

// checkRecord refuses what the server would refuse midway, before any
// write: an unknown type, a collection without elements (Redis has none,
// but for streams), a score that is not a number, a stream entry without
// an id or a field, or with ids out of order.
func checkRecord(rec backend.Record) error {
	if len(rec.Dump) > 0 {
		return nil
	}
	switch rec.Kind {
	case backend.KindString, backend.KindJSON, backend.KindStream:
	case backend.KindHash, backend.KindList, backend.KindSet, backend.KindZSet:
		if len(rec.Elements) == 0 {
			return backend.Invalid("record", "key %q: a %s without elements cannot exist in Redis", rec.Key, rec.Kind)
		}
	default:
		return backend.Invalid("record", "key %q: a type Redis cannot hold without its DUMP (%q)", rec.Key, rec.Kind.String())
	}
	var last [2]uint64
	for _, e := range rec.Elements {
		switch rec.Kind {
		case backend.KindZSet:
			if math.IsNaN(e.Score) {
				return backend.Invalid("score", "key %q: member %q has no number for a score (NaN)", rec.Key, e.Value)
			}
		case backend.KindStream:
			id, ok := parseStreamID(e.Field)
			if !ok || !idLess(last, id) {
				return backend.Invalid("stream id", "key %q: entry %q: give explicit ids ms-seq, above 0-0, in increasing order", rec.Key, e.Field)
			}
			if len(e.Fields) == 0 || len(e.Fields) > 3000 {
				return backend.Invalid("fields", "key %q: entry %s has %d fields (1 to 3000)", rec.Key, e.Field, len(e.Fields))
			}
			last = id
		}
	}
	return nil
}

func parseStreamID(s string) ([2]uint64, bool) {
	ms, seq, ok := strings.Cut(s, "-")
	a, err1 := strconv.ParseUint(ms, 10, 64)
	b, err2 := strconv.ParseUint(seq, 10, 64)
	return [2]uint64{a, b}, ok && err1 == nil && err2 == nil
}

func idLess(a, b [2]uint64) bool { return a[0] < b[0] || a[0] == b[0] && a[1] < b[1] }

// recordSize is what a record puts in a call: its elements, and its bytes.
func recordSize(rec backend.Record) (elements, bytes int) {
	bytes = len(rec.Key) + len(rec.Value) + len(rec.Dump)
	for _, e := range rec.Elements {
		elements += 1 + len(e.Fields)
		bytes += len(e.Field) + len(e.Value)
		for _, f := range e.Fields {
			bytes += len(f.Name) + len(f.Value)
		}
	}
	return max(elements, 1), bytes
}

// WriteRecords writes recs each atomically under policy; see
// backend.RecordWriter.
func (s *Store) WriteRecords(ctx context.Context, bucket string, recs []backend.Record, policy backend.ConflictPolicy) ([]backend.WriteResult, error) {
	if err := s.Writable(); err != nil {
		return nil, err
	}
	if policy > backend.ConflictFail {
		return nil, backend.Invalid("on-conflict", "unknown policy %d", policy)
	}
	c, err := s.bucketClient(bucket)
	if err != nil {
		return nil, err
	}
	_, cluster := c.(*goredis.ClusterClient)
	out := make([]backend.WriteResult, len(recs))
	native := len(recs) > 0 && s.answersPexpiretime(ctx, c, recs[0].Key) // Redis 7: SET … PXAT
	var small, large, plain []int
	for i, rec := range recs {
		out[i] = backend.WriteResult{Key: rec.Key}
		if err := checkRecord(rec); err != nil {
			out[i].Outcome, out[i].Err = backend.BulkFailed, err
			continue
		}
		n, b := recordSize(rec)
		_, colocated := hashTag(rec.Key)
		// A RedisJSON document given as text (no Dump) has no paged
		// write: JSON.SET takes it whole, in the script.
		text := rec.Kind == backend.KindJSON && len(rec.Dump) == 0
		switch {
		case !text && (n > writeCallElements || b > writeCallBytes) && (colocated || !cluster):
			large = append(large, i)
		case native && b <= writeCallBytes && (rec.Kind == backend.KindString || len(rec.Dump) > 0):
			plain = append(plain, i)
		default:
			small = append(small, i)
		}
	}
	keys := make([]string, len(small))
	for j, i := range small {
		keys[j] = recs[i].Key
	}
	res, batchErr := runScriptsSplit(ctx, s, c, importScript, keys, 2, "import keys atomically",
		func(from, end int) int {
			to, elements, bytes := from, 0, 0
			for to < end && to-from < scriptKeys {
				n, b := recordSize(recs[small[to]])
				if to > from && (elements+n > writeCallElements || bytes+b > writeCallBytes) {
					break
				}
				elements, bytes, to = elements+n, bytes+b, to+1
			}
			return to
		},
		func(from, to int) []any {
			args := []any{policy.String()}
			for _, i := range small[from:to] {
				form, a := writeArgs(recs[i])
				args = append(args, form, unixMs(recs[i].ExpiresAt), len(a))
				args = append(args, a...)
			}
			return args
		},
		func(j int, reply []any) (backend.WriteResult, bool) {
			return s.writeResult(recs[small[j]], reply)
		},
		func(j int, err error) backend.WriteResult {
			return backend.WriteResult{Key: keys[j], Outcome: backend.BulkFailed, Err: err}
		})
	for j, r := range res {
		out[small[j]] = r
	}
	if batchErr != nil {
		// Scripts refused stop runScripts before its keys are all
		// answered: those, and the large records, are not written.
		for _, i := range append(small[len(res):], large...) {
			out[i].Outcome, out[i].Err = backend.BulkFailed, batchErr
		}
		return out, batchErr
	}
	if err := s.writePlain(ctx, c, recs, plain, policy, out); err != nil {
		for _, i := range large {
			out[i].Outcome, out[i].Err = backend.BulkFailed, err
		}
		return out, err
	}
	for n, i := range large {
		r, err := s.writeLarge(ctx, c, recs[i], policy)
		out[i] = r
		if err != nil {
			for _, i := range large[n+1:] {
				out[i].Outcome, out[i].Err = backend.BulkFailed, err
			}
			return out, err
		}
	}
	return out, nil
}

// writePlain writes the strings and DUMP payloads at idx with one native
// command each, pipelined bulkChunk a round trip, where the command itself
// is the atomic check and write a script would be: SET … NX PXAT (skip
// and fail: a key that exists is left as it is, nil answered) or SET …
// PXAT (overwrite: any type replaced, expiry included); RESTORE … ABSTTL,
// which refuses a key that exists (BUSYKEY), REPLACE under overwrite.
// A plain command costs the server a third of the script's work for a
// key (TYPE, SET and PEXPIREAT in Lua), which made an import of a
// million strings 2.1 times a pipelined SET loop. A record whose expiry
// has passed (by this machine's clock: the server would take the write
// and drop the key at once) is BulkGone, nothing sent.
func (s *Store) writePlain(ctx context.Context, c goredis.UniversalClient, recs []backend.Record, idx []int, policy backend.ConflictPolicy, out []backend.WriteResult) error {
	now := time.Now()
	for start := 0; start < len(idx); start += bulkChunk {
		chunk := idx[start:min(start+bulkChunk, len(idx))]
		pipe := c.Pipeline()
		cmds := make([]*goredis.Cmd, len(chunk))
		for j, i := range chunk {
			rec := recs[i]
			if !rec.ExpiresAt.IsZero() && !rec.ExpiresAt.After(now) {
				out[i].Outcome = backend.BulkGone
				out[i].Err = backendErr(backend.ErrNotFound, "key %q expired at %s; nothing written", rec.Key, rec.ExpiresAt.Local().Format("2006-01-02 15:04:05"))
				continue
			}
			var args []any
			if len(rec.Dump) > 0 {
				args = []any{"RESTORE", rec.Key, unixMs(rec.ExpiresAt), rec.Dump}
				if !rec.ExpiresAt.IsZero() {
					args = append(args, "ABSTTL")
				}
				if policy == backend.ConflictOverwrite {
					args = append(args, "REPLACE")
				}
			} else {
				args = []any{"SET", rec.Key, rec.Value}
				if policy != backend.ConflictOverwrite {
					args = append(args, "NX")
				}
				if !rec.ExpiresAt.IsZero() {
					args = append(args, "PXAT", unixMs(rec.ExpiresAt))
				}
			}
			cmds[j] = pipe.Do(ctx, args...)
		}
		_, _ = pipe.Exec(ctx) // each command's answer is read below
		var named []int       // fail: the keys that exist, whose type the conflict names
		for j, i := range chunk {
			cmd := cmds[j]
			if cmd == nil {
				continue
			}
			err := cmd.Err()
			exists := err == goredis.Nil || err != nil && strings.HasPrefix(err.Error(), "BUSYKEY")
			switch {
			case err == nil:
				out[i].Outcome = backend.BulkChanged
			case exists && policy == backend.ConflictFail:
				out[i].Outcome = backend.BulkSkipped
				named = append(named, i)
			case exists:
				out[i].Outcome = backend.BulkSkipped
			case !isReplyError(err):
				// The connection: the keys of this chunk and after are
				// not known to be written.
				for _, k := range idx[start+j:] {
					out[k].Outcome, out[k].Err = backend.BulkFailed, s.cmdErr(err, recs[k].Key)
				}
				return s.cmdErr(err, "")
			default:
				out[i].Outcome, out[i].Err = backend.BulkFailed, s.cmdErr(err, recs[i].Key)
			}
		}
		if len(named) > 0 {
			// Only to say what is there (the write was refused already):
			// a fail import stops at the first of them.
			pipe := c.Pipeline()
			types := make([]*goredis.StatusCmd, len(named))
			for j, i := range named {
				types[j] = pipe.Type(ctx, recs[i].Key)
			}
			_, _ = pipe.Exec(ctx)
			for j, i := range named {
				what := "exists; nothing written"
				if t := types[j].Val(); t != "" && t != "none" {
					what = "exists (a " + t + "); nothing written"
				}
				out[i].Err = conflict(recs[i].Key, what)
			}
		}
	}
	return nil
}

// writeResult reads a key's two reply fields of importScript or
// finishScript.
func (s *Store) writeResult(rec backend.Record, reply []any) (backend.WriteResult, bool) {
	r := backend.WriteResult{Key: rec.Key}
	outcome, _ := reply[0].(string)
	detail, _ := reply[1].(string)
	switch outcome {
	case "written":
		r.Outcome = backend.BulkChanged
	case "skipped":
		r.Outcome = backend.BulkSkipped
	case "exists":
		r.Outcome = backend.BulkSkipped
		r.Err = conflict(rec.Key, "exists (a "+detail+"); nothing written")
	case "gone":
		r.Outcome = backend.BulkGone
		r.Err = backendErr(backend.ErrNotFound, "key %q expired at %s; nothing written", rec.Key, rec.ExpiresAt.Local().Format("2006-01-02 15:04:05"))
	case "failed":
		r.Outcome = backend.BulkFailed
		r.Err = s.cmdErr(errors.New(detail), rec.Key)
	default:
		return r, false
	}
	return r, true
}

// tempKeyTTL bounds the life of a large record's temporary copy, should
// kvdeck die before it is moved into place or removed.
const tempKeyTTL = time.Hour

// tempKey names a large record's temporary copy: random, and in key's
// Cluster slot (RENAME needs both keys in one), which the hash tag {t}
// gives where t is key's own hash tag or, without one, key itself.
func tempKey(key string) string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	tag, _ := hashTag(key)
	return "{" + tag + "}:kvdeck-import:" + hex.EncodeToString(b[:])
}

// hashTag is what key's Cluster slot is computed from (its hash tag, or
// itself), and whether {tag} gives the same slot: not for a key that
// contains a '}' but no hash tag, which in a Cluster is therefore written
// in one script call however large.
func hashTag(key string) (tag string, colocated bool) {
	if i := strings.IndexByte(key, '{'); i >= 0 {
		if j := strings.IndexByte(key[i+1:], '}'); j > 0 {
			return key[i+1 : i+1+j], true
		}
	}
	return key, !strings.Contains(key, "}")
}

// writeLarge writes a record too large for one script call: see
// writeCallElements. The error is the connection's or the context's,
// which ends the batch; the record's own failure is in the result.
func (s *Store) writeLarge(ctx context.Context, c goredis.UniversalClient, rec backend.Record, policy backend.ConflictPolicy) (backend.WriteResult, error) {
	r := backend.WriteResult{Key: rec.Key}
	// Spare the copy of a key the policy keeps, or of an expired
	// record; finishScript checks again, atomically.
	if ms := unixMs(rec.ExpiresAt); ms > 0 && ms <= time.Now().UnixMilli() {
		r.Outcome = backend.BulkGone
		r.Err = backendErr(backend.ErrNotFound, "key %q expired at %s; nothing written", rec.Key, rec.ExpiresAt.Local().Format("2006-01-02 15:04:05"))
		return r, nil
	}
	if policy != backend.ConflictOverwrite {
		t, err := c.Type(ctx, rec.Key).Result()
		if err != nil {
			return s.failedWrite(r, err)
		}
		if t != "none" {
			outcome := "exists"
			if policy == backend.ConflictSkip {
				outcome = "skipped"
			}
			res, _ := s.writeResult(rec, []any{outcome, t})
			return res, nil
		}
	}
	tmp := tempKey(rec.Key)
	cleanup := func() { _ = c.Unlink(context.WithoutCancel(ctx), tmp).Err() }
	var cmds [][]any
	add := func(args ...any) { cmds = append(cmds, args) }
	switch {
	case len(rec.Dump) > 0:
		// RESTORE costs about what DUMP did, which ReadRecords bounds;
		// as a plain command it spares the script the payload.
		add("RESTORE", tmp, 0, rec.Dump)
	case rec.Kind == backend.KindString:
		// One plain SET: the server takes a large argument's buffer as
		// the value, without a copy (a 3 MB SET cost it 10-30 µs here),
		// where writing it in pages would allocate and fill a new string
		// (SETRANGE to the end first: 10 ms for 3 MB; APPENDs reallocate
		// the growing string each time).
		add("SET", tmp, rec.Value)
	case rec.Kind == backend.KindStream:
		for _, e := range rec.Elements {
			add(append([]any{"XADD", tmp, e.Field}, fieldArgs(e.Fields)...)...)
		}
	default:
		name := map[backend.Kind]string{backend.KindHash: "HSET", backend.KindList: "RPUSH", backend.KindSet: "SADD", backend.KindZSet: "ZADD"}[rec.Kind]
		_, args := writeArgs(rec)
		step := 1
		if rec.Kind == backend.KindHash || rec.Kind == backend.KindZSet {
			step = 2 // pairs
		}
		// writePage elements or stringPage bytes a command, whichever
		// comes first.
		for off := 0; off < len(args); {
			end, bytes := off, 0
			for end < len(args) && end-off < writePage*step && (end == off || bytes < stringPage) {
				for _, a := range args[end : end+step] {
					if b, ok := a.([]byte); ok {
						bytes += len(b)
					} else {
						bytes += len(fmt.Sprint(a))
					}
				}
				end += step
			}
			add(append([]any{name, tmp}, args[off:end]...)...)
			off = end
		}
	}
	for start := 0; start < len(cmds); start += bulkChunk {
		pipe := c.Pipeline()
		var sent []*goredis.Cmd
		for _, args := range cmds[start:min(start+bulkChunk, len(cmds))] {
			sent = append(sent, pipe.Do(ctx, args...))
		}
		// The safety TTL from the first command on.
		pipe.PExpire(ctx, tmp, tempKeyTTL)
		_, _ = pipe.Exec(ctx)
		for _, cmd := range sent {
			if err := cmd.Err(); err != nil {
				cleanup()
				return s.failedWrite(r, err)
			}
		}
	}
	if s.beforeLargeFinish != nil {
		s.beforeLargeFinish(rec.Key)
	}
	reply, err := finishScript.Run(ctx, c, []string{rec.Key, tmp}, policy.String(), unixMs(rec.ExpiresAt)).Slice()
	if err != nil {
		cleanup()
		if isScriptDenied(err) {
			r.Outcome, r.Err = backend.BulkFailed, s.noScripting(err, rec.Key, "import keys atomically")
			return r, r.Err
		}
		return s.failedWrite(r, err)
	}
	res, ok := s.writeResult(rec, reply)
	if !ok || len(reply) != 2 {
		cleanup()
		res.Outcome, res.Err = backend.BulkFailed, fmt.Errorf("unexpected reply %v", reply)
	}
	return res, nil
}

// failedWrite is a large record's failed result: the batch's error too
// when the connection or the context failed.
func (s *Store) failedWrite(r backend.WriteResult, err error) (backend.WriteResult, error) {
	r.Outcome, r.Err = backend.BulkFailed, s.cmdErr(err, r.Key)
	if isReplyError(err) {
		return r, nil
	}
	return r, s.cmdErr(err, "")
}
