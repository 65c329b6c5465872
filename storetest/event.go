package storetest

import (
	"fmt"
	"testing"

	"github.com/cofferhq/coffer"
)

// testEventSeq numbers events over several writes and expects 1, 2, 3... with no gap, a write
// without events taking no number, each event chained to the one before (coffer.ChainEvent) and
// the last one's seq and hash as the head Scan reports.
func testEventSeq(t *testing.T, s coffer.Store) {
	ctx := t.Context()
	var want []coffer.Event
	for i, n := range []int{3, 1, 0, 2} {
		c := &coffer.Changes{}
		for j := range n {
			c.Events = append(c.Events, event(fmt.Sprintf("t%d.%d", i, j), i))
		}
		save(t, s, c)
		for _, e := range c.Events {
			next := uint64(len(want) + 1)
			if e.Seq != next || e.ID != coffer.EventID(next) {
				t.Errorf("write %d: event numbered %d %q, want %d %q", i+1, e.Seq, e.ID, next, coffer.EventID(next))
			}
			want = append(want, e)
		}
	}
	got, err := s.Events(ctx, 0, 100)
	if err != nil {
		t.Fatalf("Events: %v", err)
	}
	same(t, "Events", got, want)
	prev := coffer.EventHashZero
	for i, e := range got {
		if e.Seq != uint64(i+1) || e.ID != coffer.EventID(uint64(i+1)) {
			t.Errorf("event %d: seq %d id %q", i, e.Seq, e.ID)
		}
		if h := coffer.ChainEvent(prev, &e); e.Hash != h {
			t.Errorf("event %d: hash %s, chained to the one before it is %s", e.Seq, e.Hash, h)
		}
		prev = e.Hash
	}
	var head coffer.ChainHead
	var scanned []coffer.Event
	if err := s.Scan(ctx, coffer.Scanner{
		Head:  func(h coffer.ChainHead) error { head = h; return nil },
		Event: func(e coffer.Event) error { scanned = append(scanned, e); return nil },
	}); err != nil {
		t.Fatalf("Scan: %v", err)
	}
	same(t, "Scan's events", scanned, want)
	if last := want[len(want)-1]; head != (coffer.ChainHead{Seq: last.Seq, Hash: last.Hash}) {
		t.Errorf("Scan's head is %v; the last event is %d %s", head, last.Seq, last.Hash)
	}
}

func testEventList(t *testing.T, s coffer.Store) {
	ctx := t.Context()
	c := &coffer.Changes{}
	for i := range 6 {
		c.Events = append(c.Events, event(fmt.Sprintf("t%d", i+1), i))
	}
	save(t, s, c)
	tests := []struct {
		after uint64
		limit int
		want  []uint64
	}{
		{0, 100, []uint64{1, 2, 3, 4, 5, 6}},
		{0, 0, []uint64{1, 2, 3, 4, 5, 6}},
		{2, 2, []uint64{3, 4}},
		{5, 10, []uint64{6}},
		{6, 10, nil},
		{100, 10, nil},
	}
	for _, tt := range tests {
		got, err := s.Events(ctx, tt.after, tt.limit)
		if err != nil {
			t.Fatalf("Events: %v", err)
		}
		var seqs []uint64
		for _, e := range got {
			seqs = append(seqs, e.Seq)
		}
		if fmt.Sprint(seqs) != fmt.Sprint(tt.want) {
			t.Errorf("Events(%d, %d): got seqs %v, want %v", tt.after, tt.limit, seqs, tt.want)
		}
		for _, e := range got {
			same(t, fmt.Sprintf("event %d", e.Seq), e, c.Events[e.Seq-1])
		}
	}
}
