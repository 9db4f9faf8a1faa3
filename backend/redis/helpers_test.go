package redis

import (
	"context"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/kvdeck/kvdeck/backend"
)

// open connects to url; the store is closed when the test ends.
func open(t testing.TB, url string, readOnly bool) *Store {
	t.Helper()
	o, err := ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	o.ReadOnly = readOnly
	s, err := Open(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// withUser puts user:password into a redis:// URL.
func withUser(url, user, password string) string {
	return strings.Replace(url, "redis://", "redis://"+user+":"+password+"@", 1)
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// listAll lists every key matching q, sorted.
func listAll(t testing.TB, s *Store, bucket string, q backend.Query) []string {
	t.Helper()
	var out []string
	err := s.Keys(ctxT(t), bucket, q, func(b []backend.KeyInfo) error {
		for _, k := range b {
			out = append(out, k.Name)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

// oneLine fails when err is nil, spans lines or shows a secret.
func oneLine(t testing.TB, what string, err error, secret string) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: no error", what)
	}
	if strings.Contains(err.Error(), "\n") {
		t.Fatalf("%s: the error spans lines: %q", what, err)
	}
	if secret != "" && strings.Contains(err.Error(), secret) {
		t.Fatalf("%s: the error shows the password: %q", what, err)
	}
}

// ok fails the test on the error of a call that also returns a result:
// ok(t)(s.Put(...)).
func ok(t testing.TB) func(any, error) any {
	return func(v any, err error) any {
		t.Helper()
		must(t, err)
		return v
	}
}

// errOf keeps the error of a call that also returns a result.
func errOf[T any](_ T, err error) error { return err }
