package protobuf

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/bufbuild/protocompile"
	"github.com/bufbuild/protocompile/reporter"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/dynamicpb"
)

// Schema is a set of .proto files compiled at run time, whose message
// types decode values (Codec) instead of the schemaless guesses.
type Schema struct {
	// messages maps each message's full name to its descriptor; names
	// is the sorted list Messages returns.
	messages map[string]protoreflect.MessageDescriptor
	names    []string
	// types resolves names inside values (google.protobuf.Any's type
	// URLs, extensions) across every file compiled, imports included.
	types *dynamicpb.Types
}

// maxReported is how many compile errors LoadSchema lists: enough to fix a
// file in one go, not a wall of cascading ones.
const maxReported = 10

// LoadSchema compiles files, .proto paths on disk, with their imports
// looked up in importPaths (protoc's -I), or in the files' own folders when
// importPaths is empty. The well-known google/protobuf/*.proto are built
// in. Every file must lie under one of the import paths, as protoc
// requires, because that is what names it in import statements. Errors in
// the sources name the file on disk with the line and column.
func LoadSchema(ctx context.Context, files []string, importPaths []string) (*Schema, error) {
	if len(files) == 0 {
		return nil, errors.New("protobuf schema: no .proto files given")
	}
	roots, err := importRoots(files, importPaths)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(files))
	for i, f := range files {
		if names[i], err = nameUnder(f, roots); err != nil {
			return nil, err
		}
	}

	// onDisk remembers where each import name was found, so errors name
	// the file the user can open, not the import name.
	var onDisk sync.Map
	find := protocompile.ResolverFunc(func(name string) (protocompile.SearchResult, error) {
		for _, root := range roots {
			path := filepath.Join(root, filepath.FromSlash(name))
			f, err := os.Open(path)
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			if err != nil {
				return protocompile.SearchResult{}, err
			}
			onDisk.Store(name, path)
			return protocompile.SearchResult{Source: f}, nil
		}
		return protocompile.SearchResult{}, fmt.Errorf("%s: not found in %s: %w", name, strings.Join(roots, ", "), fs.ErrNotExist)
	})

	var (
		mu       sync.Mutex
		reported []error
	)
	rep := reporter.NewReporter(func(e reporter.ErrorWithPos) error {
		mu.Lock()
		defer mu.Unlock()
		pos := e.GetPosition()
		file := pos.Filename
		if p, ok := onDisk.Load(file); ok {
			file = p.(string)
		}
		reported = append(reported, fmt.Errorf("%s:%d:%d: %v", file, pos.Line, pos.Col, e.Unwrap()))
		if len(reported) >= maxReported {
			return e // stop: enough to go on with
		}
		return nil // go on, to report the file's other errors too
	}, nil)

	compiler := protocompile.Compiler{
		Resolver: protocompile.WithStandardImports(find),
		Reporter: rep,
	}
	compiled, err := compiler.Compile(ctx, names...)
	if err != nil {
		mu.Lock()
		defer mu.Unlock()
		if len(reported) > 0 {
			return nil, fmt.Errorf("protobuf schema: %w", errors.Join(reported...))
		}
		return nil, fmt.Errorf("protobuf schema: %w", err)
	}

	s := &Schema{messages: make(map[string]protoreflect.MessageDescriptor)}
	registry := new(protoregistry.Files)
	requested := make(map[string]bool, len(names))
	for _, n := range names {
		requested[n] = true
	}
	seen := make(map[string]bool)
	var add func(fd protoreflect.FileDescriptor) error
	add = func(fd protoreflect.FileDescriptor) error {
		if seen[fd.Path()] {
			return nil
		}
		seen[fd.Path()] = true
		imports := fd.Imports()
		for i := 0; i < imports.Len(); i++ {
			if err := add(imports.Get(i).FileDescriptor); err != nil {
				return err
			}
		}
		if err := registry.RegisterFile(fd); err != nil {
			return fmt.Errorf("protobuf schema: %s: %w", fd.Path(), err)
		}
		// The well-known types are listed only when asked for by name:
		// otherwise every schema importing timestamp.proto would offer
		// google.protobuf.Timestamp as a value's type.
		if requested[fd.Path()] || !strings.HasPrefix(fd.Path(), "google/protobuf/") {
			s.addMessages(fd.Messages())
		}
		return nil
	}
	for _, f := range compiled {
		if err := add(f); err != nil {
			return nil, err
		}
	}
	s.types = dynamicpb.NewTypes(registry)
	sort.Strings(s.names)
	return s, nil
}

// addMessages lists mds and the messages nested in them, except the
// entries the compiler makes for map fields.
func (s *Schema) addMessages(mds protoreflect.MessageDescriptors) {
	for i := 0; i < mds.Len(); i++ {
		md := mds.Get(i)
		if !md.IsMapEntry() {
			name := string(md.FullName())
			if _, dup := s.messages[name]; !dup {
				s.messages[name] = md
				s.names = append(s.names, name)
			}
		}
		s.addMessages(md.Messages())
	}
}

// Messages lists the full names of the schema's message types, sorted.
func (s *Schema) Messages() []string {
	return append([]string(nil), s.names...)
}

// importRoots returns the folders imports are looked up in, made absolute:
// importPaths, or the folders of files when there are none.
func importRoots(files, importPaths []string) ([]string, error) {
	dirs := importPaths
	if len(dirs) == 0 {
		for _, f := range files {
			dirs = append(dirs, filepath.Dir(f))
		}
	}
	var roots []string
	seen := make(map[string]bool)
	for _, d := range dirs {
		abs, err := filepath.Abs(d)
		if err != nil {
			return nil, fmt.Errorf("protobuf schema: import path %s: %w", d, err)
		}
		if !seen[abs] {
			seen[abs] = true
			roots = append(roots, abs)
		}
	}
	return roots, nil
}

// nameUnder returns file's name relative to the first root holding it,
// with forward slashes: the name import statements use for it.
func nameUnder(file string, roots []string) (string, error) {
	abs, err := filepath.Abs(file)
	if err != nil {
		return "", fmt.Errorf("protobuf schema: %s: %w", file, err)
	}
	for _, root := range roots {
		rel, err := filepath.Rel(root, abs)
		if err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return filepath.ToSlash(rel), nil
		}
	}
	return "", fmt.Errorf("protobuf schema: %s is not under any import path (%s)", file, strings.Join(roots, ", "))
}
