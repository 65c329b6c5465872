package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/client"
	"github.com/cofferhq/coffer/internal/strict"
	"github.com/cofferhq/coffer/ledger"
)

func (s *Server) createTransferBatch(r *http.Request) (int, any, error) {
	// The turn is taken before the body is read: a body waits in the connection until then, and
	// what bounds the memory of the batches in flight is that only BatchRequestsMax of them
	// are decoded at once. The body is then decoded as it arrives and refused as its item past
	// BatchItemsMax starts, never read whole first.
	if err := s.batches.Acquire(r.Context(), 1); err != nil {
		return 0, nil, coffer.Errorf(coffer.EUNAVAILABLE, "gave up waiting for a turn among the batches in flight: %v", err)
	}
	defer s.batches.Release(1)
	if err := r.Context().Err(); err != nil {
		return 0, nil, coffer.Errorf(coffer.EUNAVAILABLE, "gave up waiting for a turn among the batches in flight: %v", err)
	}
	// A client that trickles its body would hold the turn; the deadline ends that. Where the
	// connection cannot take a deadline (ErrNotSupported), the server's own read timeout does.
	http.NewResponseController(info(r.Context()).w).SetReadDeadline(time.Now().Add(s.cfg.BatchReadTimeout))
	var req client.BatchRequest
	err := strict.Decode(r.Body, &req, strict.Options{BytesMax: s.cfg.BatchBodyBytesMax, ItemsMax: BatchItemsMax})
	if err != nil {
		return 0, nil, err
	}
	switch {
	case req.Mode != client.BatchAtomic && req.Mode != client.BatchIndependent:
		return 0, nil, coffer.Invalid("mode", "mode must be %s or %s", client.BatchAtomic, client.BatchIndependent)
	case len(req.Transfers) == 0:
		return 0, nil, coffer.Invalid("transfers", "transfers is empty; give 1 to %d", BatchItemsMax)
	}
	if req.Mode == client.BatchAtomic {
		return s.atomicBatch(r.Context(), req)
	}
	if req.ID != "" {
		return 0, nil, coffer.Invalid("id", "id is for atomic batches; in an independent batch each transfer's id is its operation id")
	}
	return s.independentBatch(r.Context(), req)
}

// itemError names the batch item an error is about, keeping its code, in the message and in
// param.
func itemError(i int, err error) error {
	var ce *coffer.Error
	if !errors.As(err, &ce) {
		return err
	}
	item := strict.Item("transfers", i)
	return &coffer.Error{Code: ce.Code, Message: fmt.Sprintf("%s: %s", item, ce.Message), Param: joinParam(item, ce.Param)}
}

func (s *Server) atomicBatch(ctx context.Context, req client.BatchRequest) (int, any, error) {
	if err := checkID("id", req.ID); err != nil {
		return 0, nil, err
	}
	if len(req.Transfers) == 1 && req.Transfers[0].ID != req.ID {
		return 0, nil, coffer.Invalid("id", "an atomic batch of one transfer must have the transfer's id as its id")
	}
	specs := make([]ledger.TransferSpec, len(req.Transfers))
	seen := make(map[string]bool, len(req.Transfers))
	for i, item := range req.Transfers {
		sp, err := s.spec(ctx, item)
		if err != nil {
			return 0, nil, itemError(i, err)
		}
		if seen[sp.ID] {
			return 0, nil, coffer.Invalid(strict.Item("transfers", i)+".id", "transfers[%d]: id %q appears twice in the batch", i, sp.ID)
		}
		seen[sp.ID] = true
		specs[i] = sp
	}
	res, err := s.do(ctx, ledger.CreateTransfers{ID: req.ID, Transfers: specs})
	if err != nil {
		return 0, nil, err
	}
	out := client.BatchResponse{Mode: req.Mode, ID: req.ID, Results: make([]client.BatchResult, len(specs))}
	byID := make(map[string]coffer.Transfer, len(res.Transfers))
	for _, t := range res.Transfers {
		byID[t.ID] = t
	}
	for i, sp := range specs {
		t, ok := byID[sp.ID]
		if !ok {
			return 0, nil, errNoSnapshot("transfer " + sp.ID)
		}
		rt, err := s.renderTransfer(ctx, t)
		if err != nil {
			return 0, nil, err
		}
		out.Results[i] = client.BatchResult{ID: sp.ID, Status: http.StatusCreated, Transfer: &rt}
	}
	return http.StatusCreated, out, nil
}

func (s *Server) independentBatch(ctx context.Context, req client.BatchRequest) (int, any, error) {
	out := client.BatchResponse{Mode: req.Mode, Results: make([]client.BatchResult, len(req.Transfers))}
	var cmds []ledger.Command
	var at []int // at[j] is the item of cmds[j]
	for i, item := range req.Transfers {
		out.Results[i].ID = item.ID
		sp, err := s.spec(ctx, item)
		if err != nil {
			if coffer.ErrorCode(err) == coffer.EINTERNAL {
				return 0, nil, err
			}
			s.setItemError(ctx, &out.Results[i], err)
			continue
		}
		cmd := ledger.CreateTransfers{ID: sp.ID, Transfers: []ledger.TransferSpec{sp}}
		if err := s.permit(ctx, cmd); err != nil {
			s.setItemError(ctx, &out.Results[i], err)
			continue
		}
		cmds = append(cmds, cmd)
		at = append(at, i)
	}
	for j, o := range s.ledger.DoAll(ctx, cmds) {
		res := &out.Results[at[j]]
		if o.Err != nil {
			s.setItemError(ctx, res, o.Err)
			continue
		}
		var t *coffer.Transfer
		for k := range o.Result.Transfers {
			if o.Result.Transfers[k].ID == res.ID {
				t = &o.Result.Transfers[k]
			}
		}
		if t == nil {
			s.setItemError(ctx, res, errNoSnapshot("transfer "+res.ID))
			continue
		}
		rt, err := s.renderTransfer(ctx, *t)
		if err != nil {
			s.setItemError(ctx, res, err)
			continue
		}
		res.Status, res.Transfer = http.StatusCreated, &rt
	}
	return http.StatusOK, out, nil
}

// setItemError records a batch item's error, logging it if it is unexpected.
func (s *Server) setItemError(ctx context.Context, res *client.BatchResult, err error) {
	status, body, unexpected := errorBody(err)
	if unexpected {
		s.log.Error("batch item failed", "request_id", info(ctx).id, "transfer_id", res.ID, "err", err)
	}
	res.Status, res.Error = status, &body
}
