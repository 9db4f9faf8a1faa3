package nats

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/kvdeck/kvdeck/backend"
)

func TestParseURL(t *testing.T) {
	cases := []struct {
		raw      string
		servers  []string
		user     string
		password string
		token    string
	}{
		{raw: "nats://host:4222", servers: []string{"nats://host:4222"}},
		{raw: "nats://host", servers: []string{"nats://host:4222"}},
		{raw: "nats://alice:s3cret@host:4333", servers: []string{"nats://host:4333"}, user: "alice", password: "s3cret"},
		{raw: "nats://tok3n@host", servers: []string{"nats://host:4222"}, token: "tok3n"},
		{raw: "tls://host:4443", servers: []string{"tls://host:4443"}},
		{raw: "nats://a:4222,nats://b:4223", servers: []string{"nats://a:4222", "nats://b:4223"}},
		{raw: "tls://a:1, b:2", servers: []string{"tls://a:1", "tls://b:2"}},
		{raw: "ws://h:8080", servers: []string{"ws://h:8080"}},
	}
	for _, c := range cases {
		o, err := ParseURL(c.raw)
		if err != nil {
			t.Errorf("ParseURL(%q): %v", c.raw, err)
			continue
		}
		if !slices.Equal(o.Servers, c.servers) || o.User != c.user || o.Password != c.password || o.Token != c.token {
			t.Errorf("ParseURL(%q) = servers %v user %q password %q token %q; want %v %q %q %q",
				c.raw, o.Servers, o.User, o.Password, o.Token, c.servers, c.user, c.password, c.token)
		}
		for _, srv := range o.Servers {
			if strings.Contains(srv, "@") {
				t.Errorf("ParseURL(%q): server %q keeps credentials", c.raw, srv)
			}
		}
	}
}

func TestParseURLRefusesBadInput(t *testing.T) {
	for _, raw := range []string{"", "http://host:4222", "nats://", "nats://:4222", "redis://h"} {
		_, err := ParseURL(raw)
		if !errors.Is(err, backend.ErrInvalid) {
			t.Errorf("ParseURL(%q) = %v, want ErrInvalid", raw, err)
		}
	}
}

func TestAddressMasksSecrets(t *testing.T) {
	for raw, want := range map[string]string{
		"nats://alice:s3cret@host:4222":   "nats://alice:***@host:4222",
		"nats://tok3n@host:4222":          "nats://***@host:4222",
		"nats://a:4222,nats://b:4222":     "nats://a:4222 (+1 more)",
		"tls://bob:pw@h:1,nats://c:2,d:3": "tls://bob:***@h:1 (+2 more)",
	} {
		o, err := ParseURL(raw)
		if err != nil {
			t.Fatalf("ParseURL(%q): %v", raw, err)
		}
		if got := o.address(); got != want {
			t.Errorf("address of %q = %q, want %q", raw, got, want)
		}
	}
}
