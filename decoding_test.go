package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/kvdeck/kvdeck/catalog"
)

// shopOrder is a shop.Order (ui/format/codec/protobuf/testdata/shop.proto)
// written with the protobuf library's wire encoder: id 7, customer "ada".
func shopOrder() []byte {
	var b []byte
	b = protowire.AppendTag(b, 1, protowire.VarintType)
	b = protowire.AppendVarint(b, 7)
	b = protowire.AppendTag(b, 2, protowire.BytesType)
	return protowire.AppendString(b, "ada")
}

// A protobuf schema from the config file, with the message named for a
// key glob, and the decoder commands: loaded, compiled, and the message
// decodes a value and writes an edit back.
func TestDecodersFromTheConfigFile(t *testing.T) {
	proto, err := filepath.Abs("ui/format/codec/protobuf/testdata/shop.proto")
	if err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(t.TempDir(), "config.toml")
	os.WriteFile(cfg, []byte(`[decoders.rot13]
decode = "tr a-z n-za-m"
keys = ["secret:*"]

[protobuf]
files = ["`+proto+`"]
[[protobuf.messages]]
keys = ["order:*"]
message = "shop.Order"
`), 0o600)
	d, err := userDecoding(catalog.New(cfg, 0), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Commands) != 1 || d.Commands[0].Name != "rot13" || !d.Commands[0].Matches("secret:1") {
		t.Fatalf("commands: %+v", d.Commands)
	}
	if len(d.Messages) != 2 || strings.Join(d.Messages[0].Keys, ",") != "order:*" || d.Messages[0].Codec.Name != "protobuf shop.Order" {
		t.Fatalf("messages: %+v", d.Messages)
	}
	c := d.Messages[0].Codec
	got, err := c.Decode(shopOrder(), 1<<20, false)
	if err != nil || !strings.Contains(string(got.Out), `"customer":"ada"`) {
		t.Fatalf("decode: %s %v", got.Out, err)
	}
	edited, err := c.Encode(got, []byte(strings.Replace(string(got.Out), `"ada"`, `"grace"`, 1)))
	if err != nil {
		t.Fatal(err)
	}
	back, err := c.Decode(edited, 1<<20, false)
	if err != nil || !strings.Contains(string(back.Out), `"customer":"grace"`) {
		t.Fatalf("the edit reads back as %s (%v)", back.Out, err)
	}
}

// --proto without a config file: a value is shown as the one message of
// the schema that reads it whole; a .proto that does not compile says
// where.
func TestProtoFlag(t *testing.T) {
	proto, _ := filepath.Abs("ui/format/codec/protobuf/testdata/shop.proto")
	d, err := userDecoding(catalog.New(filepath.Join(t.TempDir(), "none.toml"), 0), []string{proto})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Messages) != 1 || d.Messages[0].Codec.Name != "protobuf schema" {
		t.Fatalf("messages: %+v", d.Messages)
	}
	c := d.Messages[0].Codec
	got, err := c.Decode(shopOrder(), 1<<20, false)
	if !c.Sniff(shopOrder()) || err != nil || !strings.Contains(string(got.Out), `"customer":"ada"`) || !strings.Contains(got.Detail, "shop.Order") {
		t.Fatalf("guessed: %s %q %v", got.Out, got.Detail, err)
	}
	bad := filepath.Join(t.TempDir(), "bad.proto")
	os.WriteFile(bad, []byte("syntax = \"proto3\";\nmessage X { strin name = 1; }\n"), 0o600)
	if _, err := userDecoding(catalog.New(filepath.Join(t.TempDir(), "none.toml"), 0), []string{bad}); err == nil || !strings.Contains(err.Error(), "bad.proto:2") {
		t.Fatalf("a broken .proto: %v", err)
	}
}
