package config

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kvdeck/kvdeck/backend"
)

// Kinds of connection, as Connection.Kind reports them.
const (
	KindRedis = "redis"
	KindNATS  = "nats"
	KindLocal = "local"
)

// Connection is one saved connection, [connections.NAME] in the file. Paths
// are kept as written (with ~); Expanded gives them ready to open.
type Connection struct {
	Name string

	// Exactly one of URL, Context (a natscli context) and Path (a local
	// bbolt file).
	URL     string
	Context string
	Path    string

	// Username is the Redis ACL user; User the NATS user.
	Username string
	User     string

	// The password (Redis, or the NATS user's) and the NATS token, by
	// reference: an environment variable, a file or a command.
	PasswordEnv     string
	PasswordFile    string
	PasswordCommand string
	TokenEnv        string
	TokenFile       string
	TokenCommand    string

	TLSCA         string
	TLSCert       string
	TLSKey        string
	TLSSkipVerify bool

	Cluster        bool
	SentinelMaster string
	SentinelAddrs  []string

	// NATS credentials files.
	Creds string
	NKey  string

	// What to open first and how to show it.
	Bucket   string
	Match    string
	ReadOnly bool
	Color    string

	// SSH is user@host[:port] of a jump host; the identity and
	// known_hosts files default to ssh's.
	SSH           string
	SSHIdentity   string
	SSHKnownHosts string
}

// valueType is the TOML type of a known key.
type valueType int

const (
	typeString valueType = iota
	typeBool
	typeStrings
)

// field describes one known key: its TOML name and type, the kinds of
// connection it applies to, and where it lives in Connection. The table
// drives decoding, validation and write-back alike, so a new key is added
// in one place.
type field struct {
	key    string
	typ    valueType
	kinds  []string // nil: every kind
	isPath bool
	ptr    func(*Connection) any // *string, *bool or *[]string
}

var (
	redisOnly = []string{KindRedis}
	natsOnly  = []string{KindNATS}
	remote    = []string{KindRedis, KindNATS}
)

// fields are the known keys in the order a new connection is written.
var fields = []field{
	{key: "url", ptr: func(c *Connection) any { return &c.URL }},
	{key: "context", kinds: natsOnly, ptr: func(c *Connection) any { return &c.Context }},
	{key: "path", isPath: true, kinds: []string{KindLocal}, ptr: func(c *Connection) any { return &c.Path }},
	{key: "username", kinds: redisOnly, ptr: func(c *Connection) any { return &c.Username }},
	{key: "user", kinds: natsOnly, ptr: func(c *Connection) any { return &c.User }},
	{key: "password_env", kinds: remote, ptr: func(c *Connection) any { return &c.PasswordEnv }},
	{key: "password_file", isPath: true, kinds: remote, ptr: func(c *Connection) any { return &c.PasswordFile }},
	{key: "password_command", kinds: remote, ptr: func(c *Connection) any { return &c.PasswordCommand }},
	{key: "token_env", kinds: natsOnly, ptr: func(c *Connection) any { return &c.TokenEnv }},
	{key: "token_file", isPath: true, kinds: natsOnly, ptr: func(c *Connection) any { return &c.TokenFile }},
	{key: "token_command", kinds: natsOnly, ptr: func(c *Connection) any { return &c.TokenCommand }},
	{key: "creds", isPath: true, kinds: natsOnly, ptr: func(c *Connection) any { return &c.Creds }},
	{key: "nkey", isPath: true, kinds: natsOnly, ptr: func(c *Connection) any { return &c.NKey }},
	{key: "tls_ca", isPath: true, kinds: remote, ptr: func(c *Connection) any { return &c.TLSCA }},
	{key: "tls_cert", isPath: true, kinds: remote, ptr: func(c *Connection) any { return &c.TLSCert }},
	{key: "tls_key", isPath: true, kinds: remote, ptr: func(c *Connection) any { return &c.TLSKey }},
	{key: "tls_skip_verify", typ: typeBool, kinds: redisOnly, ptr: func(c *Connection) any { return &c.TLSSkipVerify }},
	{key: "cluster", typ: typeBool, kinds: redisOnly, ptr: func(c *Connection) any { return &c.Cluster }},
	{key: "sentinel_master", kinds: redisOnly, ptr: func(c *Connection) any { return &c.SentinelMaster }},
	{key: "sentinel_addrs", typ: typeStrings, kinds: redisOnly, ptr: func(c *Connection) any { return &c.SentinelAddrs }},
	{key: "bucket", ptr: func(c *Connection) any { return &c.Bucket }},
	{key: "match", ptr: func(c *Connection) any { return &c.Match }},
	{key: "read_only", typ: typeBool, ptr: func(c *Connection) any { return &c.ReadOnly }},
	{key: "color", ptr: func(c *Connection) any { return &c.Color }},
	{key: "ssh", kinds: remote, ptr: func(c *Connection) any { return &c.SSH }},
	{key: "ssh_identity", isPath: true, kinds: remote, ptr: func(c *Connection) any { return &c.SSHIdentity }},
	{key: "ssh_known_hosts", isPath: true, kinds: remote, ptr: func(c *Connection) any { return &c.SSHKnownHosts }},
}

// fieldByKey finds a known key.
func fieldByKey(key string) (field, bool) {
	i := slices.IndexFunc(fields, func(f field) bool { return f.key == key })
	if i < 0 {
		return field{}, false
	}
	return fields[i], true
}

// isSet tells whether the field has a value worth writing: a zero value is
// the same as no key.
func (f field) isSet(c *Connection) bool {
	switch p := f.ptr(c).(type) {
	case *string:
		return *p != ""
	case *bool:
		return *p
	case *[]string:
		return len(*p) > 0
	}
	return false
}

// equal tells whether two connections hold the same value for the field.
func (f field) equal(a, b *Connection) bool {
	switch pa := f.ptr(a).(type) {
	case *string:
		return *pa == *f.ptr(b).(*string)
	case *bool:
		return *pa == *f.ptr(b).(*bool)
	case *[]string:
		return slices.Equal(*pa, *f.ptr(b).(*[]string))
	}
	return false
}

// FieldError is a problem with one connection, or one of its keys.
type FieldError struct {
	Name string // the connection
	Key  string // "" for the connection as a whole
	Msg  string
}

func (e *FieldError) Error() string {
	if e.Key == "" {
		return fmt.Sprintf("%s: %s", connectionPath(e.Name), e.Msg)
	}
	return fmt.Sprintf("%s.%s: %s", connectionPath(e.Name), e.Key, e.Msg)
}

// connectionPath is how a connection is written in TOML: connections.NAME,
// with the name quoted when it needs to be.
func connectionPath(name string) string { return "connections." + quoteKey(name) }

// maxNameLen bounds a name: it is a label in the picker and the status bar.
const maxNameLen = 64

var redisSchemes = map[string]bool{"redis": true, "rediss": true, "unix": true, "redis+sentinel": true}
var natsSchemes = map[string]bool{"nats": true, "tls": true, "ws": true, "wss": true}

// Kind is "redis", "nats" or "local" (a bbolt file), from whichever of url,
// context and path is set; "" when none is or the URL's scheme is unknown.
func (c Connection) Kind() string {
	switch {
	case c.Path != "":
		return KindLocal
	case c.Context != "":
		return KindNATS
	case c.URL != "":
		scheme := urlScheme(c.URL)
		if redisSchemes[scheme] {
			return KindRedis
		}
		if natsSchemes[scheme] {
			return KindNATS
		}
	}
	return ""
}

// urlScheme is the lower-case scheme of a URL (the first of a list).
func urlScheme(raw string) string {
	scheme, _, ok := strings.Cut(strings.TrimSpace(raw), "://")
	if !ok {
		return ""
	}
	return strings.ToLower(scheme)
}

// Validate checks one connection; the error is a *FieldError naming the
// connection and the key. It never quotes a secret: a URL is shown masked.
func (c Connection) Validate() error {
	bad := func(key, format string, args ...any) error {
		return &FieldError{Name: c.Name, Key: key, Msg: fmt.Sprintf(format, args...)}
	}
	if err := validateName(c.Name); err != nil {
		return err
	}
	set := 0
	for _, s := range []string{c.URL, c.Context, c.Path} {
		if s != "" {
			set++
		}
	}
	switch {
	case set == 0:
		return bad("", "needs one of url, context (a natscli context) or path (a local file)")
	case set > 1:
		return bad("", "has more than one of url, context and path; keep one")
	}
	if c.URL != "" {
		if err := validateURL(c.URL); err != nil {
			return bad("url", "%s", err)
		}
	}
	kind := c.Kind()
	for _, f := range fields {
		if f.kinds != nil && !slices.Contains(f.kinds, kind) && f.isSet(&c) {
			return bad(f.key, "is for %s connections, and this one is %s", kindList(f.kinds), kindName(kind))
		}
	}
	for _, triple := range [][3]string{{"password_env", "password_file", "password_command"}, {"token_env", "token_file", "token_command"}} {
		n := 0
		for _, key := range triple {
			f, _ := fieldByKey(key)
			if f.isSet(&c) {
				n++
			}
		}
		if n > 1 {
			return bad("", "has more than one of %s; keep one", strings.Join(triple[:], ", "))
		}
	}
	if c.Color != "" && !ValidColor(c.Color) {
		names := make([]string, len(colorNames))
		for i, cn := range colorNames {
			names[i] = cn.name
		}
		return bad("color", "%q is not #rrggbb nor one of %s", c.Color, strings.Join(names, ", "))
	}
	if kind == KindRedis && c.Bucket != "" {
		if n, err := strconv.Atoi(c.Bucket); err != nil || n < 0 {
			return bad("bucket", "%q is not a Redis database number", c.Bucket)
		}
	}
	if c.SentinelMaster == "" && len(c.SentinelAddrs) > 0 {
		return bad("sentinel_addrs", "needs sentinel_master")
	}
	for _, a := range c.SentinelAddrs {
		if _, _, err := net.SplitHostPort(a); err != nil {
			return bad("sentinel_addrs", "%q is not host:port", a)
		}
	}
	if c.SSH != "" {
		if err := validateSSH(c.SSH); err != nil {
			return bad("ssh", "%s", err)
		}
	} else {
		for _, key := range []string{"ssh_identity", "ssh_known_hosts"} {
			if f, _ := fieldByKey(key); f.isSet(&c) {
				return bad(key, "needs ssh (user@host[:port])")
			}
		}
	}
	return nil
}

func kindName(kind string) string {
	switch kind {
	case KindRedis:
		return "Redis"
	case KindNATS:
		return "NATS"
	case KindLocal:
		return "a local file"
	}
	return kind
}

func kindList(kinds []string) string {
	names := make([]string, len(kinds))
	for i, k := range kinds {
		names[i] = kindName(k)
	}
	return strings.Join(names, " and ")
}

// validateName checks a connection's name: it is shown in the picker and
// typed on the command line.
func validateName(name string) error {
	bad := func(msg string) error { return &FieldError{Name: name, Msg: msg} }
	switch {
	case name == "":
		return bad("the name is empty")
	case !utf8.ValidString(name):
		return bad("the name is not valid UTF-8")
	case utf8.RuneCountInString(name) > maxNameLen:
		return bad(fmt.Sprintf("the name is longer than %d characters", maxNameLen))
	case strings.IndexFunc(name, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0:
		return bad("the name has a character that is not printable")
	}
	return nil
}

// validateURL checks the scheme of each server and that no secret is in
// the URL. Messages show the URL masked.
func validateURL(raw string) error {
	scheme := urlScheme(raw)
	if scheme == "" {
		return fmt.Errorf("%s has no scheme; use redis://, rediss://, unix://, redis+sentinel://, nats://, tls://, ws:// or wss://", maskTarget(raw))
	}
	nats := natsSchemes[scheme]
	if !nats && !redisSchemes[scheme] {
		return fmt.Errorf("scheme %q is not known; use redis://, rediss://, unix://, redis+sentinel://, nats://, tls://, ws:// or wss://", scheme)
	}
	parts := []string{strings.TrimSpace(raw)}
	if nats {
		// NATS takes a list of servers; a later one may omit the scheme.
		parts = backend.ServerURLs(raw, scheme)
	}
	for _, part := range parts {
		u, err := url.Parse(part)
		if err != nil {
			return fmt.Errorf("%s does not parse", maskTarget(part))
		}
		if s := strings.ToLower(u.Scheme); nats && !natsSchemes[s] {
			return fmt.Errorf("scheme %q is not a NATS scheme; use nats://, tls://, ws:// or wss://", s)
		}
		if u.User != nil {
			if _, has := u.User.Password(); has {
				// Shown as user:***@: the message says where the
				// password is without showing it.
				bare := *u
				bare.User = nil
				scheme, rest, _ := strings.Cut(maskTarget(bare.String()), "://")
				shown := scheme + "://" + url.User(u.User.Username()).String() + ":***@" + rest
				return fmt.Errorf("%s holds a password: move it to password_env, password_file or password_command", shown)
			}
			if nats {
				return fmt.Errorf("%s has a user part, which NATS reads as a token: use token_env, token_file or token_command (and user for a user name)", maskTarget(part))
			}
			return fmt.Errorf("%s has a user part, which Redis reads as a password: put the user in username and the password in password_env, password_file or password_command", maskTarget(part))
		}
		for k := range u.Query() {
			if secretParam(k) {
				return fmt.Errorf("%s holds a secret in ?%s=: kvdeck's file keeps no secrets", maskTarget(part), k)
			}
		}
		if u.Scheme != "unix" && u.Host == "" {
			return fmt.Errorf("%s has no host", maskTarget(part))
		}
	}
	return nil
}

// secretParam tells whether a URL query parameter holds a secret
// (sentinel_password, password, token...).
func secretParam(k string) bool {
	k = strings.ToLower(k)
	return strings.Contains(k, "pass") || strings.Contains(k, "token") || strings.Contains(k, "secret")
}

// validateSSH checks user@host[:port].
func validateSSH(s string) error {
	user, hostport, ok := strings.Cut(s, "@")
	if !ok {
		hostport, user = s, ""
	} else if user == "" {
		return fmt.Errorf("%q has an empty user before @", s)
	}
	host, port := hostport, ""
	if h, p, err := net.SplitHostPort(hostport); err == nil {
		host, port = h, p
	}
	if host == "" || strings.ContainsAny(host, " /@") {
		return fmt.Errorf("%q is not user@host[:port]", s)
	}
	if port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("%q has a port that is not a number from 1 to 65535", s)
		}
	}
	return nil
}

// colorNames are the colour names a label may use, besides #rrggbb, and
// the colour each stands for.
var colorNames = []struct{ name, hex string }{
	{"red", "#ff5f5f"}, {"green", "#5fd75f"}, {"yellow", "#ffd75f"}, {"blue", "#5f87ff"},
	{"magenta", "#d75fd7"}, {"cyan", "#5fd7d7"}, {"orange", "#ff8700"}, {"gray", "#8a8a8a"},
	{"grey", "#8a8a8a"}, {"white", "#eeeeee"},
}

// ValidColor tells whether s is #rrggbb or a known colour name.
func ValidColor(s string) bool {
	_, ok := LabelColor(s)
	return ok
}

// LabelColor is a label colour as #rrggbb: s itself, or the colour a name
// stands for; false for neither.
func LabelColor(s string) (string, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	for _, c := range colorNames {
		if c.name == s {
			return c.hex, true
		}
	}
	if len(s) == 7 && s[0] == '#' {
		_, err := strconv.ParseUint(s[1:], 16, 32)
		return s, err == nil
	}
	return "", false
}

// Expanded is the connection with ~ expanded in every path, ready to open.
// The stored connection keeps ~, so that the file stays portable.
func (c Connection) Expanded() Connection {
	for _, f := range fields {
		if f.isPath {
			p := f.ptr(&c).(*string)
			*p = ExpandHome(*p)
		}
	}
	return c
}

// ExpandHome replaces a leading ~ or ~/ with the home folder ($HOME). A
// path without one, or ~user, is returned as is.
func ExpandHome(path string) string {
	if path != "~" && !strings.HasPrefix(path, "~/") {
		return path
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return path
	}
	return filepath.Join(home, path[1:])
}
