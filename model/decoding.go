package model

import (
	"context"

	"github.com/kvdeck/kvdeck/ui/format"
	"github.com/kvdeck/kvdeck/ui/format/codec"
	"github.com/kvdeck/kvdeck/ui/format/codec/command"
)

// Decoding is the user's own decoders, from the config file: decoder
// commands ([decoders.NAME]) and protobuf messages of a schema
// ([protobuf]), each for the keys its globs name. They come before the
// built-in decoders, and a key one of them names is shown through it
// first.
type Decoding struct {
	Commands []command.Decoder
	Messages []ProtoMessage
}

// ProtoMessage shows the keys its globs name as one message type of the
// user's protobuf schema.
type ProtoMessage struct {
	Keys  []string
	Codec codec.Codec
}

// forKey is the decoders for a key, and the mode it is shown in first:
// the first decoder command or protobuf message whose globs name it, else
// Auto. Commands get the key, bucket and store in their environment.
func (d Decoding) forKey(store, bucket, key string) (*format.Decoders, format.Mode) {
	if len(d.Commands) == 0 && len(d.Messages) == 0 {
		return format.Default(), format.Auto
	}
	where := command.Where{Key: key, Bucket: bucket, Store: store}
	var extra []codec.Codec
	first := format.Auto
	for _, c := range d.Commands {
		extra = append(extra, c.Codec(where))
		if first == format.Auto && c.Matches(key) {
			first = format.Mode(c.Name)
		}
	}
	for _, m := range d.Messages {
		extra = append(extra, m.Codec)
		if first == format.Auto && (command.Decoder{Keys: m.Keys}).Matches(key) {
			first = format.Mode(m.Codec.Name)
		}
	}
	return format.Default().With(extra...), first
}

// detected is the first decoder command whose detection command says it
// applies to value (run off the UI path, when no glob named the key).
func (d Decoding) detected(ctx context.Context, store, bucket, key string, value []byte) format.Mode {
	where := command.Where{Key: key, Bucket: bucket, Store: store}
	for _, c := range d.Commands {
		if c.Applies(ctx, where, value) {
			return format.Mode(c.Name)
		}
	}
	return format.Auto
}
