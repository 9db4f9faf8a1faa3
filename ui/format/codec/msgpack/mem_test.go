package msgpack

import "runtime"

// runtimeMem reads the bytes allocated so far, to bound a decode's cost.
type runtimeMem struct{ total uint64 }

func (m *runtimeMem) read() {
	var s runtime.MemStats
	runtime.ReadMemStats(&s)
	m.total = s.TotalAlloc
}
