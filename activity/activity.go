// Package activity keeps the last hour of a server's work in a ring of samples: how many
// requests it answered and how long they took, and how many ledger commands it applied. The
// dashboard draws its throughput and latency charts from them. It imports only the standard
// library.
package activity

import (
	"math"
	"sync"
	"time"
)

const (
	// SampleDuration is the span of one sample: short enough that "now" is current, long
	// enough that a sample holds a meaningful count.
	SampleDuration = 10 * time.Second
	// SamplesMax is how many samples the ring keeps: one hour of them, what the dashboard's
	// charts show.
	SamplesMax = int(time.Hour / SampleDuration)
)

// The latency buckets are geometric, each bound 25% above the one before, from 50µs to about
// a minute, so that a percentile read off them is within a quarter of the true one.
const (
	bucketFirst  = 50 * time.Microsecond
	bucketGrowth = 1.25
	bucketsN     = 64
)

var bucketBounds = func() [bucketsN]time.Duration {
	var b [bucketsN]time.Duration
	v := float64(bucketFirst)
	for i := range b {
		b[i] = time.Duration(v)
		v *= bucketGrowth
	}
	b[bucketsN-1] = math.MaxInt64
	return b
}()

// Sample is what the server did in one span of time.
type Sample struct {
	// Start is when the span began; it lasts SampleDuration, or up to now for the current one.
	Start time.Time
	// Requests are the requests answered, Errors those of them answered with a status of 500
	// or more.
	Requests, Errors uint64
	// Applied are the ledger commands applied (not rejected, replayed or failed).
	Applied uint64
	// LatencyP50 and LatencyP99 are the requests' median and 99th percentile time, as the
	// upper bound of the bucket that holds them; zero without requests.
	LatencyP50, LatencyP99 time.Duration
}

type slot struct {
	index                     int64 // the sample's start in SampleDuration units since the Unix epoch
	requests, errors, applied uint64
	latency                   [bucketsN]uint32
}

// Recorder records the server's work. Its methods are safe for concurrent use and return at
// once: they take a mutex for a few additions.
type Recorder struct {
	now func() time.Time

	mu         sync.Mutex
	slots      [SamplesMax]slot
	verifiedAt time.Time
	violations int
}

// New returns an empty Recorder; now is its clock (time.Now when nil).
func New(now func() time.Time) *Recorder {
	if now == nil {
		now = time.Now
	}
	return &Recorder{now: now}
}

func indexOf(t time.Time) int64 { return t.UnixNano() / int64(SampleDuration) }

// current returns the slot of index i, emptied if it held an older sample. r.mu is held.
func (r *Recorder) current(i int64) *slot {
	s := &r.slots[i%int64(SamplesMax)]
	if s.index != i {
		*s = slot{index: i}
	}
	return s
}

// Request records a request answered after took with status.
func (r *Recorder) Request(status int, took time.Duration) {
	b := 0
	for b < bucketsN-1 && took > bucketBounds[b] {
		b++
	}
	i := indexOf(r.now())
	r.mu.Lock()
	s := r.current(i)
	s.requests++
	if status >= 500 {
		s.errors++
	}
	s.latency[b]++
	r.mu.Unlock()
}

// Applied records n ledger commands applied.
func (r *Recorder) Applied(n int) {
	i := indexOf(r.now())
	r.mu.Lock()
	r.current(i).applied += uint64(n)
	r.mu.Unlock()
}

// Verified records an integrity check that ran to its end with that many violations.
func (r *Recorder) Verified(violations int) {
	now := r.now()
	r.mu.Lock()
	r.verifiedAt, r.violations = now, violations
	r.mu.Unlock()
}

// LastVerify returns when the last integrity check ended and its violations; ok is false if
// none ran since the Recorder was made.
func (r *Recorder) LastVerify() (at time.Time, violations int, ok bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.verifiedAt, r.violations, !r.verifiedAt.IsZero()
}

// Samples returns the last hour's samples, oldest first, the current one last: SamplesMax of
// them, those of spans without work zero.
func (r *Recorder) Samples() []Sample {
	last := indexOf(r.now())
	out := make([]Sample, SamplesMax)
	r.mu.Lock()
	defer r.mu.Unlock()
	for k := range out {
		i := last - int64(SamplesMax-1-k)
		out[k] = Sample{Start: time.Unix(0, i*int64(SampleDuration)).UTC()}
		if s := &r.slots[i%int64(SamplesMax)]; s.index == i {
			fill(&out[k], s.requests, s.errors, s.applied, &s.latency)
		}
	}
	return out
}

// Recent sums the samples of the last d (at least one sample, at most SamplesMax), the
// current one included: "now" on the dashboard.
func (r *Recorder) Recent(d time.Duration) Sample {
	n := int64(min(max(d/SampleDuration, 1), time.Duration(SamplesMax)))
	last := indexOf(r.now())
	var requests, errors, applied uint64
	var latency [bucketsN]uint32
	r.mu.Lock()
	for i := last - n + 1; i <= last; i++ {
		if s := &r.slots[i%int64(SamplesMax)]; s.index == i {
			requests += s.requests
			errors += s.errors
			applied += s.applied
			for b, c := range s.latency {
				latency[b] += c
			}
		}
	}
	r.mu.Unlock()
	out := Sample{Start: time.Unix(0, (last-n+1)*int64(SampleDuration)).UTC()}
	fill(&out, requests, errors, applied, &latency)
	return out
}

func fill(s *Sample, requests, errors, applied uint64, latency *[bucketsN]uint32) {
	s.Requests, s.Errors, s.Applied = requests, errors, applied
	s.LatencyP50 = percentile(latency, requests, 50)
	s.LatencyP99 = percentile(latency, requests, 99)
}

// percentile returns the upper bound of the bucket holding the p-th percentile of n requests.
func percentile(latency *[bucketsN]uint32, n uint64, p uint64) time.Duration {
	if n == 0 {
		return 0
	}
	rank := (n*p + 99) / 100 // the smallest count at or above p% of n
	var seen uint64
	for b, c := range latency {
		seen += uint64(c)
		if seen >= rank {
			if b == bucketsN-1 {
				return bucketBounds[b-1]
			}
			return bucketBounds[b]
		}
	}
	return bucketBounds[bucketsN-2]
}
