package sshtunnel

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	t.Setenv("USER", "alice")
	for _, c := range []struct {
		in   string
		want Target
	}{
		{"bob@bastion", Target{"bob", "bastion", 22}},
		{"bob@bastion:2222", Target{"bob", "bastion", 2222}},
		{"bastion", Target{"alice", "bastion", 22}},
		{"bastion:2200", Target{"alice", "bastion", 2200}},
		{"ssh://bob@bastion:22", Target{"bob", "bastion", 22}},
		{"root@127.0.0.1:40022", Target{"root", "127.0.0.1", 40022}},
		{"bob@[::1]:2222", Target{"bob", "::1", 2222}},
		{"bob@[fe80::1]", Target{"bob", "fe80::1", 22}},
		{"bob@fe80::1", Target{"bob", "fe80::1", 22}},
		{"first.last@corp.example@bastion", Target{"first.last@corp.example", "bastion", 22}},
		{"  bob@bastion  ", Target{"bob", "bastion", 22}},
	} {
		got, err := Parse(c.in)
		if err != nil || got != c.want {
			t.Errorf("Parse(%q) = %+v, %v; want %+v", c.in, got, err, c.want)
		}
	}
	if s := (Target{"bob", "::1", 2222}).String(); s != "bob@[::1]:2222" {
		t.Errorf("String = %q", s)
	}
}

func TestParseErrors(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", "empty"},
		{"bob@", "no host"},
		{"@bastion", "user before @ is empty"},
		{"bob@bastion:", "port after bastion: is empty"},
		{"bob@bastion:ssh", `port "ssh"`},
		{"bob@bastion:0", "1 to 65535"},
		{"bob@bastion:70000", "1 to 65535"},
		{"bob@[::1", "closing ]"},
		{"bob@[::1]x", "after ]"},
		{"bob@-oProxyCommand=x", "starts with '-'"},
		{"bob@bas tion", "space"},
		{"bob:s3cr3t-pass@bastion", "password does not belong"},
	} {
		_, err := Parse(c.in)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Parse(%q) = %v, want an error with %q", c.in, err, c.want)
		}
		if err != nil && strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("Parse(%q) error shows the password: %v", c.in, err)
		}
	}
}
