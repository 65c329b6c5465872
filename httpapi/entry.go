package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/client"
	"github.com/cofferhq/coffer/statement"
)

func (s *Server) listEntries(r *http.Request) (int, any, error) {
	a, err := s.store.Account(r.Context(), r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	scale, err := s.scale(r.Context(), a.Asset)
	if err != nil {
		return 0, nil, err
	}
	q := r.URL.Query()
	lp, err := listParams(q)
	if err != nil {
		return 0, nil, err
	}
	f := coffer.EntryFilter{AccountID: a.ID, Type: lp.typ, From: lp.from, To: lp.to, Desc: lp.desc, Limit: fetchLimit(lp.limit)}
	if c := q.Get("cursor"); c != "" {
		v, err := decodeCursor(c)
		if err != nil {
			return 0, nil, err
		}
		if f.AfterSeq, err = strconv.ParseUint(v, 10, 64); err != nil || f.AfterSeq == 0 {
			return 0, nil, errCursor()
		}
	}
	es, err := s.store.Entries(r.Context(), f)
	if err != nil {
		return 0, nil, err
	}
	es, more := cut(es, lp.limit)
	page := client.EntryPage{Entries: make([]client.Entry, len(es)), HasMore: more}
	for i, e := range es {
		page.Entries[i] = renderEntry(e, scale)
	}
	if more {
		page.NextCursor = encodeCursor(strconv.FormatUint(es[len(es)-1].Seq, 10))
	}
	return http.StatusOK, page, nil
}

// balanceAt answers an account's balances at a moment (at) or after an entry (seq), exactly
// one of them; without either, now.
func (s *Server) balanceAt(r *http.Request) (int, any, error) {
	q := r.URL.Query()
	at, err := timeParam(q, "at")
	if err != nil {
		return 0, nil, err
	}
	id := r.PathValue("id")
	var b statement.Balance
	out := client.BalanceAt{}
	switch {
	case q.Has("at") && q.Has("seq"):
		return 0, nil, coffer.Invalid("seq", "give at or seq, not both")
	case q.Has("seq"):
		seq, perr := strconv.ParseUint(q.Get("seq"), 10, 64)
		if perr != nil {
			return 0, nil, coffer.Invalid("seq", "seq must be a whole number: an entry's seq, 0 for before the first")
		}
		b, err = statement.AtSeq(r.Context(), s.store, id, seq)
	default:
		if !q.Has("at") {
			at = time.Now().UTC()
		}
		b, err = statement.At(r.Context(), s.store, id, at)
		t := apiTime(at)
		out.At = &t
	}
	if err != nil {
		return 0, nil, err
	}
	scale, err := s.scale(r.Context(), b.Asset)
	if err != nil {
		return 0, nil, err
	}
	asked := out.At
	out = renderBalanceAt(b, scale)
	out.At = asked
	return http.StatusOK, out, nil
}

// renderBalanceAt renders an account's balances at a moment, without the moment asked.
func renderBalanceAt(b statement.Balance, scale int) client.BalanceAt {
	out := client.BalanceAt{AccountID: b.AccountID, Asset: b.Asset, Seq: b.Seq,
		Balance: b.Balance.Format(scale), Available: b.Available.Format(scale), Held: b.Held.Format(scale)}
	if b.Seq > 0 {
		t := apiTime(b.EntryAt)
		out.EntryAt = &t
	}
	return out
}

// renderEntry renders an entry in major units of its asset.
func renderEntry(e coffer.Entry, scale int) client.Entry {
	return client.Entry{
		AccountID: e.AccountID, Seq: e.Seq, TransferID: e.TransferID, Type: string(e.Type),
		Phase: string(e.Phase), Side: string(e.Side), Amount: e.Amount.Format(scale),
		BalanceBefore: e.BalanceBefore.Format(scale), BalanceAfter: e.BalanceAfter.Format(scale),
		AvailableBefore: e.AvailableBefore.Format(scale), AvailableAfter: e.AvailableAfter.Format(scale),
		CreatedAt: apiTime(e.CreatedAt),
	}
}
