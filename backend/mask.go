package backend

import (
	"net/url"
	"strings"
)

// MaskURL returns raw with any password (and token-like userinfo) replaced
// by "***", for the status bar and logs. Input that does not parse is
// masked as a whole after the scheme, because it may still hold a secret.
func MaskURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		if i := strings.Index(raw, "://"); i >= 0 && strings.Contains(raw[i+3:], "@") {
			return raw[:i+3] + "***@" + raw[strings.LastIndex(raw, "@")+1:]
		}
		return raw
	}
	if at := strings.LastIndex(u.Opaque, "@"); at >= 0 {
		// scheme:user:pass@host, a URL missing its "//": no User part is
		// parsed, but what is before the @ may be a password.
		return u.Scheme + ":***" + u.Opaque[at:]
	}
	if u.User != nil {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), "xxx")
		} else if u.Scheme == "nats" || u.Scheme == "tls" {
			// nats://TOKEN@host: a lone user part is a token.
			u.User = url.User("xxx")
		}
	}
	q := u.Query()
	changed := false
	for k := range q {
		lk := strings.ToLower(k)
		if strings.Contains(lk, "pass") || strings.Contains(lk, "token") || strings.Contains(lk, "secret") {
			q.Set(k, "xxx")
			changed = true
		}
	}
	if changed {
		u.RawQuery = q.Encode()
	}
	return strings.ReplaceAll(u.String(), "xxx", "***")
}

// ServerURLs splits a comma-separated list of servers as NATS takes it
// (nats://a:4222,b:4222): blanks are dropped, and a server written
// without a scheme takes the first server's, or def when the first has
// none either.
func ServerURLs(raw, def string) []string {
	var out []string
	scheme := def
	for _, part := range strings.Split(raw, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if s, _, ok := strings.Cut(part, "://"); ok {
			if len(out) == 0 {
				scheme = strings.ToLower(s)
			}
		} else {
			part = scheme + "://" + part
		}
		out = append(out, part)
	}
	return out
}
