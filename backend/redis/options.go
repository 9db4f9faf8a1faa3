package redis

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/kvdeck/kvdeck/backend"
)

// Options say how to reach Redis and who to be there.
type Options struct {
	// Addrs are host:port seeds; more than one means Cluster. Network is
	// "tcp" or "unix" (Addrs[0] is then the socket path).
	Addrs    []string
	Network  string
	Username string
	Password string
	DB       int
	TLS      TLSOptions
	// Cluster forces Cluster mode; otherwise it is detected on connect.
	Cluster bool
	// MasterName and SentinelAddrs select Sentinel mode.
	MasterName       string
	SentinelAddrs    []string
	SentinelPassword string
	ReadOnly         bool
	// ScanCount is the first SCAN COUNT of a listing (default 1000); later
	// calls adapt to the server (pacer).
	ScanCount int
	// Timeout bounds each dial, read and write (default 5s), so a server
	// that goes away ends a call with an error instead of a hang.
	Timeout time.Duration
	// Dialer is the base dialer, e.g. an SSH tunnel; TLS runs over it.
	// Every connection goes through it: servers, Sentinels, the masters
	// Sentinels announce and the Cluster nodes found. Nil dials directly.
	Dialer func(ctx context.Context, network, addr string) (net.Conn, error)
}

// TLSOptions configure TLS (rediss://, or any of the files set).
type TLSOptions struct {
	Enabled            bool
	CAFile             string
	CertFile           string
	KeyFile            string
	InsecureSkipVerify bool
	ServerName         string
}

// ParseURL reads redis://[user:pass@]host:port[/db][?addr=h:p&addr=...],
// rediss:// (TLS), unix:///path/redis.sock[?db=N] and
// redis+sentinel://[user:pass@]h1:26379[,h2:26379]/master[/db].
func ParseURL(raw string) (Options, error) {
	o := Options{Network: "tcp"}
	u, err := url.Parse(raw)
	if err != nil {
		return o, backend.Invalid("url", "%s does not parse", backend.MaskURL(raw))
	}
	if u.User != nil {
		o.Username = u.User.Username()
		if p, ok := u.User.Password(); ok {
			o.Password = p
		} else if o.Username != "" {
			// redis://secret@host: a lone user part is the password
			// (requirepass without ACL users).
			o.Password, o.Username = o.Username, ""
		}
	}
	q := u.Query()
	switch u.Scheme {
	case "redis", "rediss":
		o.TLS.Enabled = u.Scheme == "rediss"
		host := u.Host
		if host == "" {
			return o, backend.Invalid("url", "%s has no host; use redis://host:6379", backend.MaskURL(raw))
		}
		if u.Port() == "" {
			host += ":6379"
		}
		o.Addrs = append(o.Addrs, host)
		for _, a := range q["addr"] {
			if _, _, err := net.SplitHostPort(a); err != nil {
				return o, backend.Invalid("url", "addr=%q is not host:port", a)
			}
			o.Addrs = append(o.Addrs, a)
		}
		if p := strings.Trim(u.Path, "/"); p != "" {
			if o.DB, err = strconv.Atoi(p); err != nil || o.DB < 0 {
				return o, backend.Invalid("url", "database %q is not a number", p)
			}
		}
	case "unix":
		o.Network = "unix"
		if u.Path == "" {
			return o, backend.Invalid("url", "unix:// needs a socket path, like unix:///run/redis/redis.sock")
		}
		o.Addrs = []string{u.Path}
	case "redis+sentinel":
		for _, a := range strings.Split(u.Host, ",") {
			if a == "" {
				continue
			}
			if _, _, err := net.SplitHostPort(a); err != nil {
				a += ":26379"
			}
			o.SentinelAddrs = append(o.SentinelAddrs, a)
		}
		if len(o.SentinelAddrs) == 0 {
			return o, backend.Invalid("url", "redis+sentinel:// needs sentinel addresses: redis+sentinel://host1:26379,host2:26379/mymaster")
		}
		parts := strings.Split(strings.Trim(u.Path, "/"), "/")
		if parts[0] == "" {
			return o, backend.Invalid("url", "redis+sentinel:// needs the master name: redis+sentinel://host:26379/mymaster")
		}
		o.MasterName = parts[0]
		if len(parts) > 1 {
			if o.DB, err = strconv.Atoi(parts[1]); err != nil || o.DB < 0 {
				return o, backend.Invalid("url", "database %q is not a number", parts[1])
			}
		}
		o.SentinelPassword = q.Get("sentinel_password")
	default:
		return o, backend.Invalid("url", "scheme %q is not a Redis scheme; use redis://, rediss://, unix:// or redis+sentinel://", u.Scheme)
	}
	if d := q.Get("db"); d != "" {
		if o.DB, err = strconv.Atoi(d); err != nil || o.DB < 0 {
			return o, backend.Invalid("url", "db=%q is not a number", d)
		}
	}
	return o, nil
}

// address is the connection for the status bar, secrets masked.
func (o Options) address() string {
	scheme := "redis"
	if o.TLS.Enabled {
		scheme = "rediss"
	}
	var u url.URL
	switch {
	case o.MasterName != "":
		u = url.URL{Scheme: "redis+sentinel", Host: strings.Join(o.SentinelAddrs, ","), Path: "/" + o.MasterName}
	case o.Network == "unix":
		u = url.URL{Scheme: "unix", Path: o.Addrs[0]}
	default:
		u = url.URL{Scheme: scheme, Host: strings.Join(o.Addrs, ",")}
	}
	if o.Password != "" {
		u.User = url.UserPassword(o.Username, "secret")
	} else if o.Username != "" {
		u.User = url.User(o.Username)
	}
	return backend.MaskURL(u.String())
}

func (t TLSOptions) config() (*tls.Config, error) {
	if !t.Enabled && t.CAFile == "" && t.CertFile == "" {
		return nil, nil
	}
	c := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: t.InsecureSkipVerify, ServerName: t.ServerName}
	if t.CAFile != "" {
		pem, err := os.ReadFile(t.CAFile)
		if err != nil {
			return nil, fmt.Errorf("TLS CA: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, backend.Invalid("tls-ca", "%s holds no PEM certificate", t.CAFile)
		}
		c.RootCAs = pool
	}
	if t.CertFile != "" || t.KeyFile != "" {
		cert, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("TLS client certificate: %w", err)
		}
		c.Certificates = []tls.Certificate{cert}
	}
	return c, nil
}
