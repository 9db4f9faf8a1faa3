package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kvdeck/kvdeck/catalog"
	"github.com/kvdeck/kvdeck/model"
	"github.com/kvdeck/kvdeck/ui/format/codec"
	"github.com/kvdeck/kvdeck/ui/format/codec/command"
	"github.com/kvdeck/kvdeck/ui/format/codec/protobuf"
)

// protoLoadTimeout bounds compiling the user's .proto files.
const protoLoadTimeout = 10 * time.Second

// userDecoding is the user's own decoders: the config file's
// [decoders.NAME] commands and [protobuf] schema, and the .proto files of
// --proto. With --proto and no message named for a key, a value is shown
// as the one message of the schema that reads it whole (protobuf.Guess).
// What cannot be loaded is returned as the error, with what could be.
func userDecoding(cat *catalog.Catalog, protoFiles []string) (model.Decoding, error) {
	var d model.Decoding
	var errs []error
	f, err := cat.Saved()
	if err != nil {
		errs = append(errs, err)
	}
	var pb struct {
		files, imports []string
		messages       []model.ProtoMessage
	}
	if f != nil {
		for _, c := range f.Decoders {
			d.Commands = append(d.Commands, command.Decoder{Name: c.Name, Decode: c.Decode, Encode: c.Encode, Detect: c.Detect, Keys: c.Keys, Timeout: c.Timeout})
		}
		if f.Protobuf != nil {
			pb.files, pb.imports = f.Protobuf.Files, f.Protobuf.ImportPaths
		}
	}
	pb.files = append(pb.files, protoFiles...)
	if len(pb.files) == 0 {
		return d, errors.Join(errs...)
	}
	ctx, cancel := context.WithTimeout(context.Background(), protoLoadTimeout)
	defer cancel()
	schema, err := protobuf.LoadSchema(ctx, pb.files, pb.imports)
	if err != nil {
		return d, errors.Join(append(errs, fmt.Errorf("protobuf schema: %w", err))...)
	}
	if f != nil && f.Protobuf != nil {
		for _, m := range f.Protobuf.Messages {
			c, err := schema.Codec(m.Message)
			if err != nil {
				errs = append(errs, fmt.Errorf("protobuf.messages: %w", err))
				continue
			}
			c.Name = "protobuf " + m.Message
			d.Messages = append(d.Messages, model.ProtoMessage{Keys: m.Keys, Codec: c})
		}
	}
	d.Messages = append(d.Messages, model.ProtoMessage{Codec: guessedMessage(schema)})
	return d, errors.Join(errs...)
}

// guessedMessage shows a value as the one message of schema that reads it
// with no field unknown, when exactly one does.
func guessedMessage(schema *protobuf.Schema) codec.Codec {
	codecFor := func(b []byte) (codec.Codec, error) {
		name, ok := schema.Guess(b)
		if !ok {
			return codec.Codec{}, errors.New("protobuf schema: no one message of the schema reads this value whole; name its keys' message in [[protobuf.messages]]")
		}
		return schema.Codec(name)
	}
	return codec.Codec{
		Name:  "protobuf schema",
		Sniff: func(b []byte) bool { _, ok := schema.Guess(b); return ok },
		Decode: func(b []byte, limit int64, partial bool) (codec.Decoded, error) {
			c, err := codecFor(b)
			if err != nil {
				return codec.Decoded{}, err
			}
			d, err := c.Decode(b, limit, partial)
			d.Params = paramsOf{c, d.Params}
			return d, err
		},
		Encode: func(d codec.Decoded, edited []byte) ([]byte, error) {
			p, ok := d.Params.(paramsOf)
			if !ok {
				return nil, errors.New("protobuf schema: the message is unknown")
			}
			d.Params = p.params
			return p.c.Encode(d, edited)
		},
		Exact: true,
	}
}

// paramsOf keeps the codec a guessed message was decoded with, for Encode.
type paramsOf struct {
	c      codec.Codec
	params any
}
