package coinwallet

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/client"
)

// detailAnswer is the answer of detail: the three balances, and what a payment in gold on the
// platform asked about may draw on (iap_gold and gold on iOS, gold alone elsewhere).
type detailAnswer struct {
	UID           int64       `json:"uid"`
	Platform      string      `json:"platform"`
	Gold          json.Number `json:"gold"`
	IAPGold       json.Number `json:"iap_gold"`
	Silver        json.Number `json:"silver"`
	SpendableGold json.Number `json:"spendable_gold"`
}

// streamAnswer is a page of the user's coin records, newest first.
type streamAnswer struct {
	List    []streamItem `json:"list"`
	Offset  int64        `json:"offset"`
	Limit   int64        `json:"limit"`
	HasMore bool         `json:"has_more"`
}

// streamItem is one coin record: the request as it was made, whether it was done, and the
// balances it left or why it failed.
type streamItem struct {
	TransactionID string          `json:"transaction_id"`
	OpType        string          `json:"op_type"`
	Request       json.RawMessage `json:"request"`
	Status        string          `json:"status"` // success or failed
	Balances      json.RawMessage `json:"balances,omitempty"`
	Error         *failure        `json:"error,omitempty"`
	CreatedAt     string          `json:"created_at"`
}

// timeLayout writes times as the API does: RFC 3339 in UTC with six decimals of the second.
const timeLayout = "2006-01-02T15:04:05.000000Z07:00"

// failure is why a failed record failed.
type failure struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// read serves a GET endpoint: a reader's key, the query parameters named, and handle.
func (p *Profile) read(handle func(r *http.Request, q map[string]string) (any, error), params ...string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := p.cfg.Authenticate(r, coffer.RoleReader); err != nil {
			p.fail(w, r, err)
			return
		}
		q, err := query(r, params...)
		if err != nil {
			p.fail(w, r, err)
			return
		}
		body, err := handle(r, q)
		if err != nil {
			p.fail(w, r, err)
			return
		}
		writeRaw(w, http.StatusOK, marshal(body))
	})
}

func (p *Profile) detail(r *http.Request, q map[string]string) (any, error) {
	uid, err := uidParam(q)
	if err != nil {
		return nil, err
	}
	platform, ok := q["platform"]
	if !ok {
		return nil, coffer.Invalid("platform", "platform is required: one of %s", strings.Join(platforms, ", "))
	}
	if err := checkPlatform("platform", platform); err != nil {
		return nil, err
	}
	o := op{uid: uid}
	b, err := p.balances(r.Context(), o.owner())
	if err != nil {
		return nil, err
	}
	spendable := b.Gold
	if platform == PlatformIOS {
		g, _ := coffer.ParseAmount(string(b.Gold), 0)
		i, _ := coffer.ParseAmount(string(b.IAPGold), 0)
		sum, ok := g.Add(i)
		if !ok {
			return nil, coffer.Errorf(coffer.EINTERNAL, "gold and iap_gold of %d add up past the largest amount", uid)
		}
		spendable = json.Number(sum.String())
	}
	return detailAnswer{UID: uid, Platform: platform, Gold: b.Gold, IAPGold: b.IAPGold, Silver: b.Silver,
		SpendableGold: spendable}, nil
}

func (p *Profile) stream(r *http.Request, q map[string]string) (any, error) {
	uid, err := uidParam(q)
	if err != nil {
		return nil, err
	}
	offset, err := wholeParam(q, "offset", 0, 0, coffer.CoinRecordOffsetMax)
	if err != nil {
		return nil, err
	}
	limit, err := wholeParam(q, "limit", StreamLimitDefault, 1, coffer.CoinRecordPageMax)
	if err != nil {
		return nil, err
	}
	o := op{uid: uid}
	// One more than the page, to know whether more follow.
	recs, err := p.cfg.Records.CoinRecords(r.Context(), o.owner(), int(offset), int(limit)+1)
	if err != nil {
		return nil, err
	}
	out := streamAnswer{List: []streamItem{}, Offset: offset, Limit: limit}
	if len(recs) > int(limit) {
		recs, out.HasMore = recs[:limit], true
	}
	for _, rec := range recs {
		it := streamItem{TransactionID: rec.ID, OpType: rec.Kind, Request: rec.Request, Status: "success",
			CreatedAt: rec.CreatedAt.UTC().Format(timeLayout)}
		if rec.Failed {
			it.Status, it.Error = "failed", &failure{Code: rec.Code, Message: rec.Message}
		} else {
			it.Balances = rec.Answer
		}
		out.List = append(out.List, it)
	}
	return out, nil
}

// parseQuery reads a raw query, refusing a bad escape or a ';' as the API does.
func parseQuery(raw string) (url.Values, error) {
	q, err := url.ParseQuery(raw)
	if err != nil {
		return nil, errorf("the query %q cannot be read: %v", raw, err)
	}
	return q, nil
}

// fail answers err in the API's error envelope, with the status /v1 gives its code, and logs
// it if the caller may not see it.
func (p *Profile) fail(w http.ResponseWriter, r *http.Request, err error) {
	var ce *coffer.Error
	status, body := http.StatusInternalServerError, client.ErrorBody{Code: coffer.EINTERNAL, Message: "internal error"}
	switch {
	case errors.As(err, &ce) && ce.Code != coffer.EINTERNAL && statusByCode[ce.Code] != 0:
		status, body = statusByCode[ce.Code], client.ErrorBody{Code: ce.Code, Message: ce.Message, Param: ce.Param}
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		status, body = http.StatusServiceUnavailable, client.ErrorBody{Code: coffer.EUNAVAILABLE,
			Message: "the request ended before it was done; retry with the same transaction_id"}
	default:
		p.cfg.Logger.Error("coin wallet request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	writeRaw(w, status, marshal(client.ErrorResponse{Error: body}))
}

// statusByCode is the one HTTP status of each code, as /v1 answers it.
var statusByCode = map[string]int{
	coffer.EINVALID:           http.StatusBadRequest,
	coffer.EUNAUTHORIZED:      http.StatusUnauthorized,
	coffer.EINSUFFICIENTFUNDS: http.StatusPaymentRequired,
	coffer.EFORBIDDEN:         http.StatusForbidden,
	coffer.ENOTFOUND:          http.StatusNotFound,
	coffer.ECONFLICT:          http.StatusConflict,
	coffer.EEXPIRED:           http.StatusGone,
	coffer.ELIMIT:             http.StatusUnprocessableEntity,
	coffer.ELOCKED:            http.StatusLocked,
	coffer.EUNAVAILABLE:       http.StatusServiceUnavailable,
}

// statusOf is the status of a recorded refusal's code.
func statusOf(code string) int {
	if s, ok := statusByCode[code]; ok {
		return s
	}
	return http.StatusUnprocessableEntity
}

// marshal encodes an answer. Every answer type marshals, so a failure is a bug.
func marshal(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("coinwallet: encode an answer: " + err.Error())
	}
	return b
}

func writeRaw(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(body)
}
