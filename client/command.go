package client

import "encoding/json"

// Command is the envelope of a write sent to Coffer through a message queue (a RabbitMQ queue or
// a Kafka topic) instead of HTTP. Coffer answers it with the same JSON, success or error, that
// the HTTP endpoint of its type answers, and with that endpoint's status beside it.
type Command struct {
	// ID is the command's id and its operation id: a command sent again with the same id is
	// applied once and answered the same way. A body that leaves out its own "id" takes this
	// one; a body that names another id is refused.
	ID string `json:"id"`
	// Type is what to do: one of the Command* constants.
	Type string `json:"type"`
	// Target is the id of what the command acts on where HTTP puts it in the path: the
	// transfer of post and void, the hold of capture and release, the withdrawal of
	// complete_withdrawal and fail_withdrawal, the payment of refund, the account of
	// lock_account and unlock_account. The other types take none.
	Target string `json:"target,omitempty"`
	// Body is the body of the HTTP request, read and checked the same way.
	Body json.RawMessage `json:"body,omitempty"`
}

// The types of command, each named after the HTTP endpoint whose body it carries.
const (
	// CommandCreateAsset is the type of a command with the body of POST /v1/assets. It needs the admin role.
	CommandCreateAsset = "create_asset"
	// CommandCreateAccount is the type of a command with the body of POST /v1/accounts.
	CommandCreateAccount = "create_account"
	// CommandLockAccount is the type of a command with the body of POST /v1/accounts/{target}/lock.
	CommandLockAccount = "lock_account"
	// CommandUnlockAccount is the type of a command with the body of POST /v1/accounts/{target}/unlock.
	CommandUnlockAccount = "unlock_account"
	// CommandDeposit is the type of a command with the body of POST /v1/deposits.
	CommandDeposit = "deposit"
	// CommandWithdrawal is the type of a command with the body of POST /v1/withdrawals.
	CommandWithdrawal = "withdrawal"
	// CommandCompleteWithdrawal is the type of a command with the body of POST /v1/withdrawals/{target}/complete.
	CommandCompleteWithdrawal = "complete_withdrawal"
	// CommandFailWithdrawal is the type of a command with the body of POST /v1/withdrawals/{target}/fail.
	CommandFailWithdrawal = "fail_withdrawal"
	// CommandPayment is the type of a command with the body of POST /v1/payments.
	CommandPayment = "payment"
	// CommandRefund is the type of a command with the body of POST /v1/payments/{target}/refunds.
	CommandRefund = "refund"
	// CommandExchange is the type of a command with the body of POST /v1/exchanges.
	CommandExchange = "exchange"
	// CommandHold is the type of a command with the body of POST /v1/holds.
	CommandHold = "hold"
	// CommandCapture is the type of a command with the body of POST /v1/holds/{target}/capture.
	CommandCapture = "capture"
	// CommandRelease is the type of a command with the body of POST /v1/holds/{target}/release.
	CommandRelease = "release"
	// CommandTransfer is the type of a command with the body of POST /v1/transfers.
	CommandTransfer = "transfer"
	// CommandPost is the type of a command with the body of POST /v1/transfers/{target}/post.
	CommandPost = "post"
	// CommandVoid is the type of a command with the body of POST /v1/transfers/{target}/void.
	CommandVoid = "void"
	// CommandAdjustment is the type of a command with the body of POST /v1/adjustments. It needs the admin role.
	CommandAdjustment = "adjustment"
)
