package model

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/kvdeck/kvdeck/backend"
)

// emptyStore answers nothing: the benchmarks feed listing messages
// directly, measuring the model and not a store.
type emptyStore struct{}

func (emptyStore) Info() backend.Info                                { return backend.Info{Kind: "bench", Address: "memory"} }
func (emptyStore) Buckets(context.Context) ([]backend.Bucket, error) { return nil, nil }
func (emptyStore) Keys(context.Context, string, backend.Query, func([]backend.KeyInfo) error) error {
	return nil
}
func (emptyStore) Get(context.Context, string, string, backend.GetOptions) (backend.Entry, error) {
	return backend.Entry{}, backend.ErrNotFound
}
func (emptyStore) Put(context.Context, string, string, []byte, backend.PutOptions) (string, error) {
	return "", backend.ErrUnsupported
}
func (emptyStore) Delete(context.Context, string, string, backend.DeleteOptions) error {
	return backend.ErrUnsupported
}
func (emptyStore) Expire(context.Context, string, string, time.Duration) error {
	return backend.ErrUnsupported
}
func (emptyStore) Close() error { return nil }

// millionKeyApp returns an App whose key pane holds n keys of 30 bytes,
// delivered as a listing would deliver them, in batches of 1,000.
func millionKeyApp(batches [][]backend.KeyInfo) *App {
	a := New(emptyStore{}, Options{NoColor: false, Dark: true})
	a.Update(tea.WindowSizeMsg{Width: 160, Height: 50})
	a.keys.open(&a.env, "bench")
	a.keys.stream.stop()
	a.focus = paneKeys
	for _, batch := range batches {
		a.keys.chunk(&a.env, keysChunkMsg{req: a.keys.req, batches: [][]backend.KeyInfo{batch}, stream: &keyStream{notify: make(chan struct{}, 1)}})
	}
	a.keys.chunk(&a.env, keysChunkMsg{req: a.keys.req, done: true})
	return a
}

// listingBatches is n keys of 30 bytes in batches of 1,000.
func listingBatches(n int) [][]backend.KeyInfo {
	var out [][]backend.KeyInfo
	for i := 0; i < n; i += 1000 {
		batch := make([]backend.KeyInfo, 1000)
		for j := range batch {
			batch[j] = backend.KeyInfo{Name: fmt.Sprintf("tenant-%03d:order:%015d", (i+j)%997, i+j)[:30]}
		}
		out = append(out, batch)
	}
	return out
}

// BenchmarkKeyListAppendMillion: a listing of 1,000,000 keys arriving in
// 1,000 batches, as Update applies them; reports the heap held after.
func BenchmarkKeyListAppendMillion(b *testing.B) {
	batches := listingBatches(1_000_000)
	b.ResetTimer()
	var a *App
	for range b.N {
		a = millionKeyApp(batches)
	}
	b.StopTimer()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapAlloc)/1e6, "MB-heap")
	b.ReportMetric(float64(a.keys.set.Live()), "keys")
}

// BenchmarkCursorMoveAndFrame: one key press (down) plus the frame it
// draws, at 1,000,000 keys. Budget: < 1 ms.
func BenchmarkCursorMoveAndFrame(b *testing.B) {
	a := millionKeyApp(listingBatches(1_000_000))
	a.keys.win.Cursor = 500_000
	down := tea.KeyPressMsg{Code: tea.KeyDown}
	b.ResetTimer()
	for range b.N {
		a.keys.win.Move(1, a.keys.count())
		_, _ = a.keys.handleKey(&a.env, down)
		_ = a.Render()
	}
}

// BenchmarkJumpToEndAndFrame: End, then the frame, at 1,000,000 keys.
func BenchmarkJumpToEndAndFrame(b *testing.B) {
	a := millionKeyApp(listingBatches(1_000_000))
	end := tea.KeyPressMsg{Code: tea.KeyEnd}
	home := tea.KeyPressMsg{Code: tea.KeyHome}
	b.ResetTimer()
	for i := range b.N {
		k := end
		if i%2 == 1 {
			k = home
		}
		_, _ = a.keys.handleKey(&a.env, k)
		_ = a.Render()
	}
}
