package httpapi

import (
	"net/http"

	"github.com/cofferhq/coffer/client"
	"github.com/cofferhq/coffer/ledger"
)

func (s *Server) verify(r *http.Request) (int, any, error) {
	rep, err := ledger.Verify(r.Context(), s.store)
	if err != nil {
		return 0, nil, err
	}
	if o := s.cfg.Observer; o != nil {
		o.Verified(len(rep.Violations))
	}
	if a := s.cfg.Activity; a != nil {
		a.Verified(len(rep.Violations))
	}
	out := client.VerifyReport{OK: rep.OK(), Accounts: rep.Accounts, Transfers: rep.Transfers, Entries: rep.Entries,
		Events: rep.Events, HeadSeq: rep.HeadSeq, HeadHash: rep.HeadHash,
		Violations: make([]client.Violation, len(rep.Violations))}
	for i, v := range rep.Violations {
		out.Violations[i] = client.Violation{Kind: v.Kind, AccountID: v.AccountID, TransferID: v.TransferID, Seq: v.Seq, Message: v.Message}
	}
	return http.StatusOK, out, nil
}
