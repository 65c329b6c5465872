package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/cofferhq/coffer"
)

// Entry is one change to one account's balances, amounts in major units of its asset.
type Entry struct {
	AccountID       string `json:"account_id"`
	Seq             uint64 `json:"seq"`
	TransferID      string `json:"transfer_id"`
	Type            string `json:"type"`
	Phase           string `json:"phase"`
	Side            string `json:"side"`
	Amount          string `json:"amount"`
	BalanceBefore   string `json:"balance_before"`
	BalanceAfter    string `json:"balance_after"`
	AvailableBefore string `json:"available_before"`
	AvailableAfter  string `json:"available_after"`
	CreatedAt       Time   `json:"created_at"`
}

// EntriesQuery selects an account's entries for GET /v1/accounts/{id}/entries. Empty fields
// match all; From and To bound the creation time as [From, To).
type EntriesQuery struct {
	Type     string
	From, To time.Time
	Desc     bool
	Cursor   string
	Limit    int
}

// EntryPage is one page of an account's entries, ordered by seq. HasMore says whether more
// follow; NextCursor, the cursor of the next page, is set only then.
type EntryPage struct {
	Entries    []Entry `json:"entries"`
	HasMore    bool    `json:"has_more"`
	NextCursor string  `json:"next_cursor,omitempty"`
}

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
	page := EntryPage{Entries: make([]Entry, len(es)), HasMore: more}
	for i, e := range es {
		page.Entries[i] = Entry{
			AccountID: e.AccountID, Seq: e.Seq, TransferID: e.TransferID, Type: string(e.Type),
			Phase: string(e.Phase), Side: string(e.Side), Amount: e.Amount.Format(scale),
			BalanceBefore: e.BalanceBefore.Format(scale), BalanceAfter: e.BalanceAfter.Format(scale),
			AvailableBefore: e.AvailableBefore.Format(scale), AvailableAfter: e.AvailableAfter.Format(scale),
			CreatedAt: apiTime(e.CreatedAt),
		}
	}
	if more {
		page.NextCursor = encodeCursor(strconv.FormatUint(es[len(es)-1].Seq, 10))
	}
	return http.StatusOK, page, nil
}
