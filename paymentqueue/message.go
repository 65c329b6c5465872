package paymentqueue

import (
	"encoding/json"
	"strings"

	"github.com/cofferhq/coffer/internal/strict"
)

// The contract's statuses, as 004 numbers them.
const (
	StatusFailed  = 0 // the deposit failed or was orphaned; the payout failed or was refused
	StatusDone    = 1 // the deposit is confirmed; the payout is confirmed
	StatusPending = 2 // the deposit is seen, not yet confirmed
	// StatusRegistered answers a topup request that named an owner: the address is the
	// owner's deposit address, now registered. It is Coffer's addition to 004's statuses.
	StatusRegistered = 3
)

// topupRequest is a message of the topup (recharge) request queue: an address to watch. Owner
// is Coffer's addition, for a sender that does not know the owner's deposit address yet.
type topupRequest struct {
	Chain     string `json:"chain"`
	Symbol    string `json:"symbol"`
	Address   string `json:"address,omitempty"`
	Owner     string `json:"owner,omitempty"`
	Timestamp int64  `json:"timestamp"`
	Sign      string `json:"sign"`
}

// payoutRequest is a message of the withdraw or pay request queue; OrderID is pay's.
type payoutRequest struct {
	QueueID     string        `json:"queue_id"`
	FromAddress string        `json:"from_address"`
	ToAddress   string        `json:"to_address"`
	Amount      strict.Number `json:"amount"`
	Chain       string        `json:"chain"`
	Symbol      string        `json:"symbol"`
	OrderID     string        `json:"order_id,omitempty"`
	Timestamp   int64         `json:"timestamp"`
	Sign        string        `json:"sign"`
}

// requestData is what a stored request keeps for its notices (coffer.PaymentQueueRequest's
// Data): the request's own text, so that a notice repeats it as it was sent.
type requestData struct {
	Amount      string   `json:"amount,omitempty"` // the JSON number's literal
	Chain       string   `json:"chain"`
	Symbol      string   `json:"symbol"`
	OrderID     string   `json:"order_id,omitempty"`
	FromAddress string   `json:"from_address"`
	ToAddress   string   `json:"to_address"`
	Refusal     *refusal `json:"refusal,omitempty"`
}

// refusal is why a request was refused before it reached the ledger.
type refusal struct {
	Code   string `json:"code"`
	Reason string `json:"reason"`
}

// TopupNotice is a message of the topup return queue: 004's deposit notice (address, status,
// chain, symbol, amount, tx_hash), with Coffer's additions: ID, the same for every copy of one
// notice, so that a receiver drops duplicates; Owner on a registration; Code and Reason on a
// refusal.
type TopupNotice struct {
	ID      string          `json:"id"`
	Address string          `json:"address"`
	Status  int             `json:"status"`
	Chain   string          `json:"chain"`
	Symbol  string          `json:"symbol"`
	Amount  json.RawMessage `json:"amount,omitempty"`
	TxHash  string          `json:"tx_hash"`
	Owner   string          `json:"owner,omitempty"`
	Code    string          `json:"code,omitempty"`
	Reason  string          `json:"reason,omitempty"`
}

// PayoutNotice is a message of the withdraw or pay return queue: 004's final notice (queue_id,
// status, amount, chain, symbol, tx_hash; order_id for pay), with Coffer's additions: ID for
// dropping duplicates, the addresses as the request wrote them, the fee the chain took (in
// the chain's native coin) on a confirmed payout, Code and Reason on a failure.
type PayoutNotice struct {
	ID          string          `json:"id"`
	QueueID     string          `json:"queue_id"`
	Status      int             `json:"status"`
	Amount      json.RawMessage `json:"amount,omitempty"`
	Chain       string          `json:"chain"`
	Symbol      string          `json:"symbol"`
	OrderID     string          `json:"order_id,omitempty"`
	TxHash      string          `json:"tx_hash"`
	FromAddress string          `json:"from_address,omitempty"`
	ToAddress   string          `json:"to_address,omitempty"`
	Fee         string          `json:"fee,omitempty"`
	Code        string          `json:"code,omitempty"`
	Reason      string          `json:"reason,omitempty"`
}

// number returns a decimal amount as a JSON number's text: the major-unit string without the
// zeros a scale pads it with ("100.500000" is 100.5, "25.000000" is 25), which is the same
// number exactly. An empty string is no number.
func number(s string) json.RawMessage {
	if s == "" {
		return nil
	}
	if strings.Contains(s, ".") {
		s = strings.TrimRight(s, "0")
		s = strings.TrimSuffix(s, ".")
	}
	return json.RawMessage(s)
}
