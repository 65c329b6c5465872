package coinwallet

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/client"
	"github.com/cofferhq/coffer/ledger"
)

// balances is the answer of recharge, pay and exchange: the user's three balances, in whole
// coins, just after the write.
type balances struct {
	Gold    json.Number `json:"gold"`
	IAPGold json.Number `json:"iap_gold"`
	Silver  json.Number `json:"silver"`
}

// write serves recharge, pay or exchange.
func (p *Profile) write(kind string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := p.cfg.Authenticate(r, coffer.RoleOperator); err != nil {
			p.fail(w, r, err)
			return
		}
		if r.URL.RawQuery != "" {
			if _, err := query(r); err != nil {
				p.fail(w, r, err)
				return
			}
		}
		o, err := readOp(r, kind)
		if err != nil {
			p.fail(w, r, err)
			return
		}
		rec, err := p.apply(r.Context(), o)
		if err != nil {
			p.fail(w, r, err)
			return
		}
		status := http.StatusOK
		if rec.Failed {
			status = statusOf(rec.Code)
		}
		writeRaw(w, status, rec.Answer)
	})
}

// apply runs o once per transaction id and returns its record: a replay gets the record of the
// first answer; the same id with other parameters is a conflict.
func (p *Profile) apply(ctx context.Context, o op) (coffer.CoinRecord, error) {
	fp := o.fingerprint()
	if rec, err := p.cfg.Records.CoinRecord(ctx, o.tid); err == nil {
		return replay(rec, o, fp)
	} else if coffer.ErrorCode(err) != coffer.ENOTFOUND {
		return coffer.CoinRecord{}, err
	}
	cmd, err := p.command(ctx, o)
	if err != nil {
		return coffer.CoinRecord{}, err
	}
	// Every command the profile makes is an operator's by ledger.RoleFor (deposits, payments
	// and exchanges of wallets; payment transfers that debit a wallet), the role the write
	// endpoints ask of the key.
	rec := coffer.CoinRecord{ID: o.tid, Owner: o.owner(), Kind: o.kind, Request: o.request(), Fingerprint: fp,
		CreatedAt: p.cfg.Ledger.Now().UTC().Truncate(time.Microsecond)}
	if _, err := p.cfg.Ledger.Do(ctx, cmd); err != nil {
		if !recorded(err) {
			return coffer.CoinRecord{}, err
		}
		// The ledger refused the write for good (an overdraft, a locked wallet): the refusal is
		// its outcome, recorded and listed in the stream as the old system did.
		var ce *coffer.Error
		errors.As(err, &ce) // recorded says it is one
		body := client.ErrorBody{Code: ce.Code, Message: ce.Message, Param: ce.Param}
		rec.Failed, rec.Code, rec.Message = true, ce.Code, ce.Message
		rec.Answer = marshal(client.ErrorResponse{Error: body})
	} else {
		b, err := p.balances(ctx, o.owner())
		if err != nil {
			return coffer.CoinRecord{}, err
		}
		rec.Answer = marshal(b)
	}
	stored, err := p.records.put(ctx, rec)
	if err != nil {
		return coffer.CoinRecord{}, err
	}
	// Two requests with one new id at once: both reached the ledger, which applied it once, and
	// the first record stored is the answer of both.
	return replay(stored, o, fp)
}

// replay returns the record of the first answer, or a conflict if o asks something else.
func replay(rec coffer.CoinRecord, o op, fp string) (coffer.CoinRecord, error) {
	if rec.Fingerprint != fp {
		return coffer.CoinRecord{}, coffer.Errorf(coffer.ECONFLICT, "transaction_id %q was used by another %s request; a transaction id is used once", o.tid, rec.Kind)
	}
	return rec, nil
}

// recorded reports whether err is a refusal the ledger recorded as the operation's outcome, as
// opposed to one that left the id unused (the ledger stopping, a failed batch), or a conflict
// with what the id was used for before.
func recorded(err error) bool {
	var ce *coffer.Error
	if !errors.As(err, &ce) {
		return false
	}
	switch ce.Code {
	case coffer.EUNAVAILABLE, coffer.EINTERNAL, coffer.ECONFLICT:
		return false
	}
	return true
}

// command translates o into the ledger's command.
func (p *Profile) command(ctx context.Context, o op) (ledger.Command, error) {
	meta := map[string]string{"platform": o.platform, "uid": o.owner(), "compat": Name}
	switch o.kind {
	case kindRecharge:
		return ledger.Deposit{ID: o.tid, Owner: o.owner(), Asset: assetOf[o.coinType], Amount: o.num,
			Source: Name + " recharge on " + o.platform, Metadata: meta}, nil
	case kindExchange:
		c := ledger.Exchange{ID: o.tid, Owner: o.owner(), From: assetOf[o.coinType], To: assetOf[o.destType],
			Amount: o.num, CounterAmount: o.destNum, Metadata: meta}
		// The rate is checked first, so that an exchange the pair's band refuses does not use
		// up the transaction id.
		from := coffer.Asset{Code: c.From, Scale: 0}
		to := coffer.Asset{Code: c.To, Scale: 0}
		if err := p.cfg.Ledger.CheckExchange(c, from, to); err != nil {
			return nil, err
		}
		return c, nil
	}
	return p.payCommand(ctx, o, meta)
}

// payCommand is the iOS rule. A payment in gold on iOS draws on iap_gold first and on gold for
// the rest: one Pay when one balance covers it, else two payment transfers linked, all or
// none. Gold paid on any other platform draws on gold alone, and iap_gold (on iOS only) and
// silver on themselves.
func (p *Profile) payCommand(ctx context.Context, o op, meta map[string]string) (ledger.Command, error) {
	pay := func(asset string) ledger.Command {
		return ledger.Pay{ID: o.tid, Owner: o.owner(), Merchant: p.cfg.Merchant, Asset: asset, Amount: o.num,
			OrderID: o.tid, Metadata: meta}
	}
	if o.coinType != CoinGold || o.platform != PlatformIOS {
		return pay(assetOf[o.coinType]), nil
	}
	iap, err := p.available(ctx, o.owner(), AssetIAPGold)
	if err != nil {
		return nil, err
	}
	switch {
	case iap.Cmp(o.num) >= 0:
		return pay(AssetIAPGold), nil
	case iap.Sign() <= 0:
		return pay(AssetGold), nil
	}
	rest, _ := o.num.Sub(iap) // 0 < iap < num
	spec := func(id, asset string, amount coffer.Amount) ledger.TransferSpec {
		return ledger.TransferSpec{ID: id, Type: coffer.TypePayment, Amount: amount, Reference: o.tid, Metadata: meta,
			DebitAccountID:  coffer.AccountID(coffer.KindWallet, o.owner(), asset),
			CreditAccountID: coffer.AccountID(coffer.KindMerchant, p.cfg.Merchant, asset)}
	}
	return ledger.CreateTransfers{ID: o.tid, Transfers: []ledger.TransferSpec{
		spec(o.tid+".iap_gold", AssetIAPGold, iap), spec(o.tid+".gold", AssetGold, rest)}}, nil
}

// available returns what owner's wallet in asset may spend: zero for a wallet not made yet.
func (p *Profile) available(ctx context.Context, owner, asset string) (coffer.Amount, error) {
	a, err := p.store.Account(ctx, coffer.AccountID(coffer.KindWallet, owner, asset))
	if coffer.ErrorCode(err) == coffer.ENOTFOUND {
		return coffer.Amount{}, nil
	}
	if err != nil {
		return coffer.Amount{}, err
	}
	return a.Available(), nil
}

// balances reads owner's three balances: what each wallet may spend.
func (p *Profile) balances(ctx context.Context, owner string) (balances, error) {
	var out [3]coffer.Amount
	for i, asset := range []string{AssetGold, AssetIAPGold, AssetSilver} {
		a, err := p.available(ctx, owner, asset)
		if err != nil {
			return balances{}, err
		}
		out[i] = a
	}
	return balances{Gold: json.Number(out[0].String()), IAPGold: json.Number(out[1].String()),
		Silver: json.Number(out[2].String())}, nil
}
