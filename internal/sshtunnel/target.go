// Package sshtunnel reaches a store through an SSH server (a bastion) as
// OpenSSH's ssh -L would: the host key is checked against known_hosts
// before anything else is sent, keys come from the agent and the usual
// identity files, and each store connection is a channel of one SSH
// connection (direct-tcpip, or streamlocal for a unix socket).
package sshtunnel

import (
	"fmt"
	"net"
	"os"
	"os/user"
	"strconv"
	"strings"
)

// Target is where the SSH server is and who to be there.
type Target struct {
	User string
	Host string
	Port int
}

// Addr is host:port, as dialled and as known_hosts names it.
func (t Target) Addr() string { return net.JoinHostPort(t.Host, strconv.Itoa(t.Port)) }

// String is user@host:port (IPv6 hosts in brackets).
func (t Target) String() string { return t.User + "@" + t.Addr() }

// Parse reads user@host[:port] (an ssh:// prefix is allowed). The port
// defaults to 22 and the user to $USER, else the current user. Errors
// never repeat the user part: a user who typed user:password@host would
// otherwise see the password in the message.
func Parse(spec string) (Target, error) {
	spec = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(spec), "ssh://"))
	if spec == "" {
		return Target{}, fmt.Errorf("ssh target is empty; use user@host or user@host:port")
	}
	if strings.ContainsAny(spec, " \t\r\n/\\") {
		return Target{}, fmt.Errorf("ssh target has a space or slash; use user@host or user@host:port")
	}
	t := Target{Port: 22}
	hostport := spec
	if at := strings.LastIndex(spec, "@"); at >= 0 {
		t.User, hostport = spec[:at], spec[at+1:]
		if strings.Contains(t.User, ":") {
			return Target{}, fmt.Errorf("ssh target: a password does not belong in the target (user:password@host); give user@host and kvdeck asks for the password")
		}
		if t.User == "" {
			return Target{}, fmt.Errorf("ssh target: the user before @ is empty; use user@host")
		}
	}
	host, port, err := splitHostPort(hostport)
	if err != nil {
		return Target{}, err
	}
	t.Host = host
	if port != "" {
		p, err := strconv.Atoi(port)
		if err != nil || p < 1 || p > 65535 {
			return Target{}, fmt.Errorf("ssh target: port %q is not a number from 1 to 65535", port)
		}
		t.Port = p
	}
	if strings.HasPrefix(t.Host, "-") {
		return Target{}, fmt.Errorf("ssh target: host %q starts with '-'", t.Host)
	}
	if t.User == "" {
		t.User = defaultUser()
		if t.User == "" {
			return Target{}, fmt.Errorf("ssh target: no user given and the current user is unknown; use user@%s", hostport)
		}
	}
	return t, nil
}

// splitHostPort takes host, host:port, [v6] or [v6]:port, and a bare IPv6
// address (more than one colon, no brackets) as a host without a port.
func splitHostPort(s string) (host, port string, err error) {
	switch {
	case s == "":
		return "", "", fmt.Errorf("ssh target has no host; use user@host")
	case strings.HasPrefix(s, "["):
		end := strings.Index(s, "]")
		if end < 0 {
			return "", "", fmt.Errorf("ssh target: %q lacks the closing ]", s)
		}
		host, rest := s[1:end], s[end+1:]
		if rest != "" && !strings.HasPrefix(rest, ":") {
			return "", "", fmt.Errorf("ssh target: unexpected %q after ]", rest)
		}
		if host == "" {
			return "", "", fmt.Errorf("ssh target has no host between [ ]")
		}
		return host, strings.TrimPrefix(rest, ":"), nil
	case strings.Count(s, ":") > 1:
		return s, "", nil
	case strings.Contains(s, ":"):
		h, p, _ := strings.Cut(s, ":")
		if h == "" {
			return "", "", fmt.Errorf("ssh target has no host before :%s", p)
		}
		if p == "" {
			return "", "", fmt.Errorf("ssh target: the port after %s: is empty", h)
		}
		return h, p, nil
	}
	return s, "", nil
}

func defaultUser() string {
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return ""
}
