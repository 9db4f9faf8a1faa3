// Package config reads and edits kvdeck's saved connections, lists the
// natscli contexts, and remembers the recent targets.
//
// # The file
//
// The saved connections live in one TOML file: $KVDECK_CONFIG when set,
// else $XDG_CONFIG_HOME/kvdeck/config.toml, else
// ~/.config/kvdeck/config.toml (see Path). A missing file is an empty one.
//
//	# kvdeck saved connections
//	[connections.prod]
//	url = "redis://prod-redis.internal:6379/0"   # no secret in the URL
//	username = "app"
//	password_command = "pass show redis/prod"     # or password_env = "PROD_REDIS_PASSWORD", or password_file = "~/.secrets/redis-prod"
//	tls_ca = "~/certs/ca.pem"
//	tls_cert = ""
//	tls_key = ""
//	tls_skip_verify = false
//	cluster = false
//	sentinel_master = ""
//	sentinel_addrs = ["10.0.0.1:26379"]
//	bucket = "0"                                   # default bucket (Redis: db number)
//	match = "session:*"                            # default pattern
//	read_only = true
//	color = "#ff5f5f"                              # label colour
//	ssh = "deploy@bastion.example.com:22"
//	ssh_identity = "~/.ssh/id_ed25519"
//	ssh_known_hosts = ""                           # default ~/.ssh/known_hosts
//
//	[connections.flows]
//	context = "prod"                   # a natscli context (or url = "nats://nats.internal:4222")
//	creds = "~/.nats/prod.creds"
//	nkey = ""
//	user = "app"
//	password_env = "NATS_PASSWORD"     # NATS user password: password_env / password_file / password_command
//	token_env = "NATS_TOKEN"           # token_env / token_file / token_command
//
//	[connections.scratch]
//	path = "~/kvdeck/scratch.db"       # a local bbolt file
//
// # Rules
//
//   - A connection names exactly one of url (Redis: redis://, rediss://,
//     unix://, redis+sentinel://; NATS: nats://, tls://, ws://, wss://,
//     several comma-separated), context (a natscli context, NATS) and path
//     (a local bbolt file). Its kind follows: "redis", "nats" or "local".
//   - No secret is written in the file. A URL with a user part is refused
//     (Redis reads a lone user part as a password, NATS as a token); the
//     password comes from password_env (an environment variable),
//     password_file (the file's first line) or password_command (the
//     command's first line of output; the command is split like shell words
//     and run without a shell: write sh -c '...' to have one). A NATS token
//     comes the same way from token_env, token_file or token_command. At
//     most one of each triple.
//   - Keys belong to kinds: username, cluster, sentinel_*, tls_skip_verify
//     are Redis's; context, user, creds, nkey, token_* are NATS's; tls_*
//     and ssh* are for Redis and NATS; bucket, match, read_only and color
//     for all. A key of another kind is an error, so that a setting is never
//     silently ignored.
//   - bucket may be written as a string or, for Redis's numbered databases,
//     an integer (bucket = 0).
//   - color is #rrggbb or one of red, green, yellow, blue, magenta, cyan,
//     orange, gray (grey), white.
//   - A connection's name is the table's key: not empty, printable, at most
//     64 characters; quote it for spaces or dots: [connections."old prod"].
//   - ~ in a path (tls_*, ssh_identity, ssh_known_hosts, creds, nkey, path,
//     password_file, token_file) means the home folder; it is expanded when
//     the path is used (Connection.Expanded), and stays ~ in the file.
//   - An unknown key inside a connection is not an error but a warning
//     (File.Warnings), so that a typo is visible. Tables and keys outside
//     [connections] are not kvdeck's and are ignored.
//
// # Editing the file
//
// File.Put, File.Delete and File.Rename edit the text of the file, not a
// re-encoding of it, and File.Save writes it back atomically. What is
// preserved, byte for byte: every comment, blank line, unknown key and
// table, the order of everything, and every line of the edited connection
// whose known key did not change its value (including the way the value is
// written, such as 'literal' strings or bucket = 0, and a comment at the
// end of the line). What changes: a known key whose value changed has its
// value (only the value: key, spacing and end-of-line comment stay)
// re-encoded as a TOML basic string, boolean or array; a cleared key loses
// its line(s); a new key is added after the connection's last key, with
// that key's indentation; a new connection is appended at the end of the
// file. Delete removes the table from its header through the line before
// the next table header, but keeps a comment block that directly precedes
// (no blank line between) that next header, since it describes the next
// table. By the same rule the comment block directly above the deleted
// header goes with it, unless that block starts the file (it is then the
// file's own comment, like "# kvdeck saved connections"). Sub-tables of
// the connection ([connections.NAME.something]) go with it. Blank lines
// are kept so that what was separated stays separated, and at the end of
// the file the blank lines before the deleted table go too. Rename
// rewrites the header line(s) only. Comments between a cleared key and the
// key above it stay.
//
// Not supported: a connection written as an inline table
// (prod = { url = "..." }) or with dotted keys outside its own table
// (connections.prod.url = "..."): editing one is refused with a message
// naming the line, and the file is left as it was. A file changed on disk
// since it was loaded is not overwritten (ErrChangedOnDisk).
package config
