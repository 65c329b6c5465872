package loadtest

import (
	"math"
	"math/bits"
	"time"
)

// Histogram counts durations in microseconds, in buckets one sixty-fourth of a power of two wide:
// below 64µs each microsecond is its own bucket, above it a quantile is at most 1/64 (1.6%) over
// the true value. Its memory is fixed however many requests a run sends, where keeping every
// sample would grow by eight bytes a request up to RequestsMax. The zero value is empty; it is
// not safe for concurrent use, so each client keeps its own and Merge adds them up.
type Histogram struct {
	counts [histogramBuckets]uint64
	n      uint64
	max    time.Duration
}

const (
	// histogramSubBits is the log2 of the buckets per power of two.
	histogramSubBits = 6
	histogramSub     = 1 << histogramSubBits
	// histogramExpMax is the largest power of two above histogramSub kept apart: 2^40µs is
	// twelve days, and anything longer lands in the last bucket.
	histogramExpMax  = 40 - histogramSubBits
	histogramBuckets = histogramSub + (histogramExpMax+1)*histogramSub
)

// Record adds one duration; a negative one counts as zero.
func (h *Histogram) Record(d time.Duration) {
	d = max(d, 0)
	h.counts[bucketOf(uint64(d/time.Microsecond))]++
	h.n++
	h.max = max(h.max, d)
}

// Merge adds o's durations to h.
func (h *Histogram) Merge(o *Histogram) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
	h.max = max(h.max, o.max)
}

// Count returns how many durations were recorded.
func (h *Histogram) Count() uint64 { return h.n }

// Max returns the longest duration recorded, exactly.
func (h *Histogram) Max() time.Duration { return h.max }

// Quantile returns the duration that a fraction q (0 to 1) of the recorded ones do not exceed:
// the upper edge of the bucket that holds the ceil(q*n)-th shortest, never more than Max, and Max
// itself when that is the last bucket, which has no upper edge. An empty histogram returns 0.
func (h *Histogram) Quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(math.Ceil(min(max(q, 0), 1) * float64(h.n)))
	rank = max(rank, 1)
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank && i < histogramBuckets-1 {
			return min(time.Duration(bucketTop(i))*time.Microsecond, h.max)
		}
	}
	return h.max
}

// bucketOf returns the bucket of v microseconds.
func bucketOf(v uint64) int {
	if v < histogramSub {
		return int(v)
	}
	exp := bits.Len64(v) - 1 - histogramSubBits // v>>exp is in [histogramSub, 2*histogramSub)
	if exp > histogramExpMax {
		return histogramBuckets - 1
	}
	return histogramSub + exp*histogramSub + int(v>>exp) - histogramSub
}

// bucketTop returns the largest value in microseconds that falls in bucket i.
func bucketTop(i int) uint64 {
	if i < histogramSub {
		return uint64(i)
	}
	exp := (i - histogramSub) / histogramSub
	sub := uint64((i-histogramSub)%histogramSub + histogramSub)
	return (sub+1)<<exp - 1
}
