package format

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
)

// generateUsers writes a realistic JSON document of about size bytes: an
// array of user records with nested objects, arrays, numbers, booleans,
// nulls, unicode and escapes, as an API cache or a session store holds.
func generateUsers(size int) []byte {
	rng := rand.New(rand.NewPCG(1, 2))
	names := []string{"Alice", "Bob", "Chloé", "Dmitri", "Eun-ji", "Fatima", "Günther", "Hana 花子", "Ísak", "José"}
	cities := []string{"Berlin", "São Paulo", "Tōkyō", "Zürich", "Lagos", "Montréal", "Kraków"}
	tags := []string{"admin", "beta", "billing", "support", "vip", "trial", "eu", "us"}
	var b bytes.Buffer
	b.WriteByte('[')
	for i := 0; b.Len() < size; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		name := names[rng.IntN(len(names))]
		fmt.Fprintf(&b, `{"id":%d,"uuid":"%08x-%04x-4%03x-a%03x-%012x","name":%q,"email":"user%d@example.com",`,
			i, rng.Uint32(), rng.IntN(1<<16), rng.IntN(1<<12), rng.IntN(1<<12), rng.Int64N(1<<48), name, i)
		fmt.Fprintf(&b, `"active":%t,"score":%.3f,"logins":%d,"manager":null,`, rng.IntN(2) == 0, rng.Float64()*100, rng.IntN(10000))
		fmt.Fprintf(&b, `"address":{"street":"%d Main St","city":%q,"zip":"%05d","geo":{"lat":%.6f,"lng":%.6f}},`,
			rng.IntN(999), cities[rng.IntN(len(cities))], rng.IntN(99999), rng.Float64()*180-90, rng.Float64()*360-180)
		b.WriteString(`"tags":[`)
		for j := range rng.IntN(4) {
			if j > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "%q", tags[rng.IntN(len(tags))])
		}
		fmt.Fprintf(&b, `],"prefs":{"theme":"dark","notifications":{"email":true,"sms":false},"quiet_hours":[]},`)
		fmt.Fprintf(&b, `"bio":"Line one\nline \"two\" \u00e9\t\u2603","created":"2024-%02d-%02dT10:%02d:00Z"}`,
			1+rng.IntN(12), 1+rng.IntN(28), rng.IntN(60))
	}
	b.WriteByte(']')
	return b.Bytes()
}

var tenMB = sync.OnceValue(func() []byte { return generateUsers(10 << 20) })

// BenchmarkFirstScreen10MB is what the user waits for on opening a 10 MB
// JSON value: detect, pretty-print the whole value (for the line count and
// paths), render the first 50 lines highlighted. Budget: 300 ms.
func BenchmarkFirstScreen10MB(b *testing.B) {
	src := tenMB()
	hl := NewHighlighter(true)
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		mode := Detect(src)
		doc, err := Build(src, mode, Options{})
		if err != nil {
			b.Fatal(err)
		}
		if lines := doc.Render(0, 50, 120, hl); len(lines) != 50 {
			b.Fatalf("%d lines", len(lines))
		}
	}
}

func BenchmarkBuildJSON10MB(b *testing.B) {
	src := tenMB()
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Build(src, JSON, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkJSONIndent10MB is the standard library's pretty printer on the
// same document, for comparison.
func BenchmarkJSONIndent10MB(b *testing.B) {
	src := tenMB()
	b.SetBytes(int64(len(src)))
	var out bytes.Buffer
	for b.Loop() {
		out.Reset()
		if err := json.Indent(&out, src, "", "  "); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDetect10MB(b *testing.B) {
	src := tenMB()
	for b.Loop() {
		if Detect(src) != JSON {
			b.Fatal("not JSON")
		}
	}
}

// BenchmarkRenderScreen is one frame of scrolling: 50 highlighted lines
// from the middle of a 10 MB document.
func BenchmarkRenderScreen(b *testing.B) {
	doc, err := Build(tenMB(), JSON, Options{})
	if err != nil {
		b.Fatal(err)
	}
	hl := NewHighlighter(true)
	mid := doc.Len() / 2
	b.ReportAllocs()
	for b.Loop() {
		doc.Render(mid, mid+50, 120, hl)
	}
}

func BenchmarkRenderScreenPlain(b *testing.B) {
	doc, err := Build(tenMB(), JSON, Options{})
	if err != nil {
		b.Fatal(err)
	}
	mid := doc.Len() / 2
	b.ReportAllocs()
	for b.Loop() {
		doc.Render(mid, mid+50, 120, nil)
	}
}

func BenchmarkFirstScreenText10MB(b *testing.B) {
	src := bytes.Repeat([]byte("2024-05-01T10:00:00Z INFO request served path=/v1/users status=200\n"), (10<<20)/68)
	hl := NewHighlighter(true)
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		doc, err := Build(src, Detect(src), Options{})
		if err != nil {
			b.Fatal(err)
		}
		doc.Render(0, 50, 120, hl)
	}
}

func BenchmarkPath(b *testing.B) {
	doc, err := Build(tenMB(), JSON, Options{})
	if err != nil {
		b.Fatal(err)
	}
	line := doc.Len() - 10
	for b.Loop() {
		_ = doc.Path(line)
	}
}
