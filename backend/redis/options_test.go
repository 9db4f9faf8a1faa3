package redis

import (
	"errors"
	"strings"
	"testing"

	"github.com/kvdeck/kvdeck/backend"
)

func TestParseURLReadsEveryForm(t *testing.T) {
	cases := []struct {
		url  string
		want func(Options) bool
	}{
		{"redis://localhost:6379/2", func(o Options) bool { return o.Addrs[0] == "localhost:6379" && o.DB == 2 && !o.TLS.Enabled }},
		{"redis://h", func(o Options) bool { return o.Addrs[0] == "h:6379" && o.DB == 0 }},
		{"redis://user:pw@h", func(o Options) bool { return o.Addrs[0] == "h:6379" && o.Username == "user" && o.Password == "pw" }},
		{"redis://:pw@h:1", func(o Options) bool { return o.Password == "pw" && o.Username == "" }},
		// As redis-cli reads it: a lone user part is the password.
		{"redis://secret@h:1", func(o Options) bool { return o.Password == "secret" && o.Username == "" }},
		{"redis://u:p%40ss@h:1", func(o Options) bool { return o.Password == "p@ss" }},
		{"rediss://h:6380/1", func(o Options) bool { return o.TLS.Enabled && o.DB == 1 }},
		{"unix:///run/redis.sock?db=3", func(o Options) bool { return o.Network == "unix" && o.Addrs[0] == "/run/redis.sock" && o.DB == 3 }},
		{"unix:///run/redis.sock", func(o Options) bool { return o.Network == "unix" && o.DB == 0 }},
		{"redis://a:1?addr=b:2&addr=c:3", func(o Options) bool { return len(o.Addrs) == 3 && o.Addrs[1] == "b:2" && o.Addrs[2] == "c:3" }},
		{"redis+sentinel://s1:26379,s2:26379/mymaster/1", func(o Options) bool {
			return o.MasterName == "mymaster" && len(o.SentinelAddrs) == 2 && o.SentinelAddrs[1] == "s2:26379" && o.DB == 1
		}},
		{"redis+sentinel://u:pw@s1,s2/m?sentinel_password=sp", func(o Options) bool {
			return o.MasterName == "m" && o.SentinelAddrs[0] == "s1:26379" && o.Username == "u" && o.Password == "pw" && o.SentinelPassword == "sp" && o.DB == 0
		}},
	}
	for _, c := range cases {
		o, err := ParseURL(c.url)
		if err != nil || !c.want(o) {
			t.Errorf("ParseURL(%q) = %+v, %v", c.url, o, err)
		}
	}
}

func TestParseURLRefusesBadInputWithoutShowingThePassword(t *testing.T) {
	for _, bad := range []string{
		"http://x", "redis://h/notanumber", "redis://h/-1", "unix://", "redis+sentinel://s1:26379",
		"redis+sentinel:///mymaster", "redis://h?addr=nocolon", "redis://h?db=x",
		"redis://u:hunter2@h:port", "redis://u:hunter2@h/x",
	} {
		_, err := ParseURL(bad)
		if !errors.Is(err, backend.ErrInvalid) {
			t.Errorf("ParseURL(%q): %v, want ErrInvalid", bad, err)
			continue
		}
		oneLine(t, bad, err, "hunter2")
	}
}

func TestAddressIsMasked(t *testing.T) {
	cases := map[string]string{
		"redis://admin:hunter2@db:6379":                       "redis://admin:***@db:6379",
		"redis://hunter2@db:6379":                             "redis://:***@db:6379",
		"rediss://:hunter2@db:6380":                           "rediss://:***@db:6380",
		"redis+sentinel://:hunter2@s1:26379,s2:26379/primary": "redis+sentinel://:***@s1:26379,s2:26379/primary",
		"unix:///run/redis.sock":                              "unix:///run/redis.sock",
		"redis://db:1?addr=db2:2":                             "redis://db:1,db2:2",
	}
	for in, want := range cases {
		o, err := ParseURL(in)
		if err != nil {
			t.Fatal(err)
		}
		if got := o.address(); got != want || strings.Contains(got, "hunter2") {
			t.Errorf("address of %q = %q, want %q", in, got, want)
		}
	}
}
