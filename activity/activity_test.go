package activity

import (
	"testing"
	"time"
)

// clock is a settable time for the Recorder, so that tests move through samples without
// waiting.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func TestRecorder(t *testing.T) {
	c := &clock{t: time.Date(2026, 12, 6, 4, 0, 0, 0, time.UTC)}
	r := New(c.now)
	for i := range 100 {
		r.Request(200, time.Duration(i+1)*time.Millisecond)
	}
	r.Request(503, time.Millisecond)
	r.Applied(7)
	now := r.Recent(time.Minute)
	if now.Requests != 101 || now.Errors != 1 || now.Applied != 7 {
		t.Fatalf("recent = %+v, want 101 requests, 1 error, 7 applied", now)
	}
	// Buckets are 25% wide: the median of 1..100 ms (50 ms) reads as at most 25% above.
	if now.LatencyP50 < 50*time.Millisecond || now.LatencyP50 > 63*time.Millisecond {
		t.Errorf("p50 = %v, want 50ms to 62.5ms", now.LatencyP50)
	}
	if now.LatencyP99 < 99*time.Millisecond || now.LatencyP99 > 124*time.Millisecond {
		t.Errorf("p99 = %v, want 99ms to 124ms", now.LatencyP99)
	}

	c.t = c.t.Add(SampleDuration)
	r.Applied(3)
	s := r.Samples()
	if len(s) != SamplesMax {
		t.Fatalf("%d samples, want %d", len(s), SamplesMax)
	}
	if got := s[len(s)-1]; got.Applied != 3 || got.Requests != 0 || !got.Start.Equal(c.t) {
		t.Errorf("current sample = %+v, want 3 applied at %v", got, c.t)
	}
	if got := s[len(s)-2]; got.Requests != 101 || got.Applied != 7 {
		t.Errorf("previous sample = %+v, want 101 requests, 7 applied", got)
	}
	if got := r.Recent(SampleDuration); got.Applied != 3 || got.Requests != 0 {
		t.Errorf("recent of one sample = %+v, want only the current one", got)
	}

	// An hour later the first samples have left the ring: a slot reused is emptied first.
	c.t = c.t.Add(time.Hour)
	r.Request(200, time.Second)
	var requests, applied uint64
	for _, x := range r.Samples() {
		requests += x.Requests
		applied += x.Applied
	}
	if requests != 1 || applied != 0 {
		t.Errorf("after an hour: %d requests, %d applied in the ring; want 1 and 0", requests, applied)
	}

	if _, _, ok := r.LastVerify(); ok {
		t.Error("LastVerify ok before any check")
	}
	r.Verified(2)
	if at, n, ok := r.LastVerify(); !ok || n != 2 || !at.Equal(c.t) {
		t.Errorf("LastVerify = %v, %d, %v; want %v, 2, true", at, n, ok, c.t)
	}
}

func BenchmarkRequest(b *testing.B) {
	r := New(nil)
	for b.Loop() {
		r.Request(200, 3*time.Millisecond)
	}
}
