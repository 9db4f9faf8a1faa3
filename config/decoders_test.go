package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestDecodersAndProtobufTables(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.toml")
	os.WriteFile(path, []byte(`[connections.prod]
url = "redis://localhost:6379"

[decoders.second]
decode = "b"

[decoders.first]
decode = "sh -c 'zstd -dc | jq .'"
encode = "/opt/enc --level 3"
keys = ["cache:*", "blob:*"]
timeout = "2s"
colour = "red"

[decoders.second2]
decode = "c"
keys = "one:*"

[protobuf]
files = ["protos/shop.proto"]
[[protobuf.messages]]
keys = ["order:*"]
message = "shop.Order"
`), 0o600)
	f, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Decoders) != 3 || f.Decoders[0].Name != "second" || f.Decoders[1].Name != "first" {
		t.Fatalf("decoders, in the file's order: %+v", f.Decoders)
	}
	d := f.Decoders[1]
	if strings.Join(d.Decode, "|") != "sh|-c|zstd -dc | jq ." || strings.Join(d.Encode, "|") != "/opt/enc|--level|3" ||
		strings.Join(d.Keys, ",") != "cache:*,blob:*" || d.Timeout != 2*time.Second {
		t.Fatalf("first: %+v", d)
	}
	if f.Decoders[2].Keys[0] != "one:*" {
		t.Fatalf("a single glob: %+v", f.Decoders[2])
	}
	if len(f.Warnings) != 1 || !strings.Contains(f.Warnings[0], ":12: decoders.first.colour: unknown key") {
		t.Fatalf("warnings: %q", f.Warnings)
	}
	if f.Protobuf == nil || f.Protobuf.Files[0] != filepath.Join(dir, "protos/shop.proto") || f.Protobuf.Messages[0].Message != "shop.Order" {
		t.Fatalf("protobuf: %+v", f.Protobuf)
	}
}

func TestDecoderTableErrorsNameTheLine(t *testing.T) {
	for _, c := range []struct{ text, want string }{
		{"[decoders.x]\nkeys = [\"a\"]\n", ":1: decoders.x: needs decode"},
		{"[decoders.x]\ndecode = \"a | b\"\n", ":2: decoders.x.decode: '|' is shell syntax"},
		{"[decoders.x]\ndecode = \"a\"\ntimeout = \"soon\"\n", ":3: decoders.x.timeout: \"soon\": must be a duration"},
		{"[protobuf]\nfile = \"x.proto\"\n", "protobuf: needs files"},
		{"[protobuf]\nfiles = \"x.proto\"\n[[protobuf.messages]]\nkeys = [\"a:*\"]\n", "each needs keys"},
	} {
		path := filepath.Join(t.TempDir(), "c.toml")
		os.WriteFile(path, []byte(c.text), 0o600)
		_, err := Load(path)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want %q", c.text, err, c.want)
		}
	}
}
