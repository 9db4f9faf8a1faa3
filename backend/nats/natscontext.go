package nats

// natscli contexts, read by hand.
//
// natscli keeps named connection settings ("contexts") as JSON files, a
// format documented by NATS ADR-21: $XDG_CONFIG_HOME/nats/context/NAME.json
// (~/.config/nats when XDG_CONFIG_HOME is unset), with the selected
// context's name in $XDG_CONFIG_HOME/nats/context.txt. kvdeck reads them
// itself, and maps every field to nats.go options as natscli does through
// jsm.go's natscontext package (v0.5.1; field names and semantics follow it).
//
// Why not a library:
//   - jsm.go/natscontext, what natscli uses, imports jsm.go and nats-server's
//     certstore, which link all of nats-server into kvdeck: about 17 MB of
//     binary and package initialisers that run at every start.
//   - synadia-io/orbit.go/natscontext is light but offers only Connect(name):
//     it does not hand back the options (kvdeck connects itself, cancellably,
//     with its own handlers, and --url may replace the context's servers),
//     does not list the known contexts for an error, and has neither
//     user_jwt/user_seed nor credential references (env://, op://, ...).
//
// What is not carried over: the Windows certificate store
// (windows_cert_store), which needs nats-server's certstore; a context
// using it fails with a message saying so. jsm.go's writing side (saving,
// selecting, embedding) kvdeck never used.

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strings"

	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"
	"golang.org/x/net/proxy"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/kvdeck/kvdeck/internal/natshome"
)

// natsContext is one context file. Paths (creds, nkey, cert, key, ca) and
// secrets (password, token, user_jwt, user_seed, creds, nkey) may also be
// references that resolve to the material: file://PATH, env://VAR,
// data:;base64,..., op://vault/item/field (1Password's op) and
// nsc://operator/account/user (nsc).
type natsContext struct {
	name string

	URL         string `json:"url"`
	SocksProxy  string `json:"socks_proxy"`
	Token       string `json:"token"`
	User        string `json:"user"`
	Password    string `json:"password"`
	Creds       string `json:"creds"`
	NKey        string `json:"nkey"`
	Cert        string `json:"cert"`
	Key         string `json:"key"`
	CA          string `json:"ca"`
	JSDomain    string `json:"jetstream_domain"`
	JSAPIPrefix string `json:"jetstream_api_prefix"`
	InboxPrefix string `json:"inbox_prefix"`
	UserJWT     string `json:"user_jwt"`
	UserSeed    string `json:"user_seed"`
	TLSFirst    bool   `json:"tls_first"`
	// NSC is the older form of an nsc:// creds reference: nsc also supplies
	// the servers when url is empty.
	NSC string `json:"nsc"`
	// WindowsCertStore is read only to refuse it (see above).
	WindowsCertStore string `json:"windows_cert_store"`
}

// errContextNotFound is a context name without a file.
var errContextNotFound = errors.New("natscli context not found")

// OptionsFromContext loads a natscli context; name "" is the selected
// context. The options connect with the context's credentials exactly as
// natscli would; their fields describe them.
func OptionsFromContext(name string) (Options, error) {
	if name == "" {
		name = selectedContext()
		if name == "" {
			return Options{}, backend.Invalid("context", "no natscli context is selected; pick one with `nats context select` or pass --context NAME")
		}
	}
	nctx, err := loadContext(name)
	if err != nil {
		if errors.Is(err, errContextNotFound) {
			return Options{}, backend.Invalid("context", "no natscli context named %q (known: %s)", name, knownContextList())
		}
		return Options{}, fmt.Errorf("natscli context %q: %w", name, err)
	}
	o := Options{
		User:         nctx.User,
		Password:     nctx.Password,
		Token:        nctx.Token,
		CredsFile:    nctx.Creds,
		NKeySeedFile: nctx.NKey,
		TLS: TLSOptions{
			CAFile:   nctx.CA,
			CertFile: nctx.Cert,
			KeyFile:  nctx.Key,
		},
		JSDomain:    nctx.JSDomain,
		JSAPIPrefix: nctx.JSAPIPrefix,
		Context:     name,
		natsContext: nctx,
	}
	// The context's URL may carry credentials too; ParseURL moves them out.
	fromURL, err := ParseURL(nctx.URL)
	if err != nil {
		return Options{}, fmt.Errorf("natscli context %q: %w", name, err)
	}
	o.Servers = fromURL.Servers
	if o.User == "" && o.Token == "" {
		o.User, o.Password, o.Token = fromURL.User, fromURL.Password, fromURL.Token
	}
	return o, nil
}

// selectedContext is the name in context.txt, "" when none is selected.
func selectedContext() string {
	home, err := natshome.ConfigHome()
	if err != nil {
		return ""
	}
	data, err := os.ReadFile(filepath.Join(home, "context.txt"))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(data))
}

// knownContexts lists the contexts natscli would list: non-empty .json
// files with a valid name, sorted.
func knownContexts() []string {
	home, err := natshome.ConfigHome()
	if err != nil {
		return nil
	}
	entries, err := os.ReadDir(filepath.Join(home, "context"))
	if err != nil {
		return nil
	}
	var names []string
	for _, e := range entries {
		name, isJSON := strings.CutSuffix(e.Name(), ".json")
		if e.IsDir() || !isJSON || !natshome.ValidContextName(name) {
			continue
		}
		if info, err := e.Info(); err != nil || info.Size() == 0 {
			continue
		}
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

func knownContextList() string {
	names := knownContexts()
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// loadContext reads the named context: errContextNotFound when it has no
// file. Paths have ~ and $VARS expanded; a legacy nsc lookup runs nsc.
func loadContext(name string) (*natsContext, error) {
	if !natshome.ValidContextName(name) {
		return nil, backend.Invalid("context", "%q is not a natscli context name (no \"..\", \"/\" or \"\\\")", name)
	}
	home, err := natshome.ConfigHome()
	if err != nil {
		return nil, err
	}
	path := filepath.Join(home, "context", name+".json")
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, errContextNotFound
	}
	if err != nil {
		return nil, err
	}
	c := &natsContext{name: name}
	if err := json.Unmarshal(data, c); err != nil {
		return nil, fmt.Errorf("%s: %s", path, jsonProblem(err))
	}
	for _, p := range []*string{&c.Creds, &c.NKey, &c.Cert, &c.Key, &c.CA} {
		*p = expandHome(*p)
	}
	if c.NSC != "" {
		profile, err := nscProfile(c.NSC)
		if err != nil {
			return nil, err
		}
		if c.Creds == "" {
			c.Creds = profile.UserCreds
		}
		if c.URL == "" {
			c.URL = strings.Join(profile.Operator.Service, ",")
		}
	}
	if c.URL == "" {
		c.URL = natsgo.DefaultURL
	}
	return c, nil
}

// jsonProblem describes a decoding error without quoting the file: a
// syntax error's message quotes a character of it, which may be a secret's.
func jsonProblem(err error) string {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return fmt.Sprintf("not valid JSON (at byte %d)", syntax.Offset)
	case errors.As(err, &typ):
		return fmt.Sprintf("%s is not a JSON %s", typ.Field, typ.Type)
	}
	return "not valid JSON"
}

// expandHome expands $VARS and a leading ~ in a path, as natscli does.
func expandHome(path string) string {
	path = os.ExpandEnv(path)
	if !strings.HasPrefix(path, "~") {
		return path
	}
	u, err := user.Current()
	if err != nil {
		return path
	}
	return strings.Replace(path, "~", u.HomeDir, 1)
}

// hasAuth tells whether the context authenticates by itself; if not, the
// credentials in its URL are used.
func (c *natsContext) hasAuth() bool {
	return c.User != "" || c.Token != "" || c.Creds != "" || c.NKey != "" || c.UserJWT != ""
}

// natsOptions are the context's nats.go options: one way to authenticate
// (user, creds, nkey or user JWT, in natscli's order) plus a token, TLS
// files, a SOCKS proxy, an inbox prefix and TLS-first.
func (c *natsContext) natsOptions() ([]natsgo.Option, error) {
	if c.WindowsCertStore != "" {
		return nil, backend.Invalid("context", "windows_cert_store: kvdeck cannot read the Windows certificate store; give the context cert, key and ca files")
	}
	var opts []natsgo.Option
	switch {
	case c.User != "":
		password, err := resolveLiteral("password", c.Password)
		if err != nil {
			return nil, err
		}
		opts = append(opts, natsgo.UserInfo(c.User, password))
	case c.Creds != "":
		opt, err := credsOption(c.Creds)
		if err != nil {
			return nil, err
		}
		opts = append(opts, opt)
	case c.NKey != "":
		opt, err := nkeyOption(c.NKey)
		if err != nil {
			return nil, err
		}
		opts = append(opts, opt)
	case c.UserJWT != "":
		jwt, err := resolveLiteral("user_jwt", c.UserJWT)
		if err != nil {
			return nil, err
		}
		if c.UserSeed != "" {
			seed, err := resolveLiteral("user_seed", c.UserSeed)
			if err != nil {
				return nil, err
			}
			opts = append(opts, natsgo.UserJWTAndSeed(jwt, seed))
			break
		}
		// A bearer JWT: the server asks for no signature.
		opts = append(opts, natsgo.UserJWT(
			func() (string, error) { return jwt, nil },
			func([]byte) ([]byte, error) { return nil, nil }))
	}
	if c.Token != "" {
		token, err := resolveLiteral("token", c.Token)
		if err != nil {
			return nil, err
		}
		opts = append(opts, natsgo.Token(token))
	}
	if c.Cert != "" && c.Key != "" {
		cert, err := filePath("cert", c.Cert)
		if err != nil {
			return nil, err
		}
		key, err := filePath("key", c.Key)
		if err != nil {
			return nil, err
		}
		opts = append(opts, natsgo.ClientCert(cert, key))
	}
	if c.CA != "" {
		ca, err := filePath("ca", c.CA)
		if err != nil {
			return nil, err
		}
		opts = append(opts, natsgo.RootCAs(ca))
	}
	if c.SocksProxy != "" {
		d, err := newSOCKSDialer(c.SocksProxy)
		if err != nil {
			return nil, err
		}
		opts = append(opts, natsgo.SetCustomDialer(d))
	}
	if c.InboxPrefix != "" {
		opts = append(opts, natsgo.CustomInboxPrefix(c.InboxPrefix))
	}
	if c.TLSFirst {
		opts = append(opts, natsgo.TLSHandshakeFirst())
	}
	return opts, nil
}

// credsOption reads a .creds file when connecting, or resolves a
// reference to the creds now.
func credsOption(ref string) (natsgo.Option, error) {
	if scheme := refScheme(ref); scheme == "" || scheme == "file" {
		return natsgo.UserCredentials(filePathOf(ref)), nil
	}
	data, err := resolveRef("creds", ref)
	if err != nil {
		return nil, err
	}
	defer clear(data)
	jwt, err := nkeys.ParseDecoratedJWT(data)
	if err != nil {
		return nil, fmt.Errorf("creds: %w", err)
	}
	kp, err := nkeys.ParseDecoratedNKey(data)
	if err != nil {
		return nil, fmt.Errorf("creds: %w", err)
	}
	return natsgo.UserJWT(
		func() (string, error) { return jwt, nil },
		kp.Sign), nil
}

// nkeyOption reads an nkey seed file, or resolves a reference to the seed.
func nkeyOption(ref string) (natsgo.Option, error) {
	if scheme := refScheme(ref); scheme == "" || scheme == "file" {
		return natsgo.NkeyOptionFromSeed(filePathOf(ref))
	}
	data, err := resolveRef("nkey", ref)
	if err != nil {
		return nil, err
	}
	defer clear(data)
	kp, err := nkeys.ParseDecoratedNKey(data)
	if err != nil {
		return nil, fmt.Errorf("nkey: %w", err)
	}
	pub, err := kp.PublicKey()
	if err != nil {
		return nil, fmt.Errorf("nkey: %w", err)
	}
	return natsgo.Nkey(pub, kp.Sign), nil
}

// refScheme is the lower-case scheme a reference starts with, "" for a
// plain value or path (a one-letter scheme is a Windows drive).
func refScheme(ref string) string {
	u, err := url.Parse(ref)
	if err != nil || len(u.Scheme) < 2 {
		return ""
	}
	return u.Scheme
}

// trimScheme drops prefix from ref, ignoring case as URI schemes do.
func trimScheme(ref, prefix string) string {
	if len(ref) >= len(prefix) && strings.EqualFold(ref[:len(prefix)], prefix) {
		return ref[len(prefix):]
	}
	return ref
}

// filePathOf is the path of a plain path or file:// reference.
func filePathOf(ref string) string { return expandHome(trimScheme(ref, "file://")) }

// filePath is the path of a TLS file: nats.go reads them only from disk.
func filePath(field, ref string) (string, error) {
	if scheme := refScheme(ref); scheme != "" && scheme != "file" {
		return "", backend.Invalid("context", "%s: %s:// references are not supported; give a file", field, scheme)
	}
	return filePathOf(ref), nil
}

// resolveLiteral is a secret given either as is or as a reference; a
// value whose scheme is not a reference's is taken as is, as natscli does.
func resolveLiteral(field, ref string) (string, error) {
	if !resolvable[refScheme(ref)] {
		return ref, nil
	}
	data, err := resolveRef(field, ref)
	if err != nil {
		return "", err
	}
	defer clear(data)
	return strings.TrimRight(string(data), "\r\n"), nil
}

var resolvable = map[string]bool{"file": true, "env": true, "data": true, "op": true, "nsc": true}

// resolveRef fetches what a reference points at. Its errors name the field
// and the reference's variable or file, never the material.
func resolveRef(field, ref string) ([]byte, error) {
	var (
		data []byte
		err  error
	)
	switch scheme := refScheme(ref); scheme {
	case "file":
		data, err = os.ReadFile(filePathOf(ref))
	case "env":
		name := trimScheme(ref, "env://")
		value, ok := os.LookupEnv(name)
		switch {
		case name == "":
			err = errors.New("env:// names no variable")
		case !ok:
			err = fmt.Errorf("environment variable %s is not set", name)
		case value == "":
			err = fmt.Errorf("environment variable %s is empty", name)
		}
		data = []byte(value)
	case "data":
		data, err = decodeDataURI(ref)
	case "op":
		cmd := exec.Command("op", "read", "op://"+trimScheme(ref, "op://"))
		if data, err = cmd.Output(); err != nil {
			err = fmt.Errorf("op read failed: %w", err)
		}
	case "nsc":
		var profile nscOutput
		if profile, err = nscProfile(ref); err == nil {
			if profile.UserCreds == "" {
				err = errors.New("nsc named no creds file")
			} else {
				data, err = os.ReadFile(profile.UserCreds)
			}
		}
	default:
		err = fmt.Errorf("%s:// references are not supported", scheme)
	}
	if err != nil {
		clear(data)
		return nil, fmt.Errorf("%s: %w", field, err)
	}
	return data, nil
}

// decodeDataURI decodes an RFC 2397 data: URI, which natscli requires to
// be base64 (data:;base64,PAYLOAD, any media type ignored).
func decodeDataURI(ref string) ([]byte, error) {
	header, payload, ok := strings.Cut(trimScheme(ref, "data:"), ",")
	if !ok {
		return nil, errors.New("data: reference has no ','")
	}
	if !slices.ContainsFunc(strings.Split(header, ";"), func(p string) bool { return strings.TrimSpace(p) == "base64" }) {
		return nil, errors.New("data: reference must be ;base64")
	}
	data, err := base64.StdEncoding.DecodeString(payload)
	if err != nil {
		return nil, errors.New("data: reference is not valid base64")
	}
	return data, nil
}

// nscOutput is what kvdeck reads of `nsc generate profile`.
type nscOutput struct {
	UserCreds string `json:"user_creds"`
	Operator  struct {
		Service []string `json:"service"`
	} `json:"operator"`
}

// nscProfile asks nsc for a user's creds file and the operator's servers.
// nsc's output can hold JWTs, so errors quote only what it wrote to stderr.
func nscProfile(ref string) (nscOutput, error) {
	var out nscOutput
	path, err := exec.LookPath("nsc")
	if err != nil {
		return out, errors.New("nsc: cannot find 'nsc' in PATH")
	}
	cmd := exec.Command(path, "generate", "profile", "nsc://"+trimScheme(ref, "nsc://"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.Output()
	if err != nil {
		if hint := strings.TrimSpace(stderr.String()); hint != "" {
			return out, fmt.Errorf("nsc generate profile failed: %w: %s", err, hint)
		}
		return out, fmt.Errorf("nsc generate profile failed: %w", err)
	}
	if err := json.Unmarshal(stdout, &out); err != nil {
		return out, errors.New("nsc generate profile: output is not the expected JSON")
	}
	return out, nil
}

// socksDialer dials the servers through a SOCKS5 proxy.
type socksDialer struct{ dialer proxy.Dialer }

func newSOCKSDialer(raw string) (socksDialer, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return socksDialer{}, backend.Invalid("context", "socks_proxy %s does not parse", backend.MaskURL(raw))
	}
	d, err := proxy.FromURL(u, proxy.Direct)
	if err != nil {
		return socksDialer{}, backend.Invalid("context", "socks_proxy %s: %v", backend.MaskURL(raw), err)
	}
	return socksDialer{d}, nil
}

func (d socksDialer) Dial(network, address string) (net.Conn, error) {
	return d.dialer.Dial(network, address)
}
