package redis

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/kvdeck/kvdeck/backend/redis/redistest"
)

// elements pages through a whole collection, count at a time.
func elements(t *testing.T, s *Store, key string, count int) []backend.Element {
	t.Helper()
	var all []backend.Element
	cursor := ""
	for pages := 0; ; pages++ {
		p, err := s.Elements(ctxT(t), "0", key, cursor, count)
		must(t, err)
		all = append(all, p.Elements...)
		if p.Done {
			if p.Cursor != "" {
				t.Fatalf("the last page of %s has cursor %q", key, p.Cursor)
			}
			return all
		}
		if pages > 100_000 {
			t.Fatalf("paging %s never ends", key)
		}
		cursor = p.Cursor
	}
}

func TestEveryTypeReadsAndEdits(t *testing.T) {
	srv := redistest.Start(t)
	s := open(t, srv.URL(), false)
	ctx := ctxT(t)
	create := map[backend.Kind]backend.Element{
		backend.KindString: {Value: []byte("hello")},
		backend.KindHash:   {Field: "name", Value: []byte("ada")},
		backend.KindList:   {Value: []byte("first")},
		backend.KindSet:    {Value: []byte("m1")},
		backend.KindZSet:   {Value: []byte("alice"), Score: 42},
		backend.KindStream: {Fields: []backend.Field{{Name: "event", Value: "signup"}}},
	}
	for kind, el := range create {
		key := "k:" + kind.String()
		ok(t)(s.CreateKey(ctx, "0", key, kind, el, time.Hour))
		if _, err := s.CreateKey(ctx, "0", key, kind, el, 0); !errors.Is(err, backend.ErrConflict) {
			t.Fatalf("creating an existing %s: %v, want ErrConflict", kind, err)
		}
		e, err := s.Get(ctx, "0", key, backend.GetOptions{})
		if err != nil || e.Kind != kind || e.ExpiresAt.IsZero() || meta(e, "encoding") == "" {
			t.Fatalf("%s: %v %+v", kind, err, e)
		}
		if kind.IsCollection() && (e.Size != 1 || len(e.Value) != 0) {
			t.Fatalf("%s: a collection's Get gives its size (%d) and no value (%d bytes)", kind, e.Size, len(e.Value))
		}
	}
	if _, err := s.CreateKey(ctx, "0", "k:json", backend.KindJSON, backend.Element{Value: []byte(`{}`)}, 0); !errors.Is(err, backend.ErrUnsupported) {
		t.Fatalf("a RedisJSON key without the module: %v, want ErrUnsupported", err)
	}

	ok(t)(s.SetElement(ctx, "0", "k:hash", backend.KindHash, nil, backend.Element{Field: "lang", Value: []byte("en")}))
	ok(t)(s.SetElement(ctx, "0", "k:hash", backend.KindHash, &backend.Element{Field: "name", Value: []byte("ada")}, backend.Element{Field: "name", Value: []byte("grace")}))
	ok(t)(s.PushElement(ctx, "0", "k:list", []byte("second"), false))
	ok(t)(s.PushElement(ctx, "0", "k:list", []byte("zeroth"), true))
	ok(t)(s.SetElement(ctx, "0", "k:list", backend.KindList, &backend.Element{Index: 1, Value: []byte("first")}, backend.Element{Index: 1, Value: []byte("FIRST")}))
	ok(t)(s.SetElement(ctx, "0", "k:set", backend.KindSet, nil, backend.Element{Value: []byte("m2")}))
	ok(t)(s.SetElement(ctx, "0", "k:zset", backend.KindZSet, &backend.Element{Value: []byte("alice"), Score: 42}, backend.Element{Value: []byte("alice"), Score: 7}))
	ok(t)(s.SetElement(ctx, "0", "k:zset", backend.KindZSet, nil, backend.Element{Value: []byte("bob"), Score: 9}))
	ok(t)(s.SetElement(ctx, "0", "k:stream", backend.KindStream, nil, backend.Element{Fields: []backend.Field{{Name: "z", Value: "1"}, {Name: "a", Value: "2"}}}))

	hash := elements(t, s, "k:hash", 100)
	slices.SortFunc(hash, func(a, b backend.Element) int { return strings.Compare(a.Field, b.Field) })
	if len(hash) != 2 || hash[0].Field != "lang" || string(hash[1].Value) != "grace" {
		t.Fatalf("hash fields: %+v", hash)
	}
	if l := elements(t, s, "k:list", 100); len(l) != 3 || string(l[0].Value) != "zeroth" || string(l[1].Value) != "FIRST" || string(l[2].Value) != "second" || l[2].Index != 2 {
		t.Fatalf("list: %+v", l)
	}
	if z := elements(t, s, "k:zset", 100); len(z) != 2 || string(z[0].Value) != "alice" || z[0].Score != 7 || z[1].Score != 9 {
		t.Fatalf("zset (rescored alice 42 to 7): %+v", z)
	}
	st := elements(t, s, "k:stream", 100)
	if len(st) != 2 || st[0].Field == "" || st[0].Fields[0].Value != "signup" {
		t.Fatalf("stream: %+v", st)
	}
	if f := st[1].Fields; len(f) != 2 || f[0].Name != "z" || f[1].Name != "a" {
		t.Fatalf("stream entry fields %+v, want z then a as written", f)
	}

	ok(t)(s.RemoveElement(ctx, "0", "k:hash", backend.KindHash, backend.Element{Field: "name", Value: []byte("grace")}))
	ok(t)(s.RemoveElement(ctx, "0", "k:set", backend.KindSet, backend.Element{Value: []byte("m1")}))
	ok(t)(s.RemoveElement(ctx, "0", "k:zset", backend.KindZSet, backend.Element{Value: []byte("bob"), Score: 9}))
	ok(t)(s.RemoveElement(ctx, "0", "k:list", backend.KindList, backend.Element{Value: []byte("zeroth"), Index: 0}))
	ok(t)(s.RemoveElement(ctx, "0", "k:stream", backend.KindStream, backend.Element{Field: st[0].Field}))
	if len(elements(t, s, "k:hash", 10)) != 1 || len(elements(t, s, "k:set", 10)) != 1 || len(elements(t, s, "k:zset", 10)) != 1 ||
		len(elements(t, s, "k:list", 10)) != 2 || len(elements(t, s, "k:stream", 10)) != 1 {
		t.Fatal("an element was not removed")
	}
	if _, err := s.RemoveElement(ctx, "0", "k:hash", backend.KindHash, backend.Element{Field: "nope"}); !errors.Is(err, backend.ErrConflict) {
		t.Fatalf("removing a field that is not there: %v, want ErrConflict", err)
	}
	// Element edits keep the key's TTL.
	c := srv.Client()
	defer c.Close()
	for kind := range create {
		if d := pttl(t, c, "k:"+kind.String()); d < 59*time.Minute {
			t.Errorf("%s lost its TTL to element edits: %v", kind, d)
		}
	}
	// Bad input is named.
	if _, err := s.SetElement(ctx, "0", "k:list", backend.KindList, &backend.Element{Index: 99, Value: []byte("x")}, backend.Element{Index: 99, Value: []byte("y")}); !errors.Is(err, backend.ErrConflict) {
		t.Fatalf("setting an item past the end: %v, want ErrConflict", err)
	}
	if _, err := s.SetElement(ctx, "0", "k:stream", backend.KindStream, nil, backend.Element{Field: "1-1", Fields: []backend.Field{{Name: "a", Value: "b"}}}); !errors.Is(err, backend.ErrInvalid) {
		t.Fatalf("XADD with an old id: %v", err)
	}
	if _, err := s.SetElement(ctx, "0", "k:string", backend.KindHash, nil, backend.Element{Field: "f", Value: []byte("v")}); !errors.Is(err, backend.ErrConflict) || !strings.Contains(err.Error(), "string") {
		t.Fatalf("a hash field on a string: %v, want ErrConflict naming the type", err)
	}
	if _, err := s.Elements(ctx, "0", "k:string", "", 10); !errors.Is(err, backend.ErrUnsupported) {
		t.Fatalf("Elements of a string: %v", err)
	}
}

func TestRemovingAListItemRemovesThatPosition(t *testing.T) {
	srv := redistest.Start(t)
	s := open(t, srv.URL(), false)
	c := srv.Client()
	defer c.Close()
	ctx := ctxT(t)
	// Defect 3: x y x z with the cursor on index 2 removed the first x.
	must(t, c.RPush(ctx, "l", "x", "y", "x", "z").Err())
	ok(t)(s.RemoveElement(ctx, "0", "l", backend.KindList, backend.Element{Value: []byte("x"), Index: 2}))
	if got, _ := c.LRange(ctx, "l", 0, -1).Result(); !slices.Equal(got, []string{"x", "y", "z"}) {
		t.Fatalf("after removing the x at index 2: %v, want [x y z]", got)
	}
	// The item at that index is no longer the one shown: conflict, and
	// nothing removed.
	if _, err := s.RemoveElement(ctx, "0", "l", backend.KindList, backend.Element{Value: []byte("x"), Index: 1}); !errors.Is(err, backend.ErrConflict) {
		t.Fatalf("removing an item that moved: %v, want ErrConflict", err)
	}
	if got, _ := c.LRange(ctx, "l", 0, -1).Result(); !slices.Equal(got, []string{"x", "y", "z"}) {
		t.Fatalf("after a refused removal: %v", got)
	}
}

func TestPagingLargeCollectionsYieldsEachElementOnce(t *testing.T) {
	srv := redistest.Start(t)
	s := open(t, srv.URL(), false)
	c := srv.Client()
	defer c.Close()
	ctx := ctxT(t)
	const n = 5000
	p := c.Pipeline()
	for i := range n {
		m := fmt.Sprintf("m%05d", i)
		p.HSet(ctx, "hash", m, i)
		p.RPush(ctx, "list", m)
		p.SAdd(ctx, "set", m)
		p.ZAdd(ctx, "zset", goredis.Z{Score: float64(i), Member: m})
		p.XAdd(ctx, &goredis.XAddArgs{Stream: "stream", ID: fmt.Sprintf("%d-1", i+1), Values: []any{"m", m}})
	}
	_, err := p.Exec(ctx)
	must(t, err)
	for _, key := range []string{"hash", "list", "set", "zset", "stream"} {
		first, err := s.Elements(ctx, "0", key, "", 100)
		must(t, err)
		if first.Done || len(first.Elements) == 0 || len(first.Elements) > 1000 {
			t.Fatalf("%s: the first page holds %d of %d elements (done %v): it must not load the whole", key, len(first.Elements), n, first.Done)
		}
		seen := map[string]bool{}
		for i, el := range elements(t, s, key, 100) {
			name := string(el.Value)
			switch key {
			case "hash":
				name = el.Field
			case "stream":
				name = el.Fields[0].Value
			}
			if key == "list" && el.Index != int64(i) {
				t.Fatalf("list element %d has index %d", i, el.Index)
			}
			if key == "zset" && fmt.Sprintf("m%05d", int(el.Score)) != name {
				t.Fatalf("zset member %s has score %v", name, el.Score)
			}
			seen[name] = true
		}
		if len(seen) != n {
			t.Fatalf("%s: paging saw %d distinct elements of %d", key, len(seen), n)
		}
	}
	if _, err := s.Elements(ctx, "0", "hash", "not-a-cursor", 10); !errors.Is(err, backend.ErrInvalid) {
		t.Fatalf("a bad cursor: %v", err)
	}
}
