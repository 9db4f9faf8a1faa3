package main

import (
	"cmp"
	"fmt"
	"slices"
	"time"
)

// spread is the median of xs with its min and max, as "median (min–max)";
// a single run prints its value alone.
func spread[T cmp.Ordered](xs []T, format func(T) string) string {
	if len(xs) == 0 {
		return ""
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	med := s[len(s)/2]
	if len(s) == 1 {
		return format(med)
	}
	return fmt.Sprintf("%s (%s–%s)", format(med), format(s[0]), format(s[len(s)-1]))
}

func durSpread(ds []time.Duration) string { return spread(ds, fmtDur) }

func ratioSpread(rs []float64) string {
	return spread(rs, func(r float64) string { return fmt.Sprintf("%.2fx", r) })
}

func mbSpread(bytes []int64) string {
	return spread(bytes, func(v int64) string {
		return fmt.Sprintf("%.0f MB", float64(v)/(1<<20))
	})
}

// fmtDur prints a duration with the precision it deserves.
func fmtDur(d time.Duration) string {
	switch {
	case d < 10*time.Millisecond:
		return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
	case d < time.Second:
		return fmt.Sprintf("%.0f ms", float64(d)/float64(time.Millisecond))
	case d < time.Minute:
		return fmt.Sprintf("%.2f s", d.Seconds())
	}
	return fmt.Sprintf("%.1f s", d.Seconds())
}

// pct is the p-th percentile (nearest rank) of ds.
func pct(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(float64(len(s))*p/100+0.5) - 1
	return s[min(max(i, 0), len(s)-1)]
}

func median(ds []time.Duration) time.Duration { return pct(ds, 50) }

func ms(d time.Duration) string { return fmt.Sprintf("%.1f", float64(d)/float64(time.Millisecond)) }

// count names a key count the way the table does: 100k, 1M, 10M.
func count(n int) string {
	switch {
	case n >= 1_000_000 && n%1_000_000 == 0:
		return fmt.Sprintf("%dM", n/1_000_000)
	case n >= 1000 && n%1000 == 0:
		return fmt.Sprintf("%dk", n/1000)
	}
	return fmt.Sprint(n)
}
