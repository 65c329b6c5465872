package paymentqueue

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/chain"
	"github.com/cofferhq/coffer/internal/strict"
)

// verdict is what becomes of a request message.
type verdict int

const (
	done      verdict = iota // publish the notices, then acknowledge
	dead                     // dead-letter with the reason, then acknowledge
	transient                // leave unacknowledged, to be delivered again
)

// notice is one message for a return queue.
type notice struct {
	kind string // which return queue
	id   string // the notice's id, also the message's MessageId
	body []byte
}

// outcome is what handling a request came to.
type outcome struct {
	verdict verdict
	notices []notice
	reason  string // why it was dead-lettered, or failed for now
}

// Handle judges one message of kind's request queue. It stores what it decided before it
// returns, so that publishing its notices and acknowledging the message may follow in any
// process: a message delivered again is answered the same way.
func (s *Service) Handle(ctx context.Context, kind string, body []byte) outcome {
	if len(body) > MessageBytesMax {
		return outcome{verdict: dead, reason: fmt.Sprintf("the message has %d bytes; at most %d are read", len(body), MessageBytesMax)}
	}
	if kind == KindTopup {
		return s.topup(ctx, body)
	}
	return s.payout(ctx, kind, body)
}

// topup registers an address for deposit notices.
func (s *Service) topup(ctx context.Context, body []byte) outcome {
	refuse := func(err error) outcome {
		m, _ := flatMembers(body)
		n := TopupNotice{ID: "refused-" + digest(body), Address: m["address"], Status: StatusFailed, Chain: m["chain"],
			Symbol: m["symbol"], Code: coffer.ErrorCode(err), Reason: coffer.ErrorMessage(err)}
		return s.done(KindTopup, n.ID, n)
	}
	if err := verify(s.cfg.Key, body, s.cfg.Now(), s.cfg.SignatureWindow); err != nil {
		return refuse(err)
	}
	var req topupRequest
	if err := strict.Decode(bytes.NewReader(body), &req, strict.Options{BytesMax: MessageBytesMax}); err != nil {
		return refuse(err)
	}
	chainName, asset, err := s.chainAsset(req.Chain, req.Symbol)
	if err != nil {
		return refuse(err)
	}
	var a coffer.DepositAddress
	switch {
	case req.Owner != "":
		a, _, err = s.cfg.Addresses.Assign(ctx, req.Owner, chainName, asset.Code)
		if err != nil {
			if transientErr(err) {
				return s.failedForNow(err)
			}
			return refuse(err)
		}
		if req.Address != "" && !strings.EqualFold(req.Address, a.Address) {
			return refuse(coffer.Invalid("address", "address %s is not owner %s's deposit address on %s, which is %s; leave address out to be told it",
				clip(req.Address), req.Owner, req.Chain, a.Address))
		}
	case req.Address == "":
		return refuse(coffer.Invalid("address", "address is required: the deposit address to watch (or name an owner to be given its address)"))
	default:
		if a, err = s.depositAddress(ctx, "address", chainName, req.Address); err != nil {
			if transientErr(err) {
				return s.failedForNow(err)
			}
			return refuse(err)
		}
	}
	form := req.Address
	if form == "" {
		form = a.Address
	}
	w, err := s.cfg.Store.PutPaymentQueueWatch(ctx, coffer.PaymentQueueWatch{Chain: chainName, Address: form, Owner: a.Owner,
		Symbol: asset.Code, CreatedAt: s.cfg.Now().UTC()})
	if err != nil {
		return s.failedForNow(err)
	}
	if req.Owner == "" {
		return outcome{verdict: done} // 004 answers a registration with nothing
	}
	n := TopupNotice{ID: "registered-" + chainName + "-" + strings.ToLower(w.Address), Address: w.Address, Status: StatusRegistered,
		Chain: req.Chain, Symbol: asset.Code, Owner: w.Owner}
	return s.done(KindTopup, n.ID, n)
}

// payout judges a withdraw or pay request, once per queue_id.
func (s *Service) payout(ctx context.Context, kind string, body []byte) outcome {
	members, err := flatMembers(body)
	if err != nil {
		return outcome{verdict: dead, reason: coffer.ErrorMessage(err)}
	}
	queueID, ok := members["queue_id"]
	if !ok || queueID == "" {
		return outcome{verdict: dead, reason: "the message has no queue_id, so no notice could name it"}
	}
	fp := fingerprint(kind, members)
	stored, err := s.cfg.Store.PaymentQueueRequest(ctx, queueID)
	switch {
	case err == nil:
		return s.again(ctx, kind, stored, fp)
	case coffer.ErrorCode(err) != coffer.ENOTFOUND:
		return s.failedForNow(err)
	}
	data := requestData{Amount: members["amount"], Chain: members["chain"], Symbol: members["symbol"], OrderID: members["order_id"],
		FromAddress: members["from_address"], ToAddress: members["to_address"]}
	p, err := s.judge(ctx, kind, queueID, body)
	if err != nil {
		if transientErr(err) {
			return s.failedForNow(err)
		}
		data.Refusal = &refusal{Code: coffer.ErrorCode(err), Reason: coffer.ErrorMessage(err)}
	}
	raw, err := json.Marshal(data)
	if err != nil {
		return s.failedForNow(err)
	}
	stored, created, err := s.cfg.Store.PutPaymentQueueRequest(ctx, coffer.PaymentQueueRequest{QueueID: queueID, Kind: kind,
		Fingerprint: fp, TransferID: TransferPrefix + queueID, Data: raw, CreatedAt: s.cfg.Now().UTC()})
	if err != nil {
		return s.failedForNow(err)
	}
	if !created || data.Refusal != nil {
		return s.again(ctx, kind, stored, fp) // another delivery stored it first, or a refusal to answer
	}
	return s.start(ctx, kind, stored, data, p)
}

// again answers a request whose queue_id is stored: a refusal as it was, an accepted request
// whose payout has ended with its final notice again (the same id and bytes, a copy its
// receiver drops if it has it), one still under way by asking for its payout again (which
// changes nothing; its final notice will come), another request under the same queue_id not
// at all.
func (s *Service) again(ctx context.Context, kind string, r coffer.PaymentQueueRequest, fp string) outcome {
	if r.Fingerprint != fp {
		return outcome{verdict: dead, reason: fmt.Sprintf("queue_id %s already names another %s request; its outcome stands", r.QueueID, r.Kind)}
	}
	if r.Notice != nil {
		return outcome{verdict: done, notices: []notice{{kind: kind, id: r.NoticeID, body: r.Notice}}}
	}
	var data requestData
	if err := json.Unmarshal(r.Data, &data); err != nil {
		return s.failedForNow(fmt.Errorf("payment queue request %s: %w", r.QueueID, err))
	}
	if data.Refusal != nil {
		return s.refused(kind, r.QueueID, data, data.Refusal.Code, data.Refusal.Reason)
	}
	p, err := s.payoutOf(ctx, kind, r.QueueID, data)
	if err != nil {
		if transientErr(err) {
			return s.failedForNow(err)
		}
		return s.refused(kind, r.QueueID, data, coffer.ErrorCode(err), coffer.ErrorMessage(err))
	}
	return s.start(ctx, kind, r, data, p)
}

// start asks for the payout. Accepted, its notice waits for its end; refused, the refusal is
// the notice.
func (s *Service) start(ctx context.Context, kind string, r coffer.PaymentQueueRequest, data requestData, p Payout) outcome {
	err := s.cfg.Payouts.Payout(ctx, p)
	switch {
	case err == nil:
		return outcome{verdict: done}
	case transientErr(err):
		return s.failedForNow(err)
	}
	return s.refused(kind, r.QueueID, data, coffer.ErrorCode(err), coffer.ErrorMessage(err))
}

// refused is the final notice of a request refused before its payout started.
func (s *Service) refused(kind, queueID string, data requestData, code, reason string) outcome {
	n := PayoutNotice{ID: "refused-" + queueID, QueueID: queueID, Status: StatusFailed, Amount: numberText(data.Amount),
		Chain: data.Chain, Symbol: data.Symbol, OrderID: data.OrderID, FromAddress: data.FromAddress, ToAddress: data.ToAddress,
		Code: code, Reason: reason}
	return s.done(kind, n.ID, n)
}

// judge checks a new request: its sign and timestamp, its shape, and what it names.
func (s *Service) judge(ctx context.Context, kind, queueID string, body []byte) (Payout, error) {
	if err := verify(s.cfg.Key, body, s.cfg.Now(), s.cfg.SignatureWindow); err != nil {
		return Payout{}, err
	}
	var req payoutRequest
	if err := strict.Decode(bytes.NewReader(body), &req, strict.Options{BytesMax: MessageBytesMax}); err != nil {
		return Payout{}, err
	}
	if err := checkQueueID(queueID); err != nil {
		return Payout{}, err
	}
	switch {
	case kind == KindPay && req.OrderID == "":
		return Payout{}, coffer.Invalid("order_id", "order_id is required: a payment names the order it pays")
	case kind == KindWithdraw && req.OrderID != "":
		return Payout{}, coffer.Invalid("order_id", "order_id belongs to pay requests; a withdrawal has none")
	}
	return s.payoutOf(ctx, kind, queueID, requestData{Amount: string(req.Amount), Chain: req.Chain, Symbol: req.Symbol,
		OrderID: req.OrderID, FromAddress: req.FromAddress, ToAddress: req.ToAddress})
}

// payoutOf turns a request's fields into the payout they ask for.
func (s *Service) payoutOf(ctx context.Context, kind, queueID string, d requestData) (Payout, error) {
	chainName, asset, err := s.chainAsset(d.Chain, d.Symbol)
	if err != nil {
		return Payout{}, err
	}
	if d.Amount == "" {
		return Payout{}, coffer.Invalid("amount", "amount is required, a JSON number")
	}
	amount, err := coffer.ParseAmount(d.Amount, int(asset.Decimals))
	if err != nil {
		return Payout{}, coffer.Invalid("amount", "amount %s: %v (%s has %d decimals)", clip(d.Amount), err, asset.Code, asset.Decimals)
	}
	if amount.Sign() <= 0 {
		return Payout{}, coffer.Invalid("amount", "amount %s must be greater than zero", clip(d.Amount))
	}
	from, err := s.depositAddress(ctx, "from_address", chainName, d.FromAddress)
	if err != nil {
		return Payout{}, err
	}
	to, err := chain.ParseAddress(d.ToAddress)
	if err != nil {
		return Payout{}, coffer.Invalid("to_address", "to_address: %v", err)
	}
	return Payout{ID: TransferPrefix + queueID, Kind: kind, Owner: from.Owner, Chain: chainName, Asset: asset.Code,
		Amount: amount, To: to.Hex(), OrderID: d.OrderID}, nil
}

// chainAsset returns Coffer's chain for the contract's chain name and the asset symbol names
// on it.
func (s *Service) chainAsset(name, symbol string) (string, chain.Asset, error) {
	chainName := ""
	for k, v := range s.cfg.Chains {
		if strings.EqualFold(k, name) {
			chainName = v
		}
	}
	if chainName == "" {
		names := make([]string, 0, len(s.cfg.Chains))
		for k := range s.cfg.Chains {
			names = append(names, k)
		}
		return "", chain.Asset{}, coffer.Invalid("chain", "chain %q is not served here; the chains are %s", clip(name), strings.Join(names, ", "))
	}
	for _, a := range s.cfg.ChainConfig.AssetsOn(chainName) {
		if strings.EqualFold(a.Code, symbol) {
			return chainName, a, nil
		}
	}
	return "", chain.Asset{}, coffer.Invalid("symbol", "symbol %q is not an asset of chain %s", clip(symbol), name)
}

// depositAddress returns the deposit address s names on chainName: whose it is.
func (s *Service) depositAddress(ctx context.Context, field, chainName, text string) (coffer.DepositAddress, error) {
	a, err := chain.ParseAddress(text)
	if err != nil {
		return coffer.DepositAddress{}, coffer.Invalid(field, "%s: %v", field, err)
	}
	found, err := s.cfg.Addresses.LookupDepositAddresses(ctx, chainName, []string{a.Hex()})
	if err != nil {
		return coffer.DepositAddress{}, err
	}
	if len(found) == 0 {
		return coffer.DepositAddress{}, coffer.Invalid(field, "%s %s is not one of this server's deposit addresses on chain %s: it names the wallet that pays, by its deposit address",
			field, clip(text), chainName)
	}
	return found[0], nil
}

// done is an outcome with one notice to publish.
func (s *Service) done(kind, id string, n any) outcome {
	b, err := json.Marshal(n)
	if err != nil {
		return s.failedForNow(err)
	}
	return outcome{verdict: done, notices: []notice{{kind: kind, id: id, body: b}}}
}

func (s *Service) failedForNow(err error) outcome {
	return outcome{verdict: transient, reason: err.Error()}
}

// transientErr reports whether err may pass: the database or a service unavailable, or
// anything not a *coffer.Error.
func transientErr(err error) bool {
	var e *coffer.Error
	if !errors.As(err, &e) {
		return true
	}
	return e.Code == coffer.EUNAVAILABLE || e.Code == coffer.EINTERNAL
}

// checkQueueID refuses a queue_id that cannot be part of a transfer id.
func checkQueueID(q string) error {
	if len(q) > QueueIDBytesMax {
		return coffer.Invalid("queue_id", "queue_id has %d bytes; at most %d", len(q), QueueIDBytesMax)
	}
	for _, r := range q {
		if r == '/' || unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return coffer.Invalid("queue_id", "queue_id %q holds %q; it may hold no slash, space or control character", clip(q), r)
		}
	}
	return nil
}

// fingerprint identifies a request by its members but sign and timestamp: the same request
// signed again later is the same request.
func fingerprint(kind string, members map[string]string) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n", kind)
	for _, name := range sortedNames(members) {
		if name == memberSign || name == memberTimestamp {
			continue
		}
		fmt.Fprintf(h, "%d:%s%d:%s", len(name), name, len(members[name]), members[name])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// digest names a message by its bytes.
func digest(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:12])
}

// numberText is an amount's literal as the request sent it, or nothing when it was not a
// JSON number.
func numberText(s string) json.RawMessage {
	if s == "" || !json.Valid([]byte(s)) || (s[0] != '-' && (s[0] < '0' || s[0] > '9')) {
		return nil
	}
	return json.RawMessage(s)
}
