package storetest

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kvdeck/kvdeck/backend"
)

// RandomOps is the number of operations for RunRandom: KVDECK_RANDOM_OPS
// when set (the long run), else short.
func RandomOps(short int) int {
	if n, err := strconv.Atoi(os.Getenv("KVDECK_RANDOM_OPS")); err == nil && n > 0 {
		return n
	}
	return short
}

// RandomSeed is KVDECK_RANDOM_SEED when set (to reproduce a failure or to
// explore other sequences), else a fixed seed, so that the run in make test
// is the same every time; RunRandom prints the seed on failure.
func RandomSeed() int64 {
	if n, err := strconv.ParseInt(os.Getenv("KVDECK_RANDOM_SEED"), 10, 64); err == nil {
		return n
	}
	return defaultSeed
}

// defaultSeed is the seed of the short run in make test.
const defaultSeed = 20261130

// RunRandom runs ops random user operations on a small key space, with
// the second client (Harness.Other) writing at random between kvdeck's read
// and kvdeck's write, and checks each outcome against a model of what the
// user intended and what the other client did: a write whose read the
// other client invalidated must be ErrConflict (ErrNotFound where the key
// went) and leave the other client's data; any other write must succeed
// and do exactly what the user asked. The touched keys are compared with
// the store after every operation and the whole key space every 50. It is
// deterministic given seed: one goroutine, every choice from one source.
func RunRandom(t *testing.T, h Harness, ops int, seed int64) {
	if h.TTLGranularity < time.Second {
		h.TTLGranularity = time.Second
	}
	s, _, bucket := fresh(t, h)
	o := needOther(t, h, bucket)
	r := &randomRun{
		t: t, s: s, o: o, bucket: bucket, seed: seed, ops: ops,
		rng: rand.New(rand.NewPCG(uint64(seed), 0x6b766465636b)),
		m:   map[string]*mkey{}, gen: map[string]int{},
		tol: 2 * h.TTLGranularity,
	}
	for i := range 20 {
		r.keys = append(r.keys, fmt.Sprintf("k%02d", i))
	}
	if c, ok := s.(backend.Collections); ok {
		co, ok := o.(CollectionOther)
		if !ok && inCI() {
			t.Fatal("the store has Collections but its Other is not a storetest.CollectionOther (CI is set)")
		}
		if ok {
			r.c, r.co = c, co
		} else {
			t.Log("the store has Collections but its Other is not a CollectionOther: random operations use strings only")
		}
	}
	r.ren, _ = s.(backend.Renamer)
	r.res, _ = s.(backend.Restorer)
	start := time.Now()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("reproduce with KVDECK_RANDOM_SEED=%d KVDECK_RANDOM_OPS=%d (failed at operation %d)", seed, ops, r.op)
		}
	})
	for r.op = 1; r.op <= ops; r.op++ {
		r.step()
		if r.op%50 == 0 {
			r.verifyAll()
		}
	}
	r.verifyAll()
	t.Logf("RunRandom %s seed %d: %d operations (%d kvdeck writes, %d other-client writes), %d conflicts, %d not found, in %v; writes by kind %v",
		s.Info().Kind, seed, ops, r.writes, r.otherWrites, r.conflicts, r.notFound, time.Since(start).Round(time.Millisecond), r.kinds)
}

// mkey is the model of one key.
type mkey struct {
	kind   backend.Kind
	str    string
	hash   map[string]string
	list   []string
	set    map[string]bool
	zset   map[string]float64
	stream []backend.Element
	exp    time.Time // zero: no TTL
	ttl    time.Duration
}

func (k *mkey) clone() *mkey {
	c := *k
	c.hash = maps.Clone(k.hash)
	c.list = slices.Clone(k.list)
	c.set = maps.Clone(k.set)
	c.zset = maps.Clone(k.zset)
	c.stream = slices.Clone(k.stream)
	return &c
}

// size is the number of elements; a Redis collection with none is gone
// (except a stream).
func (k *mkey) size() int {
	return len(k.hash) + len(k.list) + len(k.set) + len(k.zset) + len(k.stream)
}

type undoEntry struct {
	key  string
	snap backend.Snapshot
	opts backend.RestoreOptions
	gen  int   // the other client's writes to key when it was recorded
	val  *mkey // what the restore puts back
}

type randomRun struct {
	t      *testing.T
	s      backend.Store
	o      Other
	c      backend.Collections
	co     CollectionOther
	ren    backend.Renamer
	res    backend.Restorer
	bucket string
	seed   int64
	ops    int
	rng    *rand.Rand
	keys   []string
	m      map[string]*mkey
	gen    map[string]int // writes by the other client, per key
	undo   []undoEntry    // the last destructive operation
	tol    time.Duration
	seq    int
	op     int
	trace  []string

	writes, otherWrites, conflicts, notFound int
	kinds                                    map[string]int // kvdeck writes by operation, for the summary
}

func (r *randomRun) note(format string, args ...any) {
	r.trace = append(r.trace, fmt.Sprintf("#%d ", r.op)+fmt.Sprintf(format, args...))
	if len(r.trace) > 40 {
		r.trace = r.trace[len(r.trace)-40:]
	}
}

func (r *randomRun) fail(format string, args ...any) {
	r.t.Helper()
	r.t.Fatalf("operation %d (seed %d): %s\nrecent steps:\n  %s", r.op, r.seed, fmt.Sprintf(format, args...), strings.Join(r.trace, "\n  "))
}

func (r *randomRun) unique(prefix string) string {
	r.seq++
	return fmt.Sprintf("%s%d", prefix, r.seq)
}

func (r *randomRun) pick(keys []string) string { return keys[r.rng.IntN(len(keys))] }

// present lists the model's keys, filtered by pred (nil = all), in order.
func (r *randomRun) present(pred func(*mkey) bool) []string {
	var out []string
	for _, k := range r.keys {
		if mk := r.m[k]; mk != nil && (pred == nil || pred(mk)) {
			out = append(out, k)
		}
	}
	return out
}

func (r *randomRun) absent() []string {
	var out []string
	for _, k := range r.keys {
		if r.m[k] == nil {
			out = append(out, k)
		}
	}
	return out
}

func isString(k *mkey) bool     { return k.kind == backend.KindString }
func isCollection(k *mkey) bool { return k.kind.IsCollection() }

// ctx is the test's context: one for the whole run (a context per call
// would pile up cleanups over a long run); go test's -timeout catches a
// hang.
func (r *randomRun) ctx() context.Context { return r.t.Context() }

// step runs one user operation picked at random.
func (r *randomRun) step() {
	type choice struct {
		weight int
		run    func() bool // false: not applicable now
	}
	choices := []choice{
		{20, r.opEdit},
		{12, r.opCreate},
		{10, r.opDelete},
		{3, r.opBulkDelete},
		{12, r.opTTL},
		{6, r.opUndo},
		{6, r.opOther},
	}
	if r.ren != nil {
		choices = append(choices, choice{6, r.opRename})
	}
	if r.c != nil {
		choices = append(choices, choice{30, r.opElement})
	}
	total := 0
	for _, c := range choices {
		total += c.weight
	}
	for range 20 {
		n := r.rng.IntN(total)
		for _, c := range choices {
			if n < c.weight {
				if c.run() {
					return
				}
				break
			}
			n -= c.weight
		}
	}
	r.opOther()
}

// interfere lets the other client write, with probability 0.35, to one of
// focus (mostly) or any key: between kvdeck's read and its write.
func (r *randomRun) interfere(focus ...string) {
	if r.rng.Float64() >= 0.35 {
		return
	}
	key := r.pick(r.keys)
	if len(focus) > 0 && r.rng.Float64() < 0.7 {
		key = r.pick(focus)
	}
	r.otherWrite(key)
}

// otherWrite makes one change of key with the other client and records it
// in the model. It always changes something (values are unique), so a
// version taken before it is stale after it.
func (r *randomRun) otherWrite(key string) {
	t := r.t
	mk := r.m[key]
	r.otherWrites++
	switch {
	case mk == nil || mk.kind == backend.KindString && r.rng.Float64() < 0.65:
		v := r.unique("o")
		r.note("other: set %s = %s", key, v)
		r.o.Set(t, key, []byte(v))
		nk := &mkey{kind: backend.KindString, str: v}
		// Whether the other client's plain write keeps a TTL is the
		// store's business (see Other.Set): adopt what kvdeck reads now.
		e, err := r.s.Get(r.ctx(), r.bucket, key, backend.GetOptions{MaxBytes: -1})
		if err != nil {
			r.fail("Get(%s) right after the other client wrote it: %v", key, err)
		}
		nk.exp = e.ExpiresAt
		r.m[key] = nk
	case mk.kind == backend.KindString || r.rng.Float64() < 0.2:
		r.note("other: delete %s", key)
		r.o.Delete(t, key)
		delete(r.m, key)
	default:
		r.otherElement(key, mk)
		if mk.size() == 0 && mk.kind != backend.KindStream {
			delete(r.m, key)
		}
	}
	r.gen[key]++
}

// otherElement changes one element of a collection with the other client.
func (r *randomRun) otherElement(key string, mk *mkey) {
	t, co := r.t, r.co
	v := r.unique("o")
	switch mk.kind {
	case backend.KindHash:
		fields := slices.Sorted(maps.Keys(mk.hash))
		switch n := r.rng.IntN(10); {
		case n < 5 && len(fields) > 0:
			f := r.pick(fields)
			r.note("other: hset %s %s=%s", key, f, v)
			co.HSet(t, key, f, v)
			mk.hash[f] = v
		case n < 7 && len(fields) > 0:
			f := r.pick(fields)
			r.note("other: hdel %s %s", key, f)
			co.HDel(t, key, f)
			delete(mk.hash, f)
		default:
			f := r.unique("f")
			r.note("other: hset %s %s=%s", key, f, v)
			co.HSet(t, key, f, v)
			mk.hash[f] = v
		}
	case backend.KindList:
		switch n := r.rng.IntN(10); {
		case n < 4:
			r.note("other: lpush %s %s", key, v)
			co.LPush(t, key, v)
			mk.list = append([]string{v}, mk.list...)
		case n < 7 || len(mk.list) == 0:
			r.note("other: rpush %s %s", key, v)
			co.RPush(t, key, v)
			mk.list = append(mk.list, v)
		default:
			i := r.rng.IntN(len(mk.list))
			r.note("other: lset %s %d %s", key, i, v)
			co.LSet(t, key, int64(i), v)
			mk.list[i] = v
		}
	case backend.KindSet:
		members := slices.Sorted(maps.Keys(mk.set))
		if r.rng.IntN(10) < 4 && len(members) > 0 {
			m := r.pick(members)
			r.note("other: srem %s %s", key, m)
			co.SRem(t, key, m)
			delete(mk.set, m)
		} else {
			r.note("other: sadd %s %s", key, v)
			co.SAdd(t, key, v)
			mk.set[v] = true
		}
	case backend.KindZSet:
		members := slices.Sorted(maps.Keys(mk.zset))
		score := float64(r.seq) // unique, so a rescore always changes
		switch n := r.rng.IntN(10); {
		case n < 4 && len(members) > 0:
			m := r.pick(members)
			r.note("other: zadd %s %s %v (rescore)", key, m, score)
			co.ZAdd(t, key, m, score)
			mk.zset[m] = score
		case n < 6 && len(members) > 0:
			m := r.pick(members)
			r.note("other: zrem %s %s", key, m)
			co.ZRem(t, key, m)
			delete(mk.zset, m)
		default:
			r.note("other: zadd %s %s %v", key, v, score)
			co.ZAdd(t, key, v, score)
			mk.zset[v] = score
		}
	case backend.KindStream:
		if r.rng.IntN(10) < 4 && len(mk.stream) > 0 {
			i := r.rng.IntN(len(mk.stream))
			r.note("other: xdel %s %s", key, mk.stream[i].Field)
			co.XDel(t, key, mk.stream[i].Field)
			mk.stream = slices.Delete(mk.stream, i, i+1)
		} else {
			fields := []backend.Field{{Name: "f", Value: v}}
			id := co.XAdd(t, key, fields)
			r.note("other: xadd %s %s", key, id)
			mk.stream = append(mk.stream, backend.Element{Field: id, Fields: fields})
		}
	}
}

// outcome is what the model expects of a kvdeck write.
type outcome uint8

const (
	wantSuccess outcome = iota
	wantConflict
	wantNotFound
	wantRefused // ErrConflict or ErrNotFound: the element shown is gone
)

func (w outcome) String() string {
	return [...]string{"success", "ErrConflict", "ErrNotFound", "ErrConflict or ErrNotFound"}[w]
}

// check compares a write's error with the expected outcome; it returns
// whether the write succeeded.
func (r *randomRun) check(what string, err error, want outcome) bool {
	r.t.Helper()
	r.writes++
	ok := false
	switch want {
	case wantSuccess:
		ok = err == nil
	case wantConflict:
		ok = errors.Is(err, backend.ErrConflict)
	case wantNotFound:
		ok = errors.Is(err, backend.ErrNotFound)
	case wantRefused:
		ok = errors.Is(err, backend.ErrConflict) || errors.Is(err, backend.ErrNotFound)
	}
	r.note("kvdeck: %s -> %v (want %v)", what, err, want)
	if r.kinds == nil {
		r.kinds = map[string]int{}
	}
	r.kinds[strings.SplitN(what, " ", 2)[0]]++
	if !ok {
		r.fail("%s: got %v, want %v", what, err, want)
	}
	switch {
	case errors.Is(err, backend.ErrConflict):
		r.conflicts++
	case errors.Is(err, backend.ErrNotFound):
		r.notFound++
	}
	return err == nil
}

// touched drops the undo entries that hold a version of key: kvdeck itself
// wrote key, and whether that moved the key's version is the store's
// business (a NATS TTL change is a new revision, a Redis one is not).
func (r *randomRun) touched(keys ...string) {
	r.undo = slices.DeleteFunc(r.undo, func(u undoEntry) bool {
		return u.opts.IfVersion != "" && slices.Contains(keys, u.key)
	})
}

func (r *randomRun) ttlChoice() time.Duration {
	return time.Duration(5+r.rng.IntN(56)) * time.Minute
}

func (r *randomRun) get(key string) backend.Entry {
	r.t.Helper()
	e, err := r.s.Get(r.ctx(), r.bucket, key, backend.GetOptions{MaxBytes: -1})
	if err != nil {
		r.fail("Get(%s) of a key the model holds: %v", key, err)
	}
	return e
}

// snapshot takes what Delete and undo need: a Snapshot where the store is
// a Restorer (its version covers any type), else the entry's version.
func (r *randomRun) snapshot(key string) (string, *backend.Snapshot) {
	r.t.Helper()
	mk := r.m[key]
	if r.res == nil {
		return r.get(key).Version, nil
	}
	snap, err := r.res.Snapshot(r.ctx(), r.bucket, key)
	if err != nil {
		r.fail("Snapshot(%s): %v", key, err)
	}
	// Kind and size only: SecondWriter/Restore checks the value a string's
	// snapshot holds; here what matters is that undo puts it back.
	if snap.Kind != mk.kind || mk.kind == backend.KindString && snap.Size != int64(len(mk.str)) {
		r.fail("Snapshot(%s) is a %v of size %d, the model a %v holding %q", key, snap.Kind, snap.Size, mk.kind, mk.str)
	}
	return snap.Version, &snap
}

func (r *randomRun) opEdit() bool {
	keys := r.present(isString)
	if len(keys) == 0 {
		return false
	}
	key := r.pick(keys)
	mk := r.m[key]
	e := r.get(key)
	if string(e.Value) != mk.str {
		r.fail("Get(%s) = %q, the store holds %q", key, e.Value, mk.str)
	}
	var snap *backend.Snapshot
	if r.res != nil {
		_, snap = r.snapshot(key)
	}
	before := mk.clone()
	value, opts := r.unique("u"), backend.PutOptions{IfVersion: e.Version}
	same := r.rng.IntN(8) == 0
	switch n := r.rng.IntN(10); {
	case same:
		value = mk.str
	case n == 0:
		opts.TTLMode = backend.TTLNone
	case n == 1:
		opts.TTLMode, opts.TTL = backend.TTLSet, r.ttlChoice()
	}
	g := r.gen[key]
	r.interfere(key)
	want := wantSuccess
	if r.gen[key] != g {
		want = wantConflict
	}
	v, err := r.s.Put(r.ctx(), r.bucket, key, []byte(value), opts)
	if !r.check(fmt.Sprintf("edit %s = %s (mode %d, unchanged %v)", key, value, opts.TTLMode, same), err, want) {
		r.verify(key)
		return true
	}
	r.touched(key)
	if same {
		if v != e.Version {
			r.fail("an unchanged Put of %s returned version %q, want the version read %q", key, v, e.Version)
		}
	} else {
		mk.str = value
		switch opts.TTLMode {
		case backend.TTLNone:
			mk.exp = time.Time{}
		case backend.TTLSet:
			mk.exp, mk.ttl = time.Now().Add(opts.TTL), opts.TTL
		}
		if snap != nil {
			r.undo = []undoEntry{{key: key, snap: *snap, opts: backend.RestoreOptions{IfVersion: v}, gen: r.gen[key], val: before}}
		}
	}
	r.verify(key)
	return true
}

func (r *randomRun) opCreate() bool {
	keys := r.absent()
	if len(keys) == 0 {
		return false
	}
	key := r.pick(keys)
	if _, err := r.s.Get(r.ctx(), r.bucket, key, backend.GetOptions{}); !errors.Is(err, backend.ErrNotFound) {
		r.fail("Get(%s) of a key the model does not hold: %v", key, err)
	}
	var ttl time.Duration
	if r.rng.IntN(3) == 0 {
		ttl = r.ttlChoice()
	}
	r.interfere(key)
	want := wantSuccess
	if r.m[key] != nil {
		want = wantConflict
	}
	nk := &mkey{kind: backend.KindString, str: r.unique("u")}
	if r.c != nil && r.rng.IntN(2) == 0 {
		kinds := []backend.Kind{backend.KindHash, backend.KindList, backend.KindSet, backend.KindZSet, backend.KindStream}
		nk = &mkey{kind: kinds[r.rng.IntN(len(kinds))]}
		v := r.unique("u")
		var first backend.Element
		switch nk.kind {
		case backend.KindHash:
			first = backend.Element{Field: "f0", Value: []byte(v)}
			nk.hash = map[string]string{"f0": v}
		case backend.KindList:
			first = backend.Element{Value: []byte(v)}
			nk.list = []string{v}
		case backend.KindSet:
			first = backend.Element{Value: []byte(v)}
			nk.set = map[string]bool{v: true}
		case backend.KindZSet:
			first = backend.Element{Value: []byte(v), Score: float64(r.seq)}
			nk.zset = map[string]float64{v: float64(r.seq)}
		case backend.KindStream:
			first = backend.Element{Field: "*", Fields: []backend.Field{{Name: "f", Value: v}}}
		}
		_, err := r.c.CreateKey(r.ctx(), r.bucket, key, nk.kind, first, ttl)
		if !r.check(fmt.Sprintf("create %v %s (ttl %v)", nk.kind, key, ttl), err, want) {
			r.verify(key)
			return true
		}
		if nk.kind == backend.KindStream {
			nk.stream = r.adoptStreamAdd(key, nil, first.Fields)
		}
	} else {
		opts := backend.PutOptions{IfAbsent: true}
		if ttl > 0 {
			opts.TTLMode, opts.TTL = backend.TTLSet, ttl
		}
		_, err := r.s.Put(r.ctx(), r.bucket, key, []byte(nk.str), opts)
		if !r.check(fmt.Sprintf("create %s = %s (ttl %v)", key, nk.str, ttl), err, want) {
			r.verify(key)
			return true
		}
	}
	if ttl > 0 {
		nk.exp, nk.ttl = time.Now().Add(ttl), ttl
	}
	r.m[key] = nk
	r.touched(key)
	r.verify(key)
	return true
}

// adoptStreamAdd reads the stream with the other client after kvdeck
// added an entry with an automatic id, checks the new entry is last with
// the fields written, and returns the model's entries with it.
func (r *randomRun) adoptStreamAdd(key string, entries []backend.Element, fields []backend.Field) []backend.Element {
	got := r.co.XRange(r.t, key)
	if len(got) != len(entries)+1 || !slices.Equal(got[len(got)-1].Fields, fields) {
		r.fail("stream %s after kvdeck added an entry with fields %v holds %v, had %v", key, fields, got, entries)
	}
	return append(slices.Clone(entries), got[len(got)-1])
}

// deleteWant is what a Delete with the version read expects now.
func (r *randomRun) deleteWant(key string, g int) outcome {
	switch {
	case r.gen[key] == g:
		return wantSuccess
	case r.m[key] == nil:
		return wantNotFound
	}
	return wantConflict
}

func (r *randomRun) opDelete() bool {
	keys := r.present(nil)
	if len(keys) == 0 {
		return false
	}
	key := r.pick(keys)
	ver, snap := r.snapshot(key)
	before, g := r.m[key].clone(), r.gen[key]
	r.interfere(key)
	err := r.s.Delete(r.ctx(), r.bucket, key, backend.DeleteOptions{IfVersion: ver})
	if r.check("delete "+key, err, r.deleteWant(key, g)) {
		delete(r.m, key)
		r.undo = nil
		if snap != nil {
			r.undo = []undoEntry{{key: key, snap: *snap, opts: backend.RestoreOptions{IfAbsent: true}, val: before}}
		}
	}
	r.verify(key)
	return true
}

func (r *randomRun) opBulkDelete() bool {
	keys := r.present(nil)
	if len(keys) < 2 {
		return false
	}
	r.rng.Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
	keys = keys[:2+r.rng.IntN(min(3, len(keys)-1))]
	type read struct {
		ver    string
		snap   *backend.Snapshot
		before *mkey
		gen    int
	}
	reads := make([]read, len(keys))
	for i, k := range keys {
		reads[i].ver, reads[i].snap = r.snapshot(k)
		reads[i].before, reads[i].gen = r.m[k].clone(), r.gen[k]
	}
	r.interfere(keys...)
	var undo []undoEntry
	for i, k := range keys {
		err := r.s.Delete(r.ctx(), r.bucket, k, backend.DeleteOptions{IfVersion: reads[i].ver})
		if r.check("bulk delete "+k, err, r.deleteWant(k, reads[i].gen)) {
			delete(r.m, k)
			if reads[i].snap != nil {
				undo = append(undo, undoEntry{key: k, snap: *reads[i].snap, opts: backend.RestoreOptions{IfAbsent: true}, val: reads[i].before})
			}
		}
	}
	if len(undo) > 0 || r.res == nil {
		r.undo = undo
	}
	r.verify(keys...)
	return true
}

func (r *randomRun) opTTL() bool {
	keys := r.present(nil)
	if len(keys) == 0 {
		return false
	}
	key := r.pick(keys)
	r.get(key)
	mk := r.m[key]
	var ttl time.Duration
	what := "persist"
	switch n := r.rng.IntN(10); {
	case n < 4:
		ttl, what = r.ttlChoice(), "set ttl"
	case n < 7 && mk.ttl > 0:
		ttl, what = mk.ttl, "refresh ttl"
	case n < 7:
		ttl, what = r.ttlChoice(), "set ttl"
	}
	r.interfere(key)
	want := wantSuccess
	if r.m[key] == nil {
		want = wantNotFound
	}
	err := r.s.Expire(r.ctx(), r.bucket, key, ttl)
	if r.check(fmt.Sprintf("%s %s %v", what, key, ttl), err, want) {
		// The TTL applies to the key as it is now, whoever wrote it.
		cur := r.m[key]
		cur.exp, cur.ttl = time.Time{}, 0
		if ttl > 0 {
			cur.exp, cur.ttl = time.Now().Add(ttl), ttl
		}
		r.touched(key)
	}
	r.verify(key)
	return true
}

func (r *randomRun) opUndo() bool {
	if len(r.undo) == 0 {
		return false
	}
	undo := r.undo
	r.undo = nil
	var keys []string
	for _, u := range undo {
		keys = append(keys, u.key)
	}
	r.interfere(keys...)
	for _, u := range undo {
		want := wantSuccess
		switch {
		case u.opts.IfAbsent && r.m[u.key] != nil:
			want = wantConflict
		case u.opts.IfVersion != "" && (r.gen[u.key] != u.gen || r.m[u.key] == nil):
			want = wantConflict
		}
		_, err := r.res.Restore(r.ctx(), r.bucket, u.snap, u.opts)
		if r.check(fmt.Sprintf("undo %s (restore %+v)", u.key, u.opts), err, want) {
			r.m[u.key] = u.val.clone()
		}
	}
	r.touched(keys...)
	r.verify(keys...)
	return true
}

func (r *randomRun) opRename() bool {
	from, to := r.present(nil), r.absent()
	if len(from) == 0 || len(to) == 0 {
		return false
	}
	src, dst := r.pick(from), r.pick(to)
	r.get(src)
	r.interfere(src, dst)
	want := wantSuccess
	switch {
	case r.m[dst] != nil && r.m[src] == nil:
		want = wantRefused
	case r.m[dst] != nil:
		want = wantConflict
	case r.m[src] == nil:
		want = wantNotFound
	}
	err := r.ren.Rename(r.ctx(), r.bucket, src, dst)
	if r.check(fmt.Sprintf("rename %s -> %s", src, dst), err, want) {
		r.m[dst] = r.m[src]
		delete(r.m, src)
		r.touched(src, dst)
	}
	r.verify(src, dst)
	return true
}

// opOther is the other client writing on its own, outside any kvdeck
// read-write pair.
func (r *randomRun) opOther() bool {
	key := r.pick(r.keys)
	r.otherWrite(key)
	r.verify(key)
	return true
}

// opElement edits one element of a collection, as the element view does:
// read the collection, pick an element, write it conditionally.
func (r *randomRun) opElement() bool {
	keys := r.present(isCollection)
	if len(keys) == 0 {
		return false
	}
	key := r.pick(keys)
	mk := r.m[key]
	els := readAll(r.t, r.ctx(), r.c, r.bucket, key)
	r.compareElements(key, mk, els, "kvdeck's Elements")
	v := r.unique("u")
	n := r.rng.IntN(10)
	var old *backend.Element
	var el backend.Element
	var action string // set, add, remove, push, pushfront
	if len(els) > 0 {
		e := els[r.rng.IntN(len(els))]
		old = &e
	}
	switch mk.kind {
	case backend.KindHash:
		switch {
		case old == nil || n < 2:
			action, old, el = "add", nil, backend.Element{Field: r.unique("f"), Value: []byte(v)}
		case n < 3:
			action, el = "set", *old
		case n < 6:
			action, el = "set", backend.Element{Field: old.Field, Value: []byte(v)}
		case n < 7:
			// Rename the field, keeping its value.
			action, el = "set", backend.Element{Field: r.unique("f"), Value: old.Value}
		default:
			action = "remove"
		}
	case backend.KindList:
		switch {
		case old == nil || n < 2:
			action = "push"
		case n < 3:
			action = "pushfront"
		case n < 4:
			action, el = "set", *old
		case n < 7:
			action, el = "set", backend.Element{Index: old.Index, Value: []byte(v)}
		default:
			action = "remove"
		}
	case backend.KindSet:
		switch {
		case old == nil || n < 3:
			action, old, el = "add", nil, backend.Element{Value: []byte(v)}
		case n < 4:
			action, el = "set", *old
		case n < 7:
			action, el = "set", backend.Element{Value: []byte(v)}
		default:
			action = "remove"
		}
	case backend.KindZSet:
		score := float64(r.seq) + 0.5
		switch {
		case old == nil || n < 2:
			action, old, el = "add", nil, backend.Element{Value: []byte(v), Score: score}
		case n < 3:
			action, el = "set", *old
		case n < 5:
			action, el = "set", backend.Element{Value: old.Value, Score: score}
		case n < 7:
			action, el = "set", backend.Element{Value: []byte(v), Score: old.Score}
		default:
			action = "remove"
		}
	case backend.KindStream:
		if old == nil || n < 6 {
			action, old, el = "add", nil, backend.Element{Field: "*", Fields: []backend.Field{{Name: "f", Value: v}}}
		} else {
			action = "remove"
		}
	}
	r.interfere(key)
	cur := r.m[key]
	want := wantSuccess
	if cur == nil {
		want = wantNotFound
	} else if action != "push" && action != "pushfront" {
		want = elementWant(cur, action, old, el)
	}
	var w backend.ElementWrite
	var err error
	what := fmt.Sprintf("%s %v %s old %s new %s", action, mk.kind, key, showEl(old), showEl(&el))
	switch action {
	case "push", "pushfront":
		w, err = r.c.PushElement(r.ctx(), r.bucket, key, []byte(v), action == "pushfront")
	case "remove":
		w, err = r.c.RemoveElement(r.ctx(), r.bucket, key, mk.kind, *old)
	default:
		w, err = r.c.SetElement(r.ctx(), r.bucket, key, mk.kind, old, el)
	}
	if r.check(what, err, want) {
		before := cur.clone()
		r.applyElement(key, cur, action, old, el, v)
		r.touched(key)
		if cur.kind == backend.KindStream && action == "add" && w.ID != cur.stream[len(cur.stream)-1].Field {
			r.fail("the stream entry added to %s has id %s, SetElement said %q", key, cur.stream[len(cur.stream)-1].Field, w.ID)
		}
		// A write with no exact element inverse keeps the whole key as it
		// was (taken atomically with the write): undo restores it only if
		// nobody changed the key since, or, when the key went with its
		// last element, only if it is still absent.
		if w.Before != nil && r.res != nil {
			u := undoEntry{key: key, snap: *w.Before, gen: r.gen[key], val: before}
			if r.m[key] == nil {
				u.opts.IfAbsent = true
			} else if w.Version == "" {
				r.fail("%s kept a copy for undo but no version to restore it against", what)
			} else {
				u.opts.IfVersion = w.Version
			}
			r.undo = []undoEntry{u}
		}
	}
	r.verify(key)
	return true
}

func showEl(e *backend.Element) string {
	if e == nil {
		return "nil"
	}
	return fmt.Sprintf("{%s %q %v #%d %v}", e.Field, e.Value, e.Score, e.Index, e.Fields)
}

// elementWant is the documented outcome of an element edit on the
// collection as it is now: the element as shown must still be there
// (ErrConflict when it changed, either error when it is gone) and an added
// or renamed-to member must be absent.
func elementWant(cur *mkey, action string, old *backend.Element, el backend.Element) outcome {
	switch cur.kind {
	case backend.KindHash:
		if action == "add" {
			if _, ok := cur.hash[el.Field]; ok {
				return wantConflict
			}
			return wantSuccess
		}
		v, ok := cur.hash[old.Field]
		switch {
		case !ok:
			return wantRefused
		case v != string(old.Value):
			return wantConflict
		}
		if action == "set" && el.Field != old.Field {
			if _, ok := cur.hash[el.Field]; ok {
				return wantConflict
			}
		}
	case backend.KindList:
		i := int(old.Index)
		switch {
		case i >= len(cur.list):
			return wantRefused
		case cur.list[i] != string(old.Value):
			return wantConflict
		}
	case backend.KindSet:
		if action == "add" {
			if cur.set[string(el.Value)] {
				return wantConflict
			}
			return wantSuccess
		}
		if !cur.set[string(old.Value)] {
			return wantRefused
		}
		if action == "set" && string(el.Value) != string(old.Value) && cur.set[string(el.Value)] {
			return wantConflict
		}
	case backend.KindZSet:
		if action == "add" {
			if _, ok := cur.zset[string(el.Value)]; ok {
				return wantConflict
			}
			return wantSuccess
		}
		score, ok := cur.zset[string(old.Value)]
		switch {
		case !ok:
			return wantRefused
		case score != old.Score:
			return wantConflict
		}
		if action == "set" && string(el.Value) != string(old.Value) {
			if _, ok := cur.zset[string(el.Value)]; ok {
				return wantConflict
			}
		}
	case backend.KindStream:
		if action == "add" {
			return wantSuccess
		}
		if !slices.ContainsFunc(cur.stream, func(e backend.Element) bool { return e.Field == old.Field }) {
			return wantRefused
		}
	}
	return wantSuccess
}

// applyElement records a successful element edit in the model.
func (r *randomRun) applyElement(key string, cur *mkey, action string, old *backend.Element, el backend.Element, v string) {
	switch cur.kind {
	case backend.KindHash:
		if old != nil {
			delete(cur.hash, old.Field)
		}
		if action != "remove" {
			cur.hash[el.Field] = string(el.Value)
		}
	case backend.KindList:
		switch action {
		case "push":
			cur.list = append(cur.list, v)
		case "pushfront":
			cur.list = append([]string{v}, cur.list...)
		case "remove":
			cur.list = slices.Delete(cur.list, int(old.Index), int(old.Index)+1)
		default:
			cur.list[old.Index] = string(el.Value)
		}
	case backend.KindSet:
		if old != nil {
			delete(cur.set, string(old.Value))
		}
		if action != "remove" {
			cur.set[string(el.Value)] = true
		}
	case backend.KindZSet:
		if old != nil {
			delete(cur.zset, string(old.Value))
		}
		if action != "remove" {
			cur.zset[string(el.Value)] = el.Score
		}
	case backend.KindStream:
		if action == "remove" {
			cur.stream = slices.DeleteFunc(cur.stream, func(e backend.Element) bool { return e.Field == old.Field })
		} else {
			cur.stream = r.adoptStreamAdd(key, cur.stream, el.Fields)
		}
	}
	if cur.size() == 0 && cur.kind != backend.KindStream {
		delete(r.m, key)
	}
}

// compareElements checks a whole collection read (by kvdeck or the other
// client) against the model.
func (r *randomRun) compareElements(key string, mk *mkey, els []backend.Element, who string) {
	r.t.Helper()
	var got, want string
	switch mk.kind {
	case backend.KindHash:
		m := map[string]string{}
		for _, e := range els {
			m[e.Field] = string(e.Value)
		}
		got, want = sprint(m), sprint(mk.hash)
	case backend.KindList:
		var l []string
		for i, e := range els {
			if e.Index != int64(i) {
				r.fail("%s of list %s: item %d has index %d", who, key, i, e.Index)
			}
			l = append(l, string(e.Value))
		}
		got, want = sprint(l), sprint(mk.list)
	case backend.KindSet:
		var l []string
		for _, e := range els {
			l = append(l, string(e.Value))
		}
		got, want = sprint(sorted(l)), sprint(sorted(slices.Collect(maps.Keys(mk.set))))
	case backend.KindZSet:
		m := map[string]float64{}
		for _, e := range els {
			m[string(e.Value)] = e.Score
		}
		got, want = sprint(m), sprint(mk.zset)
	case backend.KindStream:
		got, want = showStream(els), showStream(mk.stream)
	}
	if got != want {
		r.fail("%s of %v %s: %s, the model holds %s", who, mk.kind, key, got, want)
	}
}

func showStream(els []backend.Element) string {
	var b strings.Builder
	for _, e := range els {
		fmt.Fprintf(&b, "%s%q ", e.Field, e.Fields)
	}
	return b.String()
}

// verify compares keys in the store with the model: the value through the
// other client, the expiry through kvdeck. After a passing check the
// model takes the expiry read, so a store that rounds a kept TTL (NATS
// counts whole seconds) is held to one rounding per write, not a sum.
func (r *randomRun) verify(keys ...string) {
	r.t.Helper()
	t := r.t
	for _, key := range slices.Compact(slices.Sorted(slices.Values(keys))) {
		mk := r.m[key]
		if r.co != nil {
			kind := r.co.Type(t, key)
			switch {
			case mk == nil && kind != backend.KindUnknown:
				r.fail("%s exists as a %v, the model has no such key", key, kind)
			case mk != nil && kind != mk.kind:
				r.fail("%s is a %v (KindUnknown: missing), the model holds a %v", key, kind, mk.kind)
			}
		}
		if mk == nil || mk.kind == backend.KindString {
			v, ok := r.o.Get(t, key)
			switch {
			case mk == nil && ok:
				r.fail("%s holds %q, the model has no such key", key, v)
			case mk != nil && !ok:
				r.fail("%s is missing, the model holds %q", key, mk.str)
			case mk != nil && string(v) != mk.str:
				r.fail("%s holds %q, the model holds %q", key, v, mk.str)
			}
		} else {
			var els []backend.Element
			switch mk.kind {
			case backend.KindHash:
				for f, v := range r.co.HGetAll(t, key) {
					els = append(els, backend.Element{Field: f, Value: []byte(v)})
				}
			case backend.KindList:
				for i, v := range r.co.LRange(t, key) {
					els = append(els, backend.Element{Index: int64(i), Value: []byte(v)})
				}
			case backend.KindSet:
				for _, v := range r.co.SMembers(t, key) {
					els = append(els, backend.Element{Value: []byte(v)})
				}
			case backend.KindZSet:
				for m, s := range r.co.ZScores(t, key) {
					els = append(els, backend.Element{Value: []byte(m), Score: s})
				}
			case backend.KindStream:
				els = r.co.XRange(t, key)
			}
			r.compareElements(key, mk, els, "the other client's read")
		}
		e, err := r.s.Get(r.ctx(), r.bucket, key, backend.GetOptions{MaxBytes: -1})
		if mk == nil {
			if !errors.Is(err, backend.ErrNotFound) {
				r.fail("kvdeck's Get(%s) of a key the model does not hold: %v", key, err)
			}
			continue
		}
		if err != nil {
			r.fail("kvdeck's Get(%s): %v", key, err)
		}
		if e.Kind != mk.kind {
			r.fail("kvdeck's Get(%s) says it is a %v, the model holds a %v", key, e.Kind, mk.kind)
		}
		if mk.kind == backend.KindString && string(e.Value) != mk.str {
			r.fail("kvdeck's Get(%s) = %q, the store holds %q", key, e.Value, mk.str)
		}
		switch {
		case mk.exp.IsZero() && !e.ExpiresAt.IsZero():
			r.fail("%s expires in %v, the model has no TTL", key, time.Until(e.ExpiresAt).Round(time.Second))
		case !mk.exp.IsZero() && e.ExpiresAt.IsZero():
			r.fail("%s has no TTL, the model expires it in %v", key, time.Until(mk.exp).Round(time.Second))
		case !mk.exp.IsZero():
			if d := e.ExpiresAt.Sub(mk.exp); d < -r.tol || d > r.tol {
				r.fail("%s expires at %v, the model at %v (%v apart, tolerance %v)", key,
					e.ExpiresAt.Format(time.TimeOnly), mk.exp.Format(time.TimeOnly), d.Round(time.Millisecond), r.tol)
			}
			mk.exp = e.ExpiresAt
		}
	}
}

// verifyAll compares the whole key space and kvdeck's listing with the
// model.
func (r *randomRun) verifyAll() {
	r.t.Helper()
	r.verify(r.keys...)
	var listed []string
	err := r.s.Keys(r.ctx(), r.bucket, backend.Query{}, func(b []backend.KeyInfo) error {
		for _, k := range b {
			listed = append(listed, k.Name)
		}
		return nil
	})
	if err != nil {
		r.fail("Keys: %v", err)
	}
	slices.Sort(listed)
	if want := r.present(nil); !slices.Equal(listed, want) {
		r.fail("kvdeck lists %q, the model holds %q", listed, want)
	}
}
