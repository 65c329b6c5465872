package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/cofferhq/coffer"
)

// ClientTimeout bounds every call of a Client, so a hung server cannot hang the caller.
const ClientTimeout = 30 * time.Second

// clientResponseBytesMax caps a response the client reads: the largest page or batch answer is a
// few megabytes.
const clientResponseBytesMax = 64 << 20

// Client calls the API. It is what the command line and the end-to-end tests use. Every error it
// returns is a *coffer.Error: the server's code, message and param, unavailable when the server
// could not be reached (retry with the same id), internal when the answer was not the API's JSON.
// Every list method returns one page: while its HasMore is true, pass its NextCursor (NextAfter
// for events) to get the next.
type Client struct {
	baseURL string
	apiKey  string
	// HTTP sends the requests; its Timeout is ClientTimeout unless changed.
	HTTP *http.Client
}

// NewClient returns a client of the API at baseURL ("http://localhost:8080") that sends apiKey.
func NewClient(baseURL, apiKey string) *Client {
	return &Client{baseURL: strings.TrimRight(baseURL, "/"), apiKey: apiKey, HTTP: &http.Client{Timeout: ClientTimeout}}
}

// do sends in (if not nil) as JSON and decodes a success into out (if not nil).
func (c *Client) do(ctx context.Context, method, path string, query url.Values, in, out any) error {
	var body io.Reader
	if in != nil {
		data, err := json.Marshal(in)
		if err != nil {
			return coffer.Errorf(coffer.EINVALID, "encode request: %v", err)
		}
		body = bytes.NewReader(data)
	}
	u := c.baseURL + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return coffer.Errorf(coffer.EINVALID, "build request: %v", err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.apiKey != "" {
		req.Header.Set("Authorization", "Bearer "+c.apiKey)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return coffer.Errorf(coffer.EUNAVAILABLE, "%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, clientResponseBytesMax))
	if err != nil {
		return coffer.Errorf(coffer.EUNAVAILABLE, "%s %s: read response: %v", method, path, err)
	}
	if resp.StatusCode >= 400 {
		var e ErrorResponse
		if json.Unmarshal(data, &e) == nil && e.Error.Code != "" {
			return &coffer.Error{Code: e.Error.Code, Message: e.Error.Message, Param: e.Error.Param}
		}
		return coffer.Errorf(coffer.EINTERNAL, "%s %s: HTTP %d: %s", method, path, resp.StatusCode, snippet(data))
	}
	if out == nil {
		return nil
	}
	if raw, ok := out.(*[]byte); ok {
		*raw = data
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return coffer.Errorf(coffer.EINTERNAL, "%s %s: HTTP %d: undecodable answer: %v", method, path, resp.StatusCode, err)
	}
	return nil
}

// call is do for the answers decoded into a T.
func call[T any](ctx context.Context, c *Client, method, path string, query url.Values, in any) (*T, error) {
	var out T
	if err := c.do(ctx, method, path, query, in, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// snippet shortens a body for an error message.
func snippet(b []byte) string {
	const max = 200
	s := strings.TrimSpace(string(b))
	if len(s) > max {
		s = s[:max] + "..."
	}
	return s
}

func pathID(id string) string { return url.PathEscape(id) }

func pageQuery(q url.Values, cursor string, limit int) url.Values {
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	return q
}

func setIf(q url.Values, k, v string) {
	if v != "" {
		q.Set(k, v)
	}
}

func setTime(q url.Values, k string, t time.Time) {
	if !t.IsZero() {
		q.Set(k, t.UTC().Format(time.RFC3339Nano))
	}
}

// Health calls GET /healthz.
func (c *Client) Health(ctx context.Context) error {
	return c.do(ctx, http.MethodGet, "/healthz", nil, nil, nil)
}

// Ready calls GET /readyz; an unavailable error means the database does not answer.
func (c *Client) Ready(ctx context.Context) error {
	return c.do(ctx, http.MethodGet, "/readyz", nil, nil, nil)
}

// OpenAPI returns the OpenAPI document.
func (c *Client) OpenAPI(ctx context.Context) ([]byte, error) {
	var doc []byte
	err := c.do(ctx, http.MethodGet, "/v1/openapi.json", nil, nil, &doc)
	return doc, err
}

// CreateAsset creates an asset (admin).
func (c *Client) CreateAsset(ctx context.Context, req CreateAssetRequest) (*Asset, error) {
	return call[Asset](ctx, c, http.MethodPost, "/v1/assets", nil, req)
}

// Assets lists a page of the assets, by code.
func (c *Client) Assets(ctx context.Context, q AssetsQuery) (*AssetPage, error) {
	return call[AssetPage](ctx, c, http.MethodGet, "/v1/assets", pageQuery(url.Values{}, q.Cursor, q.Limit), nil)
}

// CreateAccount creates an account.
func (c *Client) CreateAccount(ctx context.Context, req CreateAccountRequest) (*Account, error) {
	return call[Account](ctx, c, http.MethodPost, "/v1/accounts", nil, req)
}

// Account returns an account by id.
func (c *Client) Account(ctx context.Context, id string) (*Account, error) {
	return call[Account](ctx, c, http.MethodGet, "/v1/accounts/"+pathID(id), nil, nil)
}

// Accounts lists accounts.
func (c *Client) Accounts(ctx context.Context, q AccountsQuery) (*AccountPage, error) {
	v := url.Values{}
	setIf(v, "owner", q.Owner)
	setIf(v, "asset", q.Asset)
	setIf(v, "kind", q.Kind)
	return call[AccountPage](ctx, c, http.MethodGet, "/v1/accounts", pageQuery(v, q.Cursor, q.Limit), nil)
}

// LockAccount locks an account for debits, credits or both.
func (c *Client) LockAccount(ctx context.Context, accountID string, req LockAccountRequest) (*Account, error) {
	return call[Account](ctx, c, http.MethodPost, "/v1/accounts/"+pathID(accountID)+"/lock", nil, req)
}

// UnlockAccount lifts an account's locks.
func (c *Client) UnlockAccount(ctx context.Context, accountID string, req UnlockAccountRequest) (*Account, error) {
	return call[Account](ctx, c, http.MethodPost, "/v1/accounts/"+pathID(accountID)+"/unlock", nil, req)
}

// Entries lists an account's entries.
func (c *Client) Entries(ctx context.Context, accountID string, q EntriesQuery) (*EntryPage, error) {
	v := url.Values{}
	setIf(v, "type", q.Type)
	setTime(v, "from", q.From)
	setTime(v, "to", q.To)
	if q.Desc {
		v.Set("order", "desc")
	}
	return call[EntryPage](ctx, c, http.MethodGet, "/v1/accounts/"+pathID(accountID)+"/entries", pageQuery(v, q.Cursor, q.Limit), nil)
}

// Balances returns every wallet balance of an owner.
func (c *Client) Balances(ctx context.Context, owner string) (*Balances, error) {
	return call[Balances](ctx, c, http.MethodGet, "/v1/owners/"+pathID(owner)+"/balances", nil, nil)
}

// Deposit credits an owner's wallet from outside.
func (c *Client) Deposit(ctx context.Context, req DepositRequest) (*TransferResult, error) {
	return call[TransferResult](ctx, c, http.MethodPost, "/v1/deposits", nil, req)
}

// Withdraw starts a withdrawal: the amount is held until it completes or fails.
func (c *Client) Withdraw(ctx context.Context, req WithdrawalRequest) (*TransferResult, error) {
	return call[TransferResult](ctx, c, http.MethodPost, "/v1/withdrawals", nil, req)
}

// CompleteWithdrawal posts a withdrawal once the payout is made.
func (c *Client) CompleteWithdrawal(ctx context.Context, id string, req PostRequest) (*TransferResult, error) {
	return call[TransferResult](ctx, c, http.MethodPost, "/v1/withdrawals/"+pathID(id)+"/complete", nil, req)
}

// FailWithdrawal voids a withdrawal whose payout failed, giving the money back.
func (c *Client) FailWithdrawal(ctx context.Context, id string, req VoidRequest) (*TransferResult, error) {
	return call[TransferResult](ctx, c, http.MethodPost, "/v1/withdrawals/"+pathID(id)+"/fail", nil, req)
}

// Pay pays a merchant from an owner's wallet.
func (c *Client) Pay(ctx context.Context, req PaymentRequest) (*TransferResult, error) {
	return call[TransferResult](ctx, c, http.MethodPost, "/v1/payments", nil, req)
}

// Refund refunds all or part of a payment.
func (c *Client) Refund(ctx context.Context, paymentID string, req RefundRequest) (*TransferResult, error) {
	return call[TransferResult](ctx, c, http.MethodPost, "/v1/payments/"+pathID(paymentID)+"/refunds", nil, req)
}

// Exchange exchanges between two of an owner's wallets.
func (c *Client) Exchange(ctx context.Context, req ExchangeRequest) (*TransferResult, error) {
	return call[TransferResult](ctx, c, http.MethodPost, "/v1/exchanges", nil, req)
}

// Hold reserves an amount on an owner's wallet.
func (c *Client) Hold(ctx context.Context, req HoldRequest) (*TransferResult, error) {
	return call[TransferResult](ctx, c, http.MethodPost, "/v1/holds", nil, req)
}

// CaptureHold takes all or part of a hold.
func (c *Client) CaptureHold(ctx context.Context, id string, req PostRequest) (*TransferResult, error) {
	return call[TransferResult](ctx, c, http.MethodPost, "/v1/holds/"+pathID(id)+"/capture", nil, req)
}

// ReleaseHold gives a hold back.
func (c *Client) ReleaseHold(ctx context.Context, id string, req VoidRequest) (*TransferResult, error) {
	return call[TransferResult](ctx, c, http.MethodPost, "/v1/holds/"+pathID(id)+"/release", nil, req)
}

// CreateTransfer creates a transfer between two accounts.
func (c *Client) CreateTransfer(ctx context.Context, req TransferRequest) (*TransferResult, error) {
	return call[TransferResult](ctx, c, http.MethodPost, "/v1/transfers", nil, req)
}

// CreateTransfers creates a batch of transfers, atomic or independent. An atomic batch that is
// rejected returns the error; an independent one reports each transfer's outcome in its result.
func (c *Client) CreateTransfers(ctx context.Context, req BatchRequest) (*BatchResponse, error) {
	return call[BatchResponse](ctx, c, http.MethodPost, "/v1/transfers/batch", nil, req)
}

// PostTransfer posts a pending transfer, all or part.
func (c *Client) PostTransfer(ctx context.Context, id string, req PostRequest) (*TransferResult, error) {
	return call[TransferResult](ctx, c, http.MethodPost, "/v1/transfers/"+pathID(id)+"/post", nil, req)
}

// VoidTransfer voids a pending transfer.
func (c *Client) VoidTransfer(ctx context.Context, id string, req VoidRequest) (*TransferResult, error) {
	return call[TransferResult](ctx, c, http.MethodPost, "/v1/transfers/"+pathID(id)+"/void", nil, req)
}

// Transfer returns a transfer by id.
func (c *Client) Transfer(ctx context.Context, id string) (*Transfer, error) {
	return call[Transfer](ctx, c, http.MethodGet, "/v1/transfers/"+pathID(id), nil, nil)
}

// Transfers lists transfers.
func (c *Client) Transfers(ctx context.Context, q TransfersQuery) (*TransferPage, error) {
	v := url.Values{}
	setIf(v, "account_id", q.AccountID)
	setIf(v, "type", q.Type)
	setIf(v, "reference", q.Reference)
	setTime(v, "from", q.From)
	setTime(v, "to", q.To)
	if q.Desc {
		v.Set("order", "desc")
	}
	return call[TransferPage](ctx, c, http.MethodGet, "/v1/transfers", pageQuery(v, q.Cursor, q.Limit), nil)
}

// Adjust corrects an account against a system account (admin).
func (c *Client) Adjust(ctx context.Context, req AdjustmentRequest) (*TransferResult, error) {
	return call[TransferResult](ctx, c, http.MethodPost, "/v1/adjustments", nil, req)
}

// Events returns up to limit events after the seq after (limit 0: the server's default). When
// the page's HasMore is false the consumer has caught up, and goes on later from the last
// event's seq.
func (c *Client) Events(ctx context.Context, after uint64, limit int) (*EventPage, error) {
	v := url.Values{"after": {strconv.FormatUint(after, 10)}}
	return call[EventPage](ctx, c, http.MethodGet, "/v1/events", pageQuery(v, "", limit), nil)
}

// Operation returns a recorded operation by id: what it was about and its outcome, done or
// rejected with its error.
func (c *Client) Operation(ctx context.Context, id string) (*Operation, error) {
	return call[Operation](ctx, c, http.MethodGet, "/v1/operations/"+pathID(id), nil, nil)
}

// Operations lists recorded operations, the rejected ones with Status "rejected".
func (c *Client) Operations(ctx context.Context, q OperationsQuery) (*OperationPage, error) {
	v := url.Values{}
	setIf(v, "owner", q.Owner)
	setIf(v, "account", q.AccountID)
	setIf(v, "code", q.Code)
	setIf(v, "kind", q.Kind)
	setIf(v, "status", q.Status)
	setTime(v, "from", q.From)
	setTime(v, "to", q.To)
	if q.Desc {
		v.Set("order", "desc")
	}
	return call[OperationPage](ctx, c, http.MethodGet, "/v1/operations", pageQuery(v, q.Cursor, q.Limit), nil)
}

// CreateKey creates an API key (admin) and returns it with its secret, shown this once.
func (c *Client) CreateKey(ctx context.Context, req CreateKeyRequest) (*CreatedKey, error) {
	return call[CreatedKey](ctx, c, http.MethodPost, "/v1/keys", nil, req)
}

// Keys lists a page of the API keys (admin), oldest first, without secrets.
func (c *Client) Keys(ctx context.Context, q KeysQuery) (*KeyPage, error) {
	return call[KeyPage](ctx, c, http.MethodGet, "/v1/keys", pageQuery(url.Values{}, q.Cursor, q.Limit), nil)
}

// RevokeKey revokes an API key (admin).
func (c *Client) RevokeKey(ctx context.Context, id string) (*Key, error) {
	return call[Key](ctx, c, http.MethodPost, "/v1/keys/"+pathID(id)+"/revoke", nil, nil)
}

// Verify runs the ledger's integrity check (admin).
func (c *Client) Verify(ctx context.Context) (*VerifyReport, error) {
	return call[VerifyReport](ctx, c, http.MethodGet, "/v1/verify", nil, nil)
}
