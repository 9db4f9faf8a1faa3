package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestPath(t *testing.T) {
	t.Setenv("HOME", "/home/u")
	t.Setenv("KVDECK_CONFIG", "")
	t.Setenv("XDG_CONFIG_HOME", "")
	for _, tc := range []struct{ kvdeck, xdg, want string }{
		{"", "", "/home/u/.config/kvdeck/config.toml"},
		{"", "/xdg", "/xdg/kvdeck/config.toml"},
		{"/etc/kvdeck.toml", "/xdg", "/etc/kvdeck.toml"},
	} {
		t.Setenv("KVDECK_CONFIG", tc.kvdeck)
		t.Setenv("XDG_CONFIG_HOME", tc.xdg)
		if got, err := Path(); err != nil || got != tc.want {
			t.Errorf("KVDECK_CONFIG=%q XDG_CONFIG_HOME=%q: got %q, %v; want %q", tc.kvdeck, tc.xdg, got, err, tc.want)
		}
	}
}

func TestLoadMissing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "none", "config.toml")
	f, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if f.Path != path || len(f.Connections) != 0 || len(f.Warnings) != 0 {
		t.Fatalf("got %+v", f)
	}
}

// schemaExample is the package documentation's example, as a user would
// copy it (with one url and no context for flows).
const schemaExample = `# kvdeck saved connections
[connections.prod]
url = "redis://prod-redis.internal:6379/0"   # no secret in the URL
username = "app"
password_command = "pass show redis/prod"
tls_ca = "~/certs/ca.pem"
tls_cert = ""
tls_key = ""
tls_skip_verify = false
cluster = false
sentinel_master = ""
sentinel_addrs = []
bucket = "0"
match = "session:*"
read_only = true
color = "#ff5f5f"
ssh = "deploy@bastion.example.com:22"
ssh_identity = "~/.ssh/id_ed25519"
ssh_known_hosts = ""

[connections.flows]
context = "prod"
creds = "~/.nats/prod.creds"
nkey = ""
user = "app"
password_env = "NATS_PASSWORD"
token_env = "NATS_TOKEN"

[connections."scratch pad"]
path = "~/kvdeck/scratch.db"
bucket = 3                 # an integer is fine too
colour = "red"             # a typo
ssh-identity = "x"
URL = "redis://h"
`

func writeConfig(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadExample(t *testing.T) {
	path := writeConfig(t, schemaExample)
	f, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	want := []Connection{
		{Name: "prod", URL: "redis://prod-redis.internal:6379/0", Username: "app", PasswordCommand: "pass show redis/prod",
			TLSCA: "~/certs/ca.pem", Bucket: "0", Match: "session:*", ReadOnly: true, Color: "#ff5f5f",
			SSH: "deploy@bastion.example.com:22", SSHIdentity: "~/.ssh/id_ed25519"},
		{Name: "flows", Context: "prod", Creds: "~/.nats/prod.creds", User: "app", PasswordEnv: "NATS_PASSWORD", TokenEnv: "NATS_TOKEN"},
		{Name: "scratch pad", Path: "~/kvdeck/scratch.db", Bucket: "3"},
	}
	if !reflect.DeepEqual(f.Connections, want) {
		t.Errorf("got\n%+v\nwant\n%+v", f.Connections, want)
	}
	wantWarnings := []string{
		path + `:32: connections."scratch pad".colour: unknown key, ignored (did you mean color?)`,
		path + `:33: connections."scratch pad".ssh-identity: unknown key, ignored (did you mean ssh_identity?)`,
		path + `:34: connections."scratch pad".URL: unknown key, ignored (did you mean url?)`,
	}
	if !reflect.DeepEqual(f.Warnings, wantWarnings) {
		t.Errorf("warnings:\n%s\nwant\n%s", strings.Join(f.Warnings, "\n"), strings.Join(wantWarnings, "\n"))
	}
	for i, kind := range []string{KindRedis, KindNATS, KindLocal} {
		if got := f.Connections[i].Kind(); got != kind {
			t.Errorf("%s: kind %q, want %q", f.Connections[i].Name, got, kind)
		}
	}
}

// TestLoadErrors: each message names the file, the line (and column for
// syntax) and the key; every problem of a file is listed, in line order.
func TestLoadErrors(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{"[connections.a]\nurl = \"redis://h\"\nurl = \"x\"\n", "F:3:1: key url is already defined"},
		{"[connections.a]\nurl = \"redis://h\"\n[connections.a]\n", "F:3:2: connections.a: table a already exists"},
		// The character the parser stopped at is not quoted: it may be a
		// secret's.
		{"[connections.a]\npassword = hunter2\n", "F:2:12: unexpected character at start of value"},
		{"[connections.a]\nurl = \"redis://h\n", "F:2:17: basic strings cannot have new lines"},
		{"connections = 3\n", "F:1: connections: must be a table of connections, like [connections.prod]"},
		{"[[connections]]\nurl = \"x\"\n", "F:1: connections: must be a table of connections, like [connections.prod]"},
		{"[connections]\na = 3\n", "F:2: connections.a: must be a table, like [connections.a]"},
		{"[connections.a]\nurl = \"redis://h\"\nread_only = \"yes\"\nbucket = 1.5\nsentinel_addrs = [1]\nmatch = [\"a\"]\n\n[connections.b]\npath = \"\"\n",
			"F:3: connections.a.read_only: must be true or false, not a string\n" +
				"F:4: connections.a.bucket: must be a string or an integer, not a float\n" +
				"F:5: connections.a.sentinel_addrs: must be an array of strings, and holds an integer\n" +
				"F:6: connections.a.match: must be a string, not an array\n" +
				"F:8: connections.b: needs one of url, context (a natscli context) or path (a local file)"},
		{"[connections.a]\nurl = \"redis://u:hunter2@h\"\n",
			"F:2: connections.a.url: redis://u:***@h holds a password: move it to password_env, password_file or password_command"},
		{"[connections.a]\npath = \"/x\"\ncolor = \"puce\"\n",
			"F:3: connections.a.color: \"puce\" is not #rrggbb nor one of red, green, yellow, blue, magenta, cyan, orange, gray, grey, white"},
		{"[connections.a]\npath = \"/x\"\nurl = \"redis://h\"\n", "F:1: connections.a: has more than one of url, context and path; keep one"},
		{"[connections.a]\nurl = \"nats://h\"\ncluster = true\n", "F:3: connections.a.cluster: is for Redis connections, and this one is NATS"},
		{"connections.x.url = \"redis://h\"\nconnections.x.bucket = \"db1\"\n", "F:2: connections.x.bucket: \"db1\" is not a Redis database number"},
	} {
		path := writeConfig(t, tc.text)
		_, err := Load(path)
		got := ""
		if err != nil {
			got = strings.ReplaceAll(err.Error(), path, "F")
		}
		if got != tc.want {
			t.Errorf("%q:\n got %s\nwant %s", tc.text, got, tc.want)
		}
		if strings.Contains(got, "hunter2") {
			t.Errorf("%q: the error shows the secret", tc.text)
		}
	}
}

func TestValidate(t *testing.T) {
	long := strings.Repeat("n", 65)
	for _, tc := range []struct {
		c    Connection
		want string
	}{
		{Connection{Name: "a", URL: "redis://h:6379/0"}, ""},
		{Connection{Name: "a", URL: "rediss://h", TLSSkipVerify: true, Bucket: "15"}, ""},
		{Connection{Name: "a", URL: "unix:///run/redis.sock"}, ""},
		{Connection{Name: "a", URL: "redis+sentinel://h1:26379,h2:26379/mymaster/0"}, ""},
		{Connection{Name: "a", URL: "redis://h", SentinelMaster: "m", SentinelAddrs: []string{"h1:26379"}}, ""},
		{Connection{Name: "a", URL: "nats://a:4222,b:4222", User: "app", PasswordEnv: "P", TokenFile: "t"}, ""},
		{Connection{Name: "a", URL: "tls://a,wss://b", Creds: "c"}, ""},
		{Connection{Name: "a", Context: "prod", SSH: "bastion"}, ""},
		{Connection{Name: "a", Path: "/x.db", Color: "Orange", ReadOnly: true, Match: "a*"}, ""},
		{Connection{Name: "a b.c/é", Path: "/x.db", Color: "#00FF7f"}, ""},
		{Connection{Name: strings.Repeat("é", 64), Path: "/x.db"}, ""},

		{Connection{Path: "/x"}, `connections."": the name is empty`},
		{Connection{Name: long, Path: "/x"}, "connections." + long + ": the name is longer than 64 characters"},
		{Connection{Name: "a\tb", Path: "/x"}, `connections."a\tb": the name has a character that is not printable`},
		{Connection{Name: "a"}, "connections.a: needs one of url, context (a natscli context) or path (a local file)"},
		{Connection{Name: "a", URL: "redis://h", Context: "c"}, "connections.a: has more than one of url, context and path; keep one"},
		{Connection{Name: "a", URL: "http://h"}, `connections.a.url: scheme "http" is not known; use redis://, rediss://, unix://, redis+sentinel://, nats://, tls://, ws:// or wss://`},
		{Connection{Name: "a", URL: "localhost:6379"}, "connections.a.url: localhost:6379 has no scheme; use redis://, rediss://, unix://, redis+sentinel://, nats://, tls://, ws:// or wss://"},
		{Connection{Name: "a", URL: "h:6379/0"}, "connections.a.url: h:6379/0 has no scheme; use redis://, rediss://, unix://, redis+sentinel://, nats://, tls://, ws:// or wss://"},
		{Connection{Name: "a", URL: "redis-host"}, "connections.a.url: redis-host has no scheme; use redis://, rediss://, unix://, redis+sentinel://, nats://, tls://, ws:// or wss://"},
		{Connection{Name: "a", URL: "redis://:pw@h"}, "connections.a.url: redis://:***@h holds a password: move it to password_env, password_file or password_command"},
		{Connection{Name: "a", URL: "redis://pw@h"}, "connections.a.url: redis://h has a user part, which Redis reads as a password: put the user in username and the password in password_env, password_file or password_command"},
		{Connection{Name: "a", URL: "nats://a:4222,tok@b:4222"}, "connections.a.url: nats://b:4222 has a user part, which NATS reads as a token: use token_env, token_file or token_command (and user for a user name)"},
		{Connection{Name: "a", URL: "nats://u:p@b"}, "connections.a.url: nats://u:***@b holds a password: move it to password_env, password_file or password_command"},
		{Connection{Name: "a", URL: "redis+sentinel://h/m?sentinel_password=x"}, "connections.a.url: redis+sentinel://h/m holds a secret in ?sentinel_password=: kvdeck's file keeps no secrets"},
		{Connection{Name: "a", URL: "nats://a,http://b"}, `connections.a.url: scheme "http" is not a NATS scheme; use nats://, tls://, ws:// or wss://`},
		{Connection{Name: "a", URL: "redis://"}, "connections.a.url: redis:// has no host"},
		{Connection{Name: "a", URL: "redis://h", PasswordEnv: "A", PasswordFile: "B"}, "connections.a: has more than one of password_env, password_file, password_command; keep one"},
		{Connection{Name: "a", URL: "nats://h", TokenEnv: "A", TokenCommand: "B"}, "connections.a: has more than one of token_env, token_file, token_command; keep one"},
		{Connection{Name: "a", URL: "redis://h", TokenEnv: "A"}, "connections.a.token_env: is for NATS connections, and this one is Redis"},
		{Connection{Name: "a", URL: "redis://h", User: "u"}, "connections.a.user: is for NATS connections, and this one is Redis"},
		{Connection{Name: "a", URL: "nats://h", Username: "u"}, "connections.a.username: is for Redis connections, and this one is NATS"},
		{Connection{Name: "a", Path: "/x", SSH: "h"}, "connections.a.ssh: is for Redis and NATS connections, and this one is a local file"},
		{Connection{Name: "a", Path: "/x", PasswordEnv: "P"}, "connections.a.password_env: is for Redis and NATS connections, and this one is a local file"},
		{Connection{Name: "a", Context: "c", TLSSkipVerify: true}, "connections.a.tls_skip_verify: is for Redis connections, and this one is NATS"},
		{Connection{Name: "a", Path: "/x", Color: "#12345"}, `connections.a.color: "#12345" is not #rrggbb nor one of red, green, yellow, blue, magenta, cyan, orange, gray, grey, white`},
		{Connection{Name: "a", URL: "redis://h", Bucket: "-1"}, `connections.a.bucket: "-1" is not a Redis database number`},
		{Connection{Name: "a", URL: "redis://h", SentinelAddrs: []string{"h:1"}}, "connections.a.sentinel_addrs: needs sentinel_master"},
		{Connection{Name: "a", URL: "redis://h", SentinelMaster: "m", SentinelAddrs: []string{"h"}}, `connections.a.sentinel_addrs: "h" is not host:port`},
		{Connection{Name: "a", URL: "redis://h", SSH: "u@h:99999"}, `connections.a.ssh: "u@h:99999" has a port that is not a number from 1 to 65535`},
		{Connection{Name: "a", URL: "redis://h", SSH: "@h"}, `connections.a.ssh: "@h" has an empty user before @`},
		{Connection{Name: "a", URL: "redis://h", SSHIdentity: "~/.ssh/id"}, "connections.a.ssh_identity: needs ssh (user@host[:port])"},
	} {
		got := ""
		if err := tc.c.Validate(); err != nil {
			got = err.Error()
		}
		if got != tc.want {
			t.Errorf("%+v:\n got %s\nwant %s", tc.c, got, tc.want)
		}
	}
}

func TestKind(t *testing.T) {
	for _, tc := range []struct {
		c    Connection
		want string
	}{
		{Connection{URL: "REDIS://h"}, KindRedis},
		{Connection{URL: "unix:///s"}, KindRedis},
		{Connection{URL: "redis+sentinel://h/m"}, KindRedis},
		{Connection{URL: "wss://h"}, KindNATS},
		{Connection{Context: "c"}, KindNATS},
		{Connection{Path: "x.db"}, KindLocal},
		{Connection{URL: "http://h"}, ""},
		{Connection{}, ""},
	} {
		if got := tc.c.Kind(); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.c, got, tc.want)
		}
	}
}

func TestExpanded(t *testing.T) {
	t.Setenv("HOME", "/home/u")
	c := Connection{Name: "a", Context: "c", Creds: "~/.nats/c.creds", TLSCA: "~", SSHIdentity: "~other/id", Match: "~/not-a-path"}
	got := c.Expanded()
	want := c
	want.Creds, want.TLSCA = "/home/u/.nats/c.creds", "/home/u"
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	if c.Creds != "~/.nats/c.creds" {
		t.Error("Expanded changed the stored value")
	}
}
