// Package statement answers what an account held at a past moment. An account's entries carry
// its balance and available amount after each change, in seq order and, the ledger sees to it,
// in time order too: the balance at a moment is the one after the account's last entry dated
// at or before it, found by a binary search over seq (each step one read of the primary key),
// so a few dozen reads on an account of millions of entries and no index on the write path.
package statement

import (
	"context"
	"time"

	"github.com/cofferhq/coffer"
)

// Store is what the package reads; coffer.Store has it.
type Store interface {
	Account(ctx context.Context, id string) (coffer.Account, error)
	Entries(ctx context.Context, f coffer.EntryFilter) ([]coffer.Entry, error)
}

// Balance is an account's balances after its entry Seq: all zero, Seq 0, before its first.
type Balance struct {
	AccountID string
	Asset     string
	Seq       uint64
	// EntryAt is when the entry Seq was written; zero with Seq 0.
	EntryAt   time.Time
	Balance   coffer.Amount
	Available coffer.Amount
	// Held is Balance less Available: what pending debits reserved.
	Held coffer.Amount
}

// At returns the account's balances at the moment at: after its last entry dated at or
// before it. An unknown account is ENOTFOUND.
func At(ctx context.Context, s Store, accountID string, at time.Time) (Balance, error) {
	a, err := s.Account(ctx, accountID)
	if err != nil {
		return Balance{}, err
	}
	// The largest seq in [0, a.Seq] whose entry is dated at or before at; entry 0 is "before
	// the first", dated at the beginning of time.
	lo, hi := uint64(0), a.Seq
	var found *coffer.Entry
	for lo < hi {
		mid := hi - (hi-lo)/2 // in (lo, hi]
		e, err := entry(ctx, s, accountID, mid)
		if err != nil {
			return Balance{}, err
		}
		if e.CreatedAt.After(at) {
			hi = mid - 1
		} else {
			lo, found = mid, &e
		}
	}
	if lo > 0 && (found == nil || found.Seq != lo) {
		e, err := entry(ctx, s, accountID, lo)
		if err != nil {
			return Balance{}, err
		}
		found = &e
	}
	return balanceOf(a, found), nil
}

// AtSeq returns the account's balances after its entry seq; a seq past its last is EINVALID.
func AtSeq(ctx context.Context, s Store, accountID string, seq uint64) (Balance, error) {
	a, err := s.Account(ctx, accountID)
	if err != nil {
		return Balance{}, err
	}
	if seq > a.Seq {
		return Balance{}, coffer.Invalid("seq", "account %s has %d entries; there is no entry %d", accountID, a.Seq, seq)
	}
	if seq == 0 {
		return balanceOf(a, nil), nil
	}
	e, err := entry(ctx, s, accountID, seq)
	if err != nil {
		return Balance{}, err
	}
	return balanceOf(a, &e), nil
}

// entry reads the account's entry seq: entries are gapless from 1.
func entry(ctx context.Context, s Store, accountID string, seq uint64) (coffer.Entry, error) {
	es, err := s.Entries(ctx, coffer.EntryFilter{AccountID: accountID, AfterSeq: seq - 1, Limit: 1})
	if err != nil {
		return coffer.Entry{}, err
	}
	if len(es) != 1 || es[0].Seq != seq {
		return coffer.Entry{}, coffer.Errorf(coffer.EINTERNAL, "account %s has no entry %d, though its entries are gapless", accountID, seq)
	}
	return es[0], nil
}

func balanceOf(a coffer.Account, e *coffer.Entry) Balance {
	b := Balance{AccountID: a.ID, Asset: a.Asset}
	if e != nil {
		b.Seq, b.EntryAt, b.Balance, b.Available = e.Seq, e.CreatedAt, e.BalanceAfter, e.AvailableAfter
		b.Held, _ = e.BalanceAfter.Sub(e.AvailableAfter)
	}
	return b
}
