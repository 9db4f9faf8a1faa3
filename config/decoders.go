package config

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// The user's own value decoders:
//
//	[decoders.snappy-java]
//	decode = "java -jar /opt/dec.jar"       # the value on stdin, text on stdout
//	encode = "java -jar /opt/enc.jar"       # optional: the way back
//	keys = ["cache:*"]                      # the keys shown through it first
//	detect = "sh -c 'head -c4 | grep -q KVX1'" # optional: exit 0 when it applies
//	timeout = "3s"                          # default 5s
//
//	[protobuf]
//	files = ["~/protos/shop.proto"]
//	import_paths = ["~/protos"]
//	[[protobuf.messages]]
//	keys = ["order:*"]
//	message = "shop.Order"
//
// Commands are split into words as a shell would, but never run by one
// (see splitWords). Relative paths of .proto files are the config file's
// folder's.

// Decoder is a [decoders.NAME] table.
type Decoder struct {
	Name                   string
	Decode, Encode, Detect []string
	Keys                   []string
	Timeout                time.Duration
}

// Protobuf is the [protobuf] table: a schema, and which keys hold which
// of its messages.
type Protobuf struct {
	Files, ImportPaths []string
	Messages           []ProtoMessage
}

// ProtoMessage shows the keys its globs name as Message.
type ProtoMessage struct {
	Keys    []string
	Message string
}

// decodeDecoders reads the [decoders.*] and [protobuf] tables of doc.
func decodeDecoders(path string, doc map[string]any, l *layout) ([]Decoder, *Protobuf, []problem, []problem) {
	var decs []Decoder
	var problems, warnings []problem
	if raw, ok := doc["decoders"]; ok {
		table, ok := raw.(map[string]any)
		if !ok {
			problems = append(problems, problem{l.lineOf("decoders"), "decoders: must be a table of decoders, like [decoders.mine]"})
		}
		for name, v := range table {
			at := func(key ...string) int { return l.lineOf(append([]string{"decoders", name}, key...)...) }
			t, ok := v.(map[string]any)
			if !ok {
				problems = append(problems, problem{at(), fmt.Sprintf("decoders.%s: must be a table, like [decoders.%s]", quoteKey(name), quoteKey(name))})
				continue
			}
			d := Decoder{Name: name}
			for key, value := range t {
				where := fmt.Sprintf("decoders.%s.%s", quoteKey(name), quoteKey(key))
				var err error
				switch key {
				case "decode":
					d.Decode, err = commandValue(value)
				case "encode":
					d.Encode, err = commandValue(value)
				case "detect":
					d.Detect, err = commandValue(value)
				case "keys":
					d.Keys, err = stringsValue(value)
				case "timeout":
					d.Timeout, err = durationValue(value)
				default:
					warnings = append(warnings, problem{at(key), where + ": unknown key, ignored (decode, encode, detect, keys, timeout)"})
					continue
				}
				if err != nil {
					problems = append(problems, problem{at(key), where + ": " + err.Error()})
				}
			}
			if len(d.Decode) == 0 {
				problems = append(problems, problem{at(), fmt.Sprintf("decoders.%s: needs decode, the command that decodes a value", quoteKey(name))})
				continue
			}
			decs = append(decs, d)
		}
	}
	// The file's order.
	slices.SortFunc(decs, func(a, b Decoder) int { return l.lineOf("decoders", a.Name) - l.lineOf("decoders", b.Name) })
	pb, more := decodeProtobuf(path, doc, l)
	return decs, pb, append(problems, more...), warnings
}

func decodeProtobuf(path string, doc map[string]any, l *layout) (*Protobuf, []problem) {
	raw, ok := doc["protobuf"]
	if !ok {
		return nil, nil
	}
	at := func(key ...string) int { return l.lineOf(append([]string{"protobuf"}, key...)...) }
	t, ok := raw.(map[string]any)
	if !ok {
		return nil, []problem{{at(), "protobuf: must be a table, like [protobuf]"}}
	}
	var problems []problem
	pb := &Protobuf{}
	dir := filepath.Dir(path)
	paths := func(key string) []string {
		v, ok := t[key]
		if !ok {
			return nil
		}
		list, err := stringsValue(v)
		if err != nil {
			problems = append(problems, problem{at(key), "protobuf." + key + ": " + err.Error()})
		}
		for i, p := range list {
			if p = ExpandHome(p); !filepath.IsAbs(p) {
				p = filepath.Join(dir, p)
			}
			list[i] = p
		}
		return list
	}
	pb.Files, pb.ImportPaths = paths("files"), paths("import_paths")
	if len(pb.Files) == 0 {
		problems = append(problems, problem{at(), "protobuf: needs files, the .proto files of the schema"})
	}
	if v, ok := t["messages"]; ok {
		list, ok := v.([]any)
		if !ok {
			problems = append(problems, problem{at("messages"), "protobuf.messages: must be [[protobuf.messages]] tables with keys and message"})
		}
		for _, item := range list {
			m, _ := item.(map[string]any)
			var pm ProtoMessage
			pm.Message, _ = m["message"].(string)
			keys, err := stringsValue(m["keys"])
			pm.Keys = keys
			if pm.Message == "" || err != nil || len(keys) == 0 {
				problems = append(problems, problem{at("messages"), "protobuf.messages: each needs keys (globs of key names) and message (a message's name, like shop.Order)"})
				continue
			}
			pb.Messages = append(pb.Messages, pm)
		}
	}
	for key := range t {
		if key != "files" && key != "import_paths" && key != "messages" {
			problems = append(problems, problem{at(key), "protobuf." + quoteKey(key) + ": unknown key (files, import_paths, messages)"})
		}
	}
	return pb, problems
}

// commandValue is a command line, split into argv without a shell.
func commandValue(v any) ([]string, error) {
	s, ok := v.(string)
	if !ok || strings.TrimSpace(s) == "" {
		return nil, fmt.Errorf("must be a command line, like \"mydecoder --json\"")
	}
	return splitWords(s)
}

// stringsValue is a string or an array of strings.
func stringsValue(v any) ([]string, error) {
	switch v := v.(type) {
	case string:
		return []string{v}, nil
	case []any:
		out := make([]string, 0, len(v))
		for _, e := range v {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("must be strings, like [\"cache:*\"]")
			}
			out = append(out, s)
		}
		return out, nil
	}
	return nil, fmt.Errorf("must be a string or an array of strings")
}

func durationValue(v any) (time.Duration, error) {
	s, ok := v.(string)
	if !ok {
		return 0, fmt.Errorf(`must be a duration, like "3s"`)
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf(`%q: must be a duration, like "3s"`, s)
	}
	return d, nil
}
