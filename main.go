// Command kvdeck is a terminal UI for key-value stores: Redis, NATS
// JetStream KV and a local bbolt file. main parses flags, turns the target
// into a store, and starts the program; everything else lives in model/,
// ui/ and backend/.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/kvdeck/kvdeck/backend/local/demo"
	"github.com/kvdeck/kvdeck/catalog"
	"github.com/kvdeck/kvdeck/connect"
	"github.com/kvdeck/kvdeck/internal/shutdown"
	"github.com/kvdeck/kvdeck/model"
	"github.com/kvdeck/kvdeck/theme"
)

var version = "0.1.0-dev"

const usage = `kvdeck: browse, search, edit and expire keys in Redis, NATS JetStream KV
and local bbolt files, from the terminal.

Usage:
  kvdeck [flags] [TARGET]
  kvdeck export TARGET [--bucket B] [--match P] [--format jsonl|rdm-csv] > FILE
  kvdeck import TARGET [--bucket B] [--on-conflict skip|overwrite|fail] < FILE

TARGET is one of:
  NAME                            a saved connection (config file: --config)
  PATH or file://PATH             a local bbolt file (--create makes a new one)
  redis://[user:pass@]host:port[/db]
  rediss://...                    Redis over TLS
  unix:///path/redis.sock         Redis on a unix socket
  redis+sentinel://host:26379[,host2:26379]/mastername[/db]
  nats://[user:pass@]host:4222[,host2:4222]   NATS JetStream KV
With no TARGET: $REDIS_URL, else $NATS_URL, else the connection picker
when there are saved connections, else the default local store
(%s).

Examples:
  kvdeck --demo                               try it on a seeded demo store
  kvdeck redis://localhost:6379/0 --bucket 0 --match 'session:*'
  REDISCLI_AUTH=… kvdeck rediss://cache.internal:6380 --tls-ca ca.pem
  kvdeck --askpass --user app redis://cache.internal:6379
  kvdeck --ssh deploy@bastion redis://10.0.0.5:6379/0
  kvdeck prod                                 a saved connection
  kvdeck redis://10.0.0.1:7000?addr=10.0.0.2:7000 --cluster
  kvdeck nats://localhost:4222 --bucket flows --match 'flow.order.>'
  kvdeck --context prod                       a natscli context
  kvdeck ./state.db --read-only

Flags:
`

// flags are the command line.
type flags struct {
	demo, readOnly, showVersion, create         bool
	passwordFile, tokenFile, user               string
	askPass                                     bool
	ssh, sshIdentity, sshKnownHosts             string
	bucket, match, delimiter                    string
	timeout                                     time.Duration
	tlsCA, tlsCert, tlsKey                      string
	tlsSkipVerify                               bool
	cluster                                     bool
	sentinelMaster, sentinelAddrs               string
	natsContext, natsCreds, natsNKey, natsToken string
	theme                                       string
	configPath                                  string
	protoFiles                                  []string
}

func parseFlags(args []string, stderr io.Writer) (flags, []string, error) {
	return parseFlagsWith(args, stderr, nil)
}

// parseFlagsWith is parseFlags with extra flags (a subcommand's).
func parseFlagsWith(args []string, stderr io.Writer, extra func(*flag.FlagSet)) (flags, []string, error) {
	var f flags
	fs := flag.NewFlagSet("kvdeck", flag.ContinueOnError)
	// The flag package prints its error and then calls Usage: keep the
	// error (one line, returned to run) and print the full usage only for
	// -h/--help.
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	fs.BoolVar(&f.demo, "demo", false, "open a temporary store seeded with realistic demo data")
	fs.BoolVar(&f.readOnly, "read-only", false, "refuse every write (enforced by the store layer)")
	fs.BoolVar(&f.showVersion, "version", false, "print the version and exit")
	fs.BoolVar(&f.create, "create", false, "make a new local store at PATH when there is no file there (or the file is empty)")
	fs.StringVar(&f.bucket, "bucket", "", "open straight into this bucket (Redis: database number)")
	fs.StringVar(&f.match, "match", "", "start the key listing with this pattern (glob; NATS: subject wildcards)")
	fs.StringVar(&f.delimiter, "delimiter", "", "tree delimiter (default: ':' Redis, '.' NATS, ':' local)")
	fs.DurationVar(&f.timeout, "timeout", 10*time.Second, "timeout of each store request")
	fs.StringVar(&f.passwordFile, "password-file", "", "read the password from this file's first line (or set REDISCLI_AUTH for Redis, NATS_PASSWORD for NATS), not the URL")
	fs.StringVar(&f.tokenFile, "token-file", "", "read the NATS token from this file's first line (or set NATS_TOKEN)")
	fs.StringVar(&f.user, "user", "", "user name (Redis ACL user, NATS user; NATS_USER for NATS)")
	fs.BoolVar(&f.askPass, "askpass", false, "ask for the password (NATS without a user: the token) on the terminal, echo off, before the UI starts")
	fs.StringVar(&f.ssh, "ssh", "", "reach the server through SSH: user@bastion[:port]")
	fs.StringVar(&f.sshIdentity, "ssh-identity", "", "SSH private key file (default: ssh-agent, then ~/.ssh/id_ed25519, id_ecdsa, id_rsa)")
	fs.StringVar(&f.sshKnownHosts, "ssh-known-hosts", "", "known_hosts file (default ~/.ssh/known_hosts)")
	fs.StringVar(&f.tlsCA, "tls-ca", "", "CA certificate (PEM) to trust (Redis, NATS)")
	fs.StringVar(&f.tlsCert, "tls-cert", "", "client certificate (PEM)")
	fs.StringVar(&f.tlsKey, "tls-key", "", "client key (PEM)")
	fs.BoolVar(&f.tlsSkipVerify, "tls-skip-verify", false, "do not verify the server certificate (Redis)")
	fs.BoolVar(&f.cluster, "cluster", false, "connect to a Redis Cluster (auto-detected otherwise)")
	fs.StringVar(&f.sentinelMaster, "sentinel-master", "", "Redis Sentinel master name")
	fs.StringVar(&f.sentinelAddrs, "sentinel-addrs", "", "comma-separated Redis Sentinel addresses")
	fs.StringVar(&f.natsContext, "context", "", "natscli context name (NATS)")
	fs.StringVar(&f.natsCreds, "creds", "", "NATS credentials file")
	fs.StringVar(&f.natsNKey, "nkey", "", "NATS nkey seed file")
	fs.StringVar(&f.natsToken, "token", "", "NATS token (in argv: prefer NATS_TOKEN, --token-file or --askpass)")
	fs.StringVar(&f.theme, "theme", "auto", "auto, dark or light")
	fs.Func("proto", "a .proto file of the schema protobuf values are shown with (repeat for more; or [protobuf] in the config file)", func(s string) error {
		f.protoFiles = append(f.protoFiles, s)
		return nil
	})
	fs.StringVar(&f.configPath, "config", "", "saved connections file (default $KVDECK_CONFIG, else $XDG_CONFIG_HOME/kvdeck/config.toml)")
	if extra != nil {
		extra(fs)
	}
	// Flags may come before or after the target (kvdeck redis://h --bucket 0),
	// so parse again after each positional argument.
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fmt.Fprintf(stderr, usage, "$XDG_DATA_HOME/kvdeck/kvdeck.db")
				fs.SetOutput(stderr)
				fs.PrintDefaults()
			}
			return f, nil, err
		}
		if fs.NArg() == 0 {
			return f, rest, nil
		}
		rest = append(rest, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

func main() {
	if isTransfer(os.Args[1:]) {
		tuneGC(transferGCPercent)
	} else {
		tuneGC(keyListGCPercent)
	}
	os.Exit(run(os.Args[1:], os.Stderr))
}

// isTransfer tells kvdeck export and kvdeck import from the UI's command
// lines.
func isTransfer(args []string) bool {
	return len(args) > 0 && (args[0] == "export" || args[0] == "import")
}

func run(args []string, stderr io.Writer) int {
	if isTransfer(args) {
		// A saved connection or a file named export or import: ./import.
		return runTransfer(args[0], args[1:], os.Stdin, os.Stdout, stderr)
	}
	f, rest, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "kvdeck: %s (kvdeck --help lists the flags)\n", oneLine(err))
		return 2
	}
	if err := f.validate(); err != nil {
		fmt.Fprintf(stderr, "kvdeck: %s\n", oneLine(err))
		return 2
	}
	if f.showVersion {
		fmt.Println("kvdeck", version)
		return 0
	}
	if len(rest) > 1 {
		masked := make([]string, len(rest))
		for i, r := range rest {
			masked[i] = backend.MaskURL(r)
		}
		fmt.Fprintf(stderr, "kvdeck: one target expected, got %d: %s\n", len(rest), strings.Join(masked, " "))
		return 2
	}
	target := ""
	if len(rest) == 1 {
		target = rest[0]
		warnArgvSecret(target, stderr)
	}
	if f.natsToken != "" {
		fmt.Fprintln(stderr, argvTokenWarning)
	}
	// The renderer measures cells with go-runewidth, which builds a 2 MB
	// table the first time it meets a rune above U+02FF: the panes' box
	// drawing, in the first frame, which it delayed by 15 ms. Build it now,
	// while the store opens and the terminal answers.
	go ansi.StringWidthWc("─")
	cat, err := newCatalog(f)
	if err != nil {
		fmt.Fprintf(stderr, "kvdeck: %s\n", oneLine(err))
		return 2
	}
	// A target that is a saved connection's name opens it; with no target
	// (and nothing in the environment) and saved connections, kvdeck
	// starts on the picker.
	saved, named, err := savedTarget(cat, target, f)
	if err != nil {
		fmt.Fprintf(stderr, "kvdeck: %s\n", oneLine(err))
		return 2
	}
	var conn *connect.Conn
	cleanup := func() {}
	var entry model.Entry
	switch {
	case named != nil:
		spec := catalog.SpecOf(*named, f.timeout)
		f.overrideSaved(&spec)
		if conn, err = connect.Open(context.Background(), spec, connect.Terminal{}); err != nil {
			fmt.Fprintf(stderr, "kvdeck: %s: %s\n", named.Name, oneLine(err))
			return 2
		}
		entry = model.Entry{Source: model.FromSaved, Name: named.Name, Kind: named.Kind(), Address: catalog.Address(*named),
			Color: named.Color, ReadOnly: spec.ReadOnly, Bucket: spec.Bucket, Match: spec.Match}
		cat.Opened(entry) // the recent list is a convenience: not worth failing for
	case target == "" && !f.demo && f.natsContext == "" && os.Getenv("REDIS_URL") == "" && os.Getenv("NATS_URL") == "" && len(saved) > 0:
		// The picker.
	default:
		if conn, cleanup, err = openStore(target, f, connect.Terminal{}); err != nil {
			fmt.Fprintf(stderr, "kvdeck: %s\n", oneLine(err))
			return 2
		}
		info := conn.Store.Info()
		entry = model.Entry{Kind: info.Kind, Address: info.Address, ReadOnly: info.ReadOnly, Bucket: f.bucket, Match: f.match}
		if target != "" && !f.demo {
			kind, _ := targetKind(target, f)
			cat.OpenedTarget(target, kind)
		}
	}
	defer cleanup()

	opts := model.Options{
		Timeout: f.timeout, Delimiter: f.delimiter,
		NoColor: theme.NoColorRequested(), Editor: os.Getenv("EDITOR"),
	}
	var decErr error
	opts.Decoding, decErr = userDecoding(cat, f.protoFiles)
	if decErr != nil {
		// The decoders are the user's: say what is wrong with them, and
		// open the store all the same (a broken decoder never stops
		// kvdeck from showing a key's bytes).
		opts.Notice = "decoders: " + oneLine(decErr)
	}
	switch f.theme {
	case "dark":
		opts.Dark = true
	case "light":
	default:
		// Ask the terminal inside the program (model.App.Init), not here:
		// lipgloss.HasDarkBackground blocks until the terminal answers, a
		// round trip before the first frame, and 2 s on each of stdin and
		// stdout with a terminal that never answers OSC 11. The first
		// frame uses the dark palette, the common case, and the answer
		// restyles the screen when it comes.
		opts.Dark = true
		opts.DetectBackground = true
	}
	// 120 frames a second, Bubble Tea's most: a key press or the first
	// frame waits for the next tick, at most 8 ms instead of 17. Frames are
	// written only when the screen changed, and a listing sends at most 30
	// messages a second (model/stream.go), so this costs nothing at rest.
	deck := model.NewDeck(opts, cat)
	if conn != nil {
		deck.AddTab(conn, entry)
	}
	defer deck.Close()
	p := tea.NewProgram(deck, tea.WithFPS(120), tea.WithoutSignalHandler())
	ending := handleSignals(p)
	_, err = p.Run()
	shutdown.RemoveTemps()
	if sig := ending(); sig != 0 {
		return 128 + int(sig) // as shells report a death by signal
	}
	if err != nil {
		fmt.Fprintf(stderr, "kvdeck: %s\n", oneLine(err))
		return 1
	}
	return 0
}

// openStore turns the target (or the environment) into an open
// connection. p asks on the terminal for what is missing (--askpass, a
// password the server wants), before the UI starts.
func openStore(target string, f flags, p connect.Prompter) (*connect.Conn, func(), error) {
	noop := func() {}
	if f.demo {
		s, _, cleanup, err := demo.OpenTemp()
		if err != nil {
			return nil, noop, fmt.Errorf("demo store: %w", err)
		}
		if f.readOnly {
			s.Close()
			cleanup()
			return nil, noop, errors.New("--demo and --read-only together make no sense: the demo store is temporary")
		}
		return &connect.Conn{Store: s}, cleanup, nil
	}
	if target == "" && f.natsContext == "" {
		switch {
		case os.Getenv("REDIS_URL") != "":
			target = os.Getenv("REDIS_URL")
		case os.Getenv("NATS_URL") != "":
			target = os.Getenv("NATS_URL")
		}
	}
	kind, err := targetKind(target, f)
	if err != nil {
		return nil, noop, err
	}
	if err := f.validateForKind(kind); err != nil {
		return nil, noop, err
	}
	conn, err := connect.Open(context.Background(), f.spec(target, kind), p)
	return conn, noop, err
}

// spec is the connection the command line names.
func (f flags) spec(target, kind string) connect.Spec {
	s := connect.Spec{
		Kind: kind, Target: target, Username: f.user, AskPass: f.askPass,
		ReadOnly: f.readOnly, Create: f.create,
		// A path the user typed must name a store that is there, so a
		// typo leaves nothing behind; --create makes a new one. The
		// default store (no target) is made on first use.
		MustExist: kind == kindLocal && target != "",
		TLSCA:     f.tlsCA, TLSCert: f.tlsCert, TLSKey: f.tlsKey, TLSSkipVerify: f.tlsSkipVerify,
		Cluster: f.cluster, SentinelMaster: f.sentinelMaster,
		NATSContext: f.natsContext, NATSCreds: f.natsCreds, NATSNKey: f.natsNKey,
		Bucket: f.bucket, Match: f.match,
		SSH: f.ssh, SSHIdentity: f.sshIdentity, SSHKnownHosts: f.sshKnownHosts,
		Timeout: f.timeout,
	}
	if f.sentinelAddrs != "" {
		s.SentinelAddrs = strings.Split(f.sentinelAddrs, ",")
	}
	if kind == kindNATS && s.Username == "" {
		s.Username = os.Getenv("NATS_USER") // natscli's convention
	}
	s.Password, s.Token = f.secrets(kind)
	return s
}

// oneLine keeps start-up errors to one line on the terminal.
func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}
