package paymentqueue

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/outbox"
)

// eventPayload is what a notice reads of a relayed event.
type eventPayload struct {
	ID      string          `json:"id"`
	Type    string          `json:"type"`
	Subject string          `json:"subject"`
	Data    json.RawMessage `json:"data"`
}

// notices returns the notices an event leads to: one per deposit event of a registered
// address, one per payout event of a request; none for any other. Its id is the event's, so
// that the copy a crash repeats has the id of the first.
func (s *Service) notices(ctx context.Context, m outbox.Message) ([]notice, error) {
	switch m.Type {
	case coffer.EventDepositPending, coffer.EventDepositConfirmed, coffer.EventDepositOrphaned,
		coffer.EventPayoutConfirmed, coffer.EventPayoutFailed:
	default:
		return nil, nil
	}
	var p eventPayload
	if err := json.Unmarshal(m.Body, &p); err != nil {
		return nil, fmt.Errorf("event %s: %w", m.ID, err)
	}
	if p.Type == coffer.EventPayoutConfirmed || p.Type == coffer.EventPayoutFailed {
		return s.payoutNotice(ctx, m.ID, p)
	}
	var d coffer.DepositNotice
	if err := json.Unmarshal(p.Data, &d); err != nil {
		return nil, fmt.Errorf("event %s: %w", m.ID, err)
	}
	w, err := s.cfg.Store.PaymentQueueWatch(ctx, d.Chain, d.Address)
	if coffer.ErrorCode(err) == coffer.ENOTFOUND || err == nil && w.Symbol != d.Asset {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	status := StatusPending
	switch p.Type {
	case coffer.EventDepositConfirmed:
		status = StatusDone
	case coffer.EventDepositOrphaned:
		status = StatusFailed
	}
	n := TopupNotice{ID: m.ID, Address: w.Address, Status: status, Chain: s.contractChain(d.Chain), Symbol: d.Asset,
		Amount: number(d.Amount), TxHash: d.TxHash}
	b, err := json.Marshal(n)
	if err != nil {
		return nil, err
	}
	return []notice{{kind: KindTopup, id: n.ID, body: b}}, nil
}

// payoutNotice returns the final notice of a request's payout, stored on the request.
func (s *Service) payoutNotice(ctx context.Context, id string, p eventPayload) ([]notice, error) {
	var e coffer.PayoutNotice
	if err := json.Unmarshal(p.Data, &e); err != nil {
		return nil, fmt.Errorf("event %s: %w", id, err)
	}
	transfer := e.TransferID
	if transfer == "" {
		transfer = p.Subject
	}
	r, err := s.cfg.Store.PaymentQueueRequestByTransfer(ctx, transfer)
	if coffer.ErrorCode(err) == coffer.ENOTFOUND {
		return nil, nil // a payout asked for by another way
	}
	if err != nil {
		return nil, err
	}
	var d requestData
	if err := json.Unmarshal(r.Data, &d); err != nil {
		return nil, fmt.Errorf("payment queue request %s: %w", r.QueueID, err)
	}
	n := PayoutNotice{ID: id, QueueID: r.QueueID, Status: StatusDone, Amount: numberText(d.Amount), Chain: d.Chain,
		Symbol: d.Symbol, OrderID: d.OrderID, TxHash: e.TxHash, FromAddress: d.FromAddress, ToAddress: d.ToAddress, Fee: e.Fee}
	if p.Type == coffer.EventPayoutFailed {
		n.Status, n.Fee, n.Code, n.Reason = StatusFailed, "", "payout_failed", e.Reason
	}
	b, err := json.Marshal(n)
	if err != nil {
		return nil, err
	}
	// The notice is stored on its request before it is published, and what is stored is what
	// goes out: a crash between the two leaves the event to the relay, which comes back here,
	// finds the notice stored and publishes it; a crash before storing it loses nothing but
	// the moment. The same request sent again meanwhile is answered with the stored notice, a
	// copy by its id. Once stored it never changes, so every copy is the same bytes.
	r, err = s.cfg.Store.PutPaymentQueueNotice(ctx, r.QueueID, n.ID, b)
	if err != nil {
		return nil, err
	}
	return []notice{{kind: r.Kind, id: r.NoticeID, body: r.Notice}}, nil
}

// contractChain returns the contract's name of one of Coffer's chains.
func (s *Service) contractChain(name string) string {
	if c, ok := s.back[name]; ok {
		return c
	}
	return name
}
