package config

import (
	"net"
	"net/url"
	"strings"

	"github.com/kvdeck/kvdeck/backend"
)

// Addresses without secrets, for the picker, for messages and for the
// recent list.

// MaskedAddress describes where a connection goes, for the picker: its
// kind and address (host:port/db, NATS servers, a natscli context, a file
// path), " via ssh user@host" when it goes through a jump host. It holds no
// secret, whatever the connection holds.
func MaskedAddress(c Connection) string {
	var s string
	switch kind := c.Kind(); {
	case kind == KindLocal:
		s = "local " + c.Path
	case c.Context != "":
		s = "nats context " + c.Context
	case kind == KindNATS:
		s = "nats " + natsServers(c.URL)
	case kind == KindRedis:
		s = "redis " + redisAddress(c)
	default:
		s = maskTarget(c.URL)
	}
	if c.SSH != "" {
		s += " via ssh " + strings.TrimSuffix(c.SSH, ":22")
	}
	return s
}

// redisAddress is [user@]host:port/db, the socket path, or the sentinel
// master and its sentinels, with (TLS) and (cluster) when they apply.
func redisAddress(c Connection) string {
	u, err := url.Parse(c.URL)
	if err != nil {
		return maskTarget(c.URL)
	}
	user := ""
	if c.Username != "" {
		user = c.Username + "@"
	}
	db := strings.Trim(u.Path, "/")
	if d := u.Query().Get("db"); d != "" {
		db = d
	}
	var s string
	switch strings.ToLower(u.Scheme) {
	case "unix":
		s = user + u.Path
		if d := u.Query().Get("db"); d != "" {
			s += " db " + d
		}
	case "redis+sentinel":
		master, rest, _ := strings.Cut(db, "/")
		s = "sentinel " + user + master + " at " + u.Host
		if rest != "" {
			s += "/" + rest
		}
	default:
		host := u.Host
		if u.Port() == "" {
			host += ":6379"
		}
		s = user + host
		if db != "" {
			s += "/" + db
		}
		if strings.EqualFold(u.Scheme, "rediss") {
			s += " (TLS)"
		}
	}
	if c.SentinelMaster != "" {
		s += " sentinel " + c.SentinelMaster
	}
	if c.Cluster {
		s += " (cluster)"
	}
	return s
}

// natsServers lists the servers of a NATS URL: host:port for nats://, the
// URL for the other schemes, whose scheme says something.
func natsServers(raw string) string {
	var out []string
	for _, part := range backend.ServerURLs(raw, "nats") {
		u, err := url.Parse(part)
		if err != nil {
			out = append(out, maskTarget(part))
			continue
		}
		host := u.Host
		if u.Port() == "" && (u.Scheme == "nats" || u.Scheme == "tls") {
			host = net.JoinHostPort(u.Hostname(), "4222")
		}
		if u.Scheme == "nats" {
			out = append(out, host)
		} else {
			out = append(out, u.Scheme+"://"+host)
		}
	}
	return strings.Join(out, ", ")
}

// maskTarget is a target (URL, list of URLs or path) without its secrets:
// a password is dropped (the user name stays), a lone user part is dropped
// (Redis reads it as a password, NATS as a token), and so are query
// parameters that look like secrets. What cannot be parsed loses all it
// has before its last @. A path (no ://) is returned as is.
func maskTarget(target string) string { return mask(target, userShown) }

// withoutCredentials is a target without any user part at all, user name
// included: for the natscli contexts, whose credentials are the context's
// business.
func withoutCredentials(target string) string { return mask(target, userDropped) }

// withoutPassword is a target to be opened again: its password goes, its
// user stays as user:@ (an empty password), because a lone user@ would be
// read as a password by Redis and as a token by NATS. Unlike maskTarget it
// gives the same target when applied again.
func withoutPassword(target string) string { return mask(target, userEmptyPassword) }

// userForm is what becomes of the user name of a URL with a password.
type userForm int

const (
	userShown         userForm = iota // user@, for people
	userDropped                       // nothing
	userEmptyPassword                 // user:@, for kvdeck
)

func mask(target string, keepUser userForm) string {
	if !strings.Contains(target, "://") {
		return target
	}
	parts := strings.Split(target, ",")
	scheme, _, _ := strings.Cut(target, "://")
	for i, part := range parts {
		parts[i] = maskOne(part, scheme, keepUser)
	}
	return strings.Join(parts, ",")
}

// maskOne masks one URL of a list; a later server of a NATS list may
// have no scheme, and gets the first one's to be parsed.
func maskOne(part, scheme string, keepUser userForm) string {
	lead := part[:len(part)-len(strings.TrimLeft(part, " "))]
	part = part[len(lead):]
	added := ""
	if !strings.Contains(part, "://") {
		added = scheme + "://"
	}
	u, err := url.Parse(added + part)
	if err != nil {
		if at := strings.LastIndex(part, "@"); at >= 0 {
			start := strings.Index(part, "://")
			if start < 0 {
				start = 0
			} else {
				start += 3
			}
			if start <= at {
				return lead + part[:start] + part[at+1:]
			}
		}
		return lead + part
	}
	changed := false
	if u.User != nil {
		changed = true
		_, has := u.User.Password()
		switch name := u.User.Username(); {
		case !has || name == "" || keepUser == userDropped:
			u.User = nil
		case keepUser == userEmptyPassword:
			u.User = url.UserPassword(name, "")
		default:
			u.User = url.User(name)
		}
	}
	q := u.Query()
	for k := range q {
		if secretParam(k) {
			q.Del(k)
			changed = true
		}
	}
	if !changed {
		return lead + part
	}
	u.RawQuery = q.Encode()
	return lead + strings.TrimPrefix(u.String(), added)
}
