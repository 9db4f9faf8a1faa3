package config

import (
	"testing"

	"github.com/kvdeck/kvdeck/backend/nats"
	"github.com/kvdeck/kvdeck/backend/redis"
)

func TestMaskedAddress(t *testing.T) {
	for _, tc := range []struct {
		c    Connection
		want string
	}{
		{Connection{URL: "redis://prod-redis.internal:6379/0", Username: "app"}, "redis app@prod-redis.internal:6379/0"},
		{Connection{URL: "redis://h", Cluster: true}, "redis h:6379 (cluster)"},
		{Connection{URL: "redis://h:7000?db=2"}, "redis h:7000/2"},
		{Connection{URL: "rediss://h:6380"}, "redis h:6380 (TLS)"},
		{Connection{URL: "unix:///run/redis.sock?db=1"}, "redis /run/redis.sock db 1"},
		{Connection{URL: "redis+sentinel://s1:26379,s2:26379/mymaster/3"}, "redis sentinel mymaster at s1:26379,s2:26379/3"},
		{Connection{URL: "redis://h:6379", SentinelMaster: "m"}, "redis h:6379 sentinel m"},
		{Connection{URL: "nats://a,b:5222,tls://c"}, "nats a:4222, b:5222, tls://c:4222"},
		{Connection{URL: "wss://ws.example.com/nats"}, "nats wss://ws.example.com"},
		{Connection{Context: "prod", SSH: "deploy@bastion:22"}, "nats context prod via ssh deploy@bastion"},
		{Connection{URL: "redis://h", SSH: "deploy@bastion:2222"}, "redis h:6379 via ssh deploy@bastion:2222"},
		{Connection{Path: "~/kvdeck/scratch.db"}, "local ~/kvdeck/scratch.db"},
		// An invalid connection (never loaded, never put) still shows no
		// secret.
		{Connection{URL: "redis://u:hunter2@h:1/0"}, "redis h:1/0"},
		{Connection{URL: "nats://hunter2@h"}, "nats h:4222"},
		{Connection{URL: "http://u:hunter2@h?token=hunter2&a=b"}, "http://u@h?a=b"},
	} {
		if got := MaskedAddress(tc.c); got != tc.want {
			t.Errorf("%+v:\n got %q\nwant %q", tc.c, got, tc.want)
		}
	}
}

func TestMaskTarget(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"redis://h:6379/0", "redis://h:6379/0"},
		{"redis://app:hunter2@h:6379/0", "redis://app@h:6379/0"},
		{"redis://hunter2@h", "redis://h"},
		{"redis://:hunter2@h", "redis://h"},
		{"nats://hunter2@a:4222,u:hunter2@b:4222,c", "nats://a:4222,u@b:4222,c"},
		{"redis+sentinel://h/m?sentinel_password=hunter2&db=1", "redis+sentinel://h/m?db=1"},
		{"redis://u:hun%zzter2@h", "redis://h"}, // does not parse: all before @ goes
		{"/home/me/a@b:c.db", "/home/me/a@b:c.db"},
		{"file:///srv/kv.db", "file:///srv/kv.db"},
	} {
		if got := maskTarget(tc.in); got != tc.want {
			t.Errorf("%q: got %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestWithoutPassword: a recent target keeps its user as user:@, which
// kvdeck's own parsers read as that user with no password, and cleaning it
// again changes nothing.
func TestWithoutPassword(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"redis://app:hunter2@h:6379/0", "redis://app:@h:6379/0"},
		{"redis://hunter2@h", "redis://h"},
		{"nats://hunter2@a,u:hunter2@b", "nats://a,u:@b"},
		{"/srv/kv.db", "/srv/kv.db"},
	} {
		got := withoutPassword(tc.in)
		if got != tc.want || withoutPassword(got) != got {
			t.Errorf("%q: got %q (again: %q), want %q", tc.in, got, withoutPassword(got), tc.want)
		}
	}
	o, err := redis.ParseURL(withoutPassword("redis://app:hunter2@h:6379/0"))
	if err != nil || o.Username != "app" || o.Password != "" {
		t.Errorf("redis.ParseURL: user %q password %q, %v", o.Username, o.Password, err)
	}
	n, err := nats.ParseURL(withoutPassword("nats://u:hunter2@b"))
	if err != nil || n.User != "u" || n.Password != "" || n.Token != "" {
		t.Errorf("nats.ParseURL: user %q password %q token %q, %v", n.User, n.Password, n.Token, err)
	}
}
