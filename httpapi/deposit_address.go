package httpapi

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/chain/address"
	"github.com/cofferhq/coffer/client"
)

func renderDepositAddress(a coffer.DepositAddress) client.DepositAddress {
	return client.DepositAddress{Chain: a.Chain, Address: a.Address, Owner: a.Owner, Index: a.Index,
		CreatedAt: apiTime(a.CreatedAt)}
}

// depositAddressService returns the service of the deposit addresses, or unavailable when the
// server has none.
func (s *Server) depositAddressService() (*address.Service, error) {
	if s.cfg.DepositAddresses == nil {
		return nil, coffer.Errorf(coffer.EUNAVAILABLE, "this server has no chains configured, so it gives no deposit addresses")
	}
	return s.cfg.DepositAddresses, nil
}

// assignDepositAddress answers 201 when it gave the owner a new address and 200 when the owner
// had one, with the same body: a client that retries sees the address it was first given.
func (s *Server) assignDepositAddress(r *http.Request) (int, any, error) {
	svc, err := s.depositAddressService()
	if err != nil {
		return 0, nil, err
	}
	owner := r.PathValue("owner")
	if err := checkOwner("owner", owner); err != nil {
		return 0, nil, err
	}
	var req client.AssignDepositAddressRequest
	if err := s.decode(r, &req, true); err != nil {
		return 0, nil, err
	}
	a, created, err := svc.Assign(r.Context(), owner, req.Chain, req.Asset)
	if err != nil {
		return 0, nil, err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return status, renderDepositAddress(a), nil
}

// listDepositAddresses pages an owner's addresses, oldest first; the cursor is the last one's
// index and chain.
func (s *Server) listDepositAddresses(r *http.Request) (int, any, error) {
	svc, err := s.depositAddressService()
	if err != nil {
		return 0, nil, err
	}
	owner := r.PathValue("owner")
	if err := checkOwner("owner", owner); err != nil {
		return 0, nil, err
	}
	q := r.URL.Query()
	limit, err := pageLimit(q)
	if err != nil {
		return 0, nil, err
	}
	f := coffer.DepositAddressFilter{Owner: owner, Limit: fetchLimit(limit)}
	if c := q.Get("cursor"); c != "" {
		raw, err := decodeCursor(c)
		if err != nil {
			return 0, nil, err
		}
		idx, chain, ok := strings.Cut(raw, "\n")
		i, perr := strconv.ParseUint(idx, 10, 32)
		if !ok || perr != nil || chain == "" {
			return 0, nil, errCursor()
		}
		f.After = &coffer.DepositAddressKey{Index: uint32(i), Chain: chain}
	}
	as, err := svc.List(r.Context(), f)
	if err != nil {
		return 0, nil, err
	}
	items, more, next, _ := paged(as, limit, infallible(renderDepositAddress), func(a coffer.DepositAddress) string {
		return encodeCursor(strconv.FormatUint(uint64(a.Index), 10) + "\n" + a.Chain)
	})
	return http.StatusOK, client.DepositAddressPage{Addresses: items, HasMore: more, NextCursor: next}, nil
}
