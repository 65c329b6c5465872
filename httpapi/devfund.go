package httpapi

import (
	"net/http"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/client"
)

// devFund has the dev chain's faucet pay an address.
func (s *Server) devFund(r *http.Request) (int, any, error) {
	if s.cfg.DevFund == nil {
		return 0, nil, coffer.Errorf(coffer.ENOTFOUND, "this server runs no dev chain: start it with --chain dev")
	}
	var req client.DevFundRequest
	if err := s.decode(r, &req, false); err != nil {
		return 0, nil, err
	}
	for param, v := range map[string]string{"to": req.To, "asset": req.Asset, "amount": req.Amount} {
		if v == "" {
			return 0, nil, coffer.Invalid(param, "%s is required", param)
		}
	}
	f, err := s.cfg.DevFund(r.Context(), req)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, f, nil
}
