package httpapi

import (
	"net/http"

	"github.com/cofferhq/coffer/ledger"
)

// VerifyReport is the answer to GET /v1/verify: what the integrity check read and the broken
// invariants it found. OK is true when it found none.
type VerifyReport struct {
	OK         bool        `json:"ok"`
	Accounts   int         `json:"accounts"`
	Transfers  int         `json:"transfers"`
	Entries    int         `json:"entries"`
	Violations []Violation `json:"violations"`
}

// Violation is one broken invariant.
type Violation struct {
	Kind       string `json:"kind"`
	AccountID  string `json:"account_id,omitempty"`
	TransferID string `json:"transfer_id,omitempty"`
	Message    string `json:"message"`
}

func (s *Server) verify(r *http.Request) (int, any, error) {
	rep, err := ledger.Verify(r.Context(), s.store)
	if err != nil {
		return 0, nil, err
	}
	out := VerifyReport{OK: rep.OK(), Accounts: rep.Accounts, Transfers: rep.Transfers, Entries: rep.Entries,
		Violations: make([]Violation, len(rep.Violations))}
	for i, v := range rep.Violations {
		out.Violations[i] = Violation{Kind: v.Kind, AccountID: v.AccountID, TransferID: v.TransferID, Message: v.Message}
	}
	return http.StatusOK, out, nil
}
