package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/approval"
	"github.com/cofferhq/coffer/client"
)

// approvalService returns the approvals, or unavailable.
func (s *Server) approvalService() (*approval.Service, error) {
	if s.approvals == nil {
		return nil, coffer.Errorf(coffer.EUNAVAILABLE, "this server's store keeps no approvals")
	}
	return s.approvals, nil
}

// requestApproval stores an admin's money move, checked already, as a request that another
// admin key approves: 202 with the request, the same for a retry of the same move.
func (s *Server) requestApproval(ctx context.Context, req client.AdjustmentRequest) (int, any, error) {
	svc, err := s.approvalService()
	if err != nil {
		return 0, nil, err
	}
	body, err := json.Marshal(req)
	if err != nil {
		return 0, nil, err
	}
	a, _, err := svc.Request(ctx, coffer.ApprovalKindAdjustment, req.ID, body, info(ctx).keyID)
	if err != nil {
		return 0, nil, err
	}
	out, err := s.renderApproval(ctx, a)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusAccepted, client.ApprovalRequested{Approval: out}, nil
}

func (s *Server) getApproval(r *http.Request) (int, any, error) {
	svc, err := s.approvalService()
	if err != nil {
		return 0, nil, err
	}
	a, err := svc.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	out, err := s.renderApproval(r.Context(), a)
	return http.StatusOK, out, err
}

// approve approves a waiting request by the request's key, which must not be the one that
// asked, and applies its move through the same ledger command, under the move's id: applied
// at most once, so approving again with the same key (after a failure to apply) answers the
// same. A move the ledger refuses is answered with the refusal in the approval's error.
func (s *Server) approve(r *http.Request) (int, any, error) {
	svc, err := s.approvalService()
	if err != nil {
		return 0, nil, err
	}
	if err := s.decode(r, &struct{}{}, true); err != nil {
		return 0, nil, err
	}
	ctx := r.Context()
	a, err := svc.Approve(ctx, r.PathValue("id"), info(ctx).keyID)
	if err != nil {
		return 0, nil, err
	}
	if a.Kind != coffer.ApprovalKindAdjustment {
		return 0, nil, errors.New("approval " + a.ID + " is of unknown kind " + a.Kind)
	}
	var req client.AdjustmentRequest
	if err := json.Unmarshal(a.Request, &req); err != nil {
		return 0, nil, err
	}
	out, err := s.renderApproval(ctx, a)
	if err != nil {
		return 0, nil, err
	}
	cmd, err := s.adjustment(ctx, req)
	if err == nil {
		cmd.ByKeyID, cmd.ApprovedByKeyID = a.RequestedBy, a.DecidedBy
		_, err = s.do(ctx, cmd)
	}
	if err != nil {
		var ce *coffer.Error
		if !errors.As(err, &ce) || ce.Code == coffer.EINTERNAL || ce.Code == coffer.EUNAVAILABLE {
			return 0, nil, err
		}
		out.Error = &client.ErrorBody{Code: ce.Code, Message: ce.Message, Param: ce.Param}
		return http.StatusOK, out, nil
	}
	// The transfer as the ledger made it.
	out, err = s.renderApproval(ctx, a)
	return http.StatusOK, out, err
}

func (s *Server) reject(r *http.Request) (int, any, error) {
	svc, err := s.approvalService()
	if err != nil {
		return 0, nil, err
	}
	var req client.RejectApprovalRequest
	if err := s.decode(r, &req, false); err != nil {
		return 0, nil, err
	}
	ctx := r.Context()
	a, err := svc.Reject(ctx, r.PathValue("id"), info(ctx).keyID, req.Reason)
	if err != nil {
		return 0, nil, err
	}
	out, err := s.renderApproval(ctx, a)
	return http.StatusOK, out, err
}

func (s *Server) listApprovals(r *http.Request) (int, any, error) {
	svc, err := s.approvalService()
	if err != nil {
		return 0, nil, err
	}
	q := r.URL.Query()
	limit, err := pageLimit(q)
	if err != nil {
		return 0, nil, err
	}
	f := coffer.ApprovalFilter{Status: coffer.ApprovalStatus(q.Get("status")), Limit: fetchLimit(limit)}
	if c := q.Get("cursor"); c != "" {
		if f.After, err = decodeApprovalCursor(c); err != nil {
			return 0, nil, err
		}
	}
	list, err := svc.List(r.Context(), f)
	if err != nil {
		return 0, nil, err
	}
	items, more, next, err := paged(list, limit, func(a coffer.Approval) (client.Approval, error) { return s.renderApproval(r.Context(), a) },
		approvalCursor)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, client.ApprovalPage{Approvals: items, HasMore: more, NextCursor: next}, nil
}

// approvalCursor is the cursor after a: its part (w for waiting, d for decided), then the
// time and id as timeCursor writes them.
func approvalCursor(a coffer.Approval) string {
	part := "d"
	if a.Status == coffer.ApprovalWaiting {
		part = "w"
	}
	return encodeCursor(part + "\n" + a.RequestedAt.UTC().Format(time.RFC3339Nano) + "\n" + a.ID)
}

func decodeApprovalCursor(c string) (*coffer.ApprovalCursor, error) {
	s, err := decodeCursor(c)
	if err != nil {
		return nil, err
	}
	part, rest, _ := strings.Cut(s, "\n")
	ts, id, ok := strings.Cut(rest, "\n")
	at, perr := time.Parse(time.RFC3339Nano, ts)
	if !ok || perr != nil || id == "" || (part != "w" && part != "d") {
		return nil, errCursor()
	}
	return &coffer.ApprovalCursor{Waiting: part == "w", RequestedAt: at, ID: id}, nil
}

// renderApproval renders a, with the move's transfer once it was applied, or the ledger's
// refusal of it.
func (s *Server) renderApproval(ctx context.Context, a coffer.Approval) (client.Approval, error) {
	out := client.Approval{ID: a.ID, Kind: a.Kind, Status: string(a.Status), Request: json.RawMessage(bytes.Clone(a.Request)),
		RequestedBy: a.RequestedBy, RequestedAt: apiTime(a.RequestedAt), DecidedBy: a.DecidedBy,
		DecidedAt: apiTimePtr(a.DecidedAt), Reason: a.Reason}
	if a.Status != coffer.ApprovalApproved {
		return out, nil
	}
	t, err := s.store.Transfer(ctx, a.ID)
	switch {
	case err == nil:
		rt, err := s.renderTransfer(ctx, t)
		if err != nil {
			return client.Approval{}, err
		}
		out.Transfer = &rt
		return out, nil
	case coffer.ErrorCode(err) != coffer.ENOTFOUND:
		return client.Approval{}, err
	}
	if s.operations == nil {
		return out, nil
	}
	op, err := s.operations.Operation(ctx, a.ID)
	switch {
	case err == nil && op.ErrCode != "":
		out.Error = &client.ErrorBody{Code: op.ErrCode, Message: op.ErrMessage}
	case err != nil && coffer.ErrorCode(err) != coffer.ENOTFOUND:
		return client.Approval{}, err
	}
	return out, nil
}
