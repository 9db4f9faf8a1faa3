package backend

import "testing"

func TestGlobFollowsRedis(t *testing.T) {
	cases := []struct {
		pat, name string
		want      bool
	}{
		{"user:*", "user:1:profile", true},
		{"user:*:profile", "user:42:profile", true},
		{"user:*:profile", "user:42:prefs", false},
		{"h?llo", "hello", true},
		{"h[ae]llo", "hallo", true},
		{"h[^e]llo", "hello", false},
		{"h[a-b]llo", "hbllo", true},
		{`a\*b`, "a*b", true},
		{`a\*b`, "axb", false},
		{"*", "", true},
		{"flow.*", "flow.order.123", true},
	}
	for _, c := range cases {
		if got := MatchGlob(c.pat, c.name); got != c.want {
			t.Errorf("Glob(%q, %q) = %v, want %v", c.pat, c.name, got, c.want)
		}
	}
}

func TestSubjectWildcards(t *testing.T) {
	cases := []struct {
		f, n string
		want bool
	}{
		{"flow.>", "flow.order.123", true},
		{"flow.*", "flow.order.123", false},
		{"flow.*.123", "flow.order.123", true},
		{"flow.>", "flow", false},
		{"", "a.b", true},
		{"a.b", "a.b", true},
		{"a.b", "a.b.c", false},
	}
	for _, c := range cases {
		if got := MatchSubject(c.f, c.n); got != c.want {
			t.Errorf("Subject(%q, %q) = %v, want %v", c.f, c.n, got, c.want)
		}
	}
}
