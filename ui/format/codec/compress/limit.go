package compress

import (
	"errors"
	"fmt"
	"io"

	"github.com/dustin/go-humanize"
)

// firstAlloc is the capacity decoding starts with when nothing says how
// large the output is: small values stay small, large ones double.
const firstAlloc = 32 << 10

// readBounded reads r to its end keeping at most limit bytes; cut says
// there was more. hint, when positive, is what the format's header says
// the output size is: trusted only up to limit, it saves the doubling.
//
// It does not use io.LimitReader(r, limit+1) into a bytes.Buffer, as
// format.gunzip does: the one byte past the limit makes the Buffer double
// its capacity, allocating twice the limit for a value that is cut anyway.
// Here the buffer never grows past limit and the byte beyond it is read
// into a separate one-byte array.
func readBounded(r io.Reader, limit, hint int64) (out []byte, cut bool, err error) {
	if limit < 0 {
		limit = 0
	}
	first := min(int64(firstAlloc), limit)
	if hint > 0 {
		first = min(hint, limit)
	}
	out = make([]byte, 0, first)
	idle := 0
	for int64(len(out)) < limit {
		if len(out) == cap(out) {
			grown := make([]byte, len(out), min(2*int64(cap(out))+firstAlloc, limit))
			copy(grown, out)
			out = grown
		}
		n, err := r.Read(out[len(out):cap(out)])
		out = out[:len(out)+n]
		if err == io.EOF {
			return out, false, nil
		}
		if err != nil {
			return out, false, err
		}
		if n == 0 {
			if idle++; idle > 100 {
				return out, false, io.ErrNoProgress
			}
		} else {
			idle = 0
		}
	}
	// At the limit: one more byte says whether the value goes on.
	var probe [1]byte
	for idle = 0; idle <= 100; idle++ {
		n, err := r.Read(probe[:])
		if n > 0 {
			return out, true, nil
		}
		if err == io.EOF {
			return out, false, nil
		}
		if err != nil {
			return out, false, err
		}
	}
	return out, false, io.ErrNoProgress
}

// size writes n bytes the way the rest of kvdeck does (format.HumanBytes,
// which this package cannot import: ui/format imports the codecs).
func size(n int64) string {
	if n < 0 {
		n = 0
	}
	return humanize.Bytes(uint64(n))
}

// truncated says err is how the library reports input that ends early:
// what a partial value (a prefix of the stored one) is expected to end
// with.
func truncated(err error) bool {
	return errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
}

// finish turns what readBounded gave into Decode's answer: with partial, a
// stream that ends early shows what it held; otherwise any error is the
// value's damage, reported with how far decoding got.
func finish(name string, out []byte, cut bool, err error, partial bool) ([]byte, bool, error) {
	if err == nil || (partial && truncated(err)) {
		return out, cut, nil
	}
	if truncated(err) {
		return nil, false, fmt.Errorf("%s data ends early, after %s of output: %w", name, size(int64(len(out))), err)
	}
	return nil, false, fmt.Errorf("%s data is damaged after %s of output: %w", name, size(int64(len(out))), err)
}
