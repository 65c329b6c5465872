package statement

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/cofferhq/coffer"
)

// chunk is how many entries Each reads at a time: a page's worth, so that a year of a busy
// account streams through in constant memory.
const chunk = 1000

// Statement is an account's period [From, To): its balances at the start (Opening: after the
// last entry before From) and at the end (Closing: after the last entry before To), and the
// entries in between, FirstSeq to LastSeq (none when FirstSeq > LastSeq). Closing's balance is
// Opening's plus the period's posted credits less its posted debits.
type Statement struct {
	AccountID string
	Asset     string
	From, To  time.Time
	Opening   Balance
	Closing   Balance
	FirstSeq  uint64
	LastSeq   uint64
}

// Open returns the statement of the account for [from, to). from must be before to; an unknown
// account is ENOTFOUND.
func Open(ctx context.Context, s Store, accountID string, from, to time.Time) (Statement, error) {
	if !from.Before(to) {
		return Statement{}, coffer.Invalid("to", "the period's end %s must be after its start %s",
			to.UTC().Format(time.RFC3339Nano), from.UTC().Format(time.RFC3339Nano))
	}
	// Entries are dated to the microsecond: a nanosecond before a moment is every entry before it.
	opening, err := At(ctx, s, accountID, from.Add(-time.Nanosecond))
	if err != nil {
		return Statement{}, err
	}
	closing, err := At(ctx, s, accountID, to.Add(-time.Nanosecond))
	if err != nil {
		return Statement{}, err
	}
	return Statement{AccountID: opening.AccountID, Asset: opening.Asset, From: from, To: to,
		Opening: opening, Closing: closing, FirstSeq: opening.Seq + 1, LastSeq: closing.Seq}, nil
}

// Entries returns up to limit of the period's entries after seq after (0: from the first), in
// seq order.
func (st Statement) Entries(ctx context.Context, s Store, after uint64, limit int) ([]coffer.Entry, error) {
	after = max(after, st.FirstSeq-1)
	if after >= st.LastSeq || limit <= 0 {
		return nil, nil
	}
	limit = int(min(uint64(limit), st.LastSeq-after))
	return s.Entries(ctx, coffer.EntryFilter{AccountID: st.AccountID, AfterSeq: after, Limit: limit})
}

// Each calls fn with every entry of the period in seq order, reading them a chunk at a time.
// The next chunk is read while fn is called with the entries of the one before, so that the
// store's reading and the caller's writing (a CSV statement) run on two cores; at most three
// chunks are in memory at once. fn's first error stops the reading and is returned.
func (st Statement) Each(ctx context.Context, s Store, fn func(coffer.Entry) error) error {
	type chunkRead struct {
		entries []coffer.Entry
		err     error
	}
	ctx, cancel := context.WithCancel(ctx)
	read := make(chan chunkRead, 1)
	go func() {
		defer close(read)
		for after := st.FirstSeq - 1; after < st.LastSeq; {
			es, err := st.Entries(ctx, s, after, chunk)
			if err == nil && len(es) == 0 {
				err = coffer.Errorf(coffer.EINTERNAL, "account %s has no entry after %d, though its last is %d", st.AccountID, after, st.LastSeq)
			}
			select {
			case read <- chunkRead{es, err}:
			case <-ctx.Done():
				return
			}
			if err != nil {
				return
			}
			after = es[len(es)-1].Seq
		}
	}()
	// The reader has stopped, and no longer uses s, once read is closed.
	defer func() {
		cancel()
		for range read {
		}
	}()
	for c := range read {
		if c.err != nil {
			return c.err
		}
		for _, e := range c.entries {
			if err := fn(e); err != nil {
				return err
			}
		}
	}
	return nil
}

// Total is what a period's posted entries of one transfer type moved: In credited, Out debited.
type Total struct {
	Type    coffer.TransferType
	In, Out coffer.Amount
}

// Totals sums the period's posted entries by transfer type, in type order. Pending and released
// entries move held and incoming amounts, not the balance, and are left out.
func (st Statement) Totals(ctx context.Context, s Store) ([]Total, error) {
	by := map[coffer.TransferType]*Total{}
	err := st.Each(ctx, s, func(e coffer.Entry) error {
		if e.Phase != coffer.PhasePosted {
			return nil
		}
		t := by[e.Type]
		if t == nil {
			t = &Total{Type: e.Type}
			by[e.Type] = t
		}
		sum := &t.In
		if e.Side == coffer.Debit {
			sum = &t.Out
		}
		var ok bool
		if *sum, ok = sum.Add(e.Amount); !ok {
			return coffer.Errorf(coffer.ELIMIT, "the period's %s total passes 2^127-1", e.Type)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]Total, 0, len(by))
	for _, t := range by {
		out = append(out, *t)
	}
	slices.SortFunc(out, func(a, b Total) int { return cmp.Compare(a.Type, b.Type) })
	return out, nil
}
