package httpapi

import (
	"context"
	"net/http"
	"sync"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/client"
	"github.com/cofferhq/coffer/ledger"
)

func (s *Server) renderAccount(ctx context.Context, a coffer.Account) (client.Account, error) {
	scale, err := s.scale(ctx, a.Asset)
	if err != nil {
		return client.Account{}, err
	}
	return client.Account{
		ID: a.ID, Owner: a.Owner, Asset: a.Asset, Kind: string(a.Kind),
		Balance: a.Balance().Format(scale), Available: a.Available().Format(scale),
		Held: a.Held().Format(scale), Incoming: a.Incoming().Format(scale),
		OverdraftLimit: a.OverdraftLimit.Format(scale), OverdraftUnlimited: a.OverdraftUnlimited,
		LockedDebits: a.LockedDebits, LockedCredits: a.LockedCredits, LockReason: a.LockReason,
		DebitsPosted: a.DebitsPosted.Format(scale), CreditsPosted: a.CreditsPosted.Format(scale),
		DebitsPending: a.DebitsPending.Format(scale), CreditsPending: a.CreditsPending.Format(scale),
		Seq: a.Seq, CreatedAt: apiTime(a.CreatedAt), UpdatedAt: apiTime(a.UpdatedAt),
	}, nil
}

// accountCacheSizeMax bounds accountAssetCache; when full it starts again empty.
const accountCacheSizeMax = 100_000

// accountAssetCache keeps which asset an account holds, to parse amounts given against an
// account without a read per request. An account's asset never changes and accounts are never
// deleted, so entries need no expiry.
type accountAssetCache struct {
	store coffer.Store
	mu    sync.RWMutex
	byID  map[string]string
}

func (c *accountAssetCache) get(ctx context.Context, id string) (string, error) {
	c.mu.RLock()
	code, ok := c.byID[id]
	c.mu.RUnlock()
	if ok {
		return code, nil
	}
	a, err := c.store.Account(ctx, id)
	if err != nil {
		return "", err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byID == nil || len(c.byID) >= accountCacheSizeMax {
		c.byID = map[string]string{}
	}
	c.byID[id] = a.Asset
	return a.Asset, nil
}

// accountAsset returns the asset of the account named in a request field: invalid if the id is
// malformed, not_found if there is no such account.
func (s *Server) accountAsset(ctx context.Context, field, id string) (coffer.Asset, error) {
	if err := checkID(field, id); err != nil {
		return coffer.Asset{}, err
	}
	code, err := s.accounts.get(ctx, id)
	if err != nil {
		return coffer.Asset{}, withParam(field, err)
	}
	return s.assets.get(ctx, code)
}

func (s *Server) accountResult(ctx context.Context, status int, res *ledger.Result) (int, any, error) {
	if res.Account == nil {
		return 0, nil, errNoSnapshot("account")
	}
	a, err := s.renderAccount(ctx, *res.Account)
	if err != nil {
		return 0, nil, err
	}
	return status, a, nil
}

func (s *Server) createAccount(r *http.Request) (int, any, error) {
	return s.createAccountInput(r.Context(), httpInput(r))
}

func (s *Server) createAccountInput(ctx context.Context, in input) (int, any, error) {
	var req client.CreateAccountRequest
	if err := s.decodeInput(in, &req, false); err != nil {
		return 0, nil, err
	}
	kind := coffer.AccountKind(req.Kind)
	if !coffer.ValidKind(kind) {
		return 0, nil, coffer.Invalid("kind", "kind %q must be wallet, merchant or system", req.Kind)
	}
	if err := checkOwner("owner", req.Owner); err != nil {
		return 0, nil, err
	}
	asset, err := s.asset(ctx, "asset", req.Asset)
	if err != nil {
		return 0, nil, err
	}
	limit, err := parseAmount("overdraft_limit", req.OverdraftLimit, asset.Scale, nonNegative)
	if err != nil {
		return 0, nil, err
	}
	res, err := s.do(ctx, ledger.CreateAccount{Kind: kind, Owner: req.Owner, Asset: asset.Code,
		OverdraftLimit: limit, OverdraftUnlimited: req.OverdraftUnlimited})
	if err != nil {
		return 0, nil, err
	}
	return s.accountResult(ctx, http.StatusCreated, res)
}

func (s *Server) getAccount(r *http.Request) (int, any, error) {
	a, err := s.store.Account(r.Context(), r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	out, err := s.renderAccount(r.Context(), a)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, out, nil
}

func (s *Server) listAccounts(r *http.Request) (int, any, error) {
	q := r.URL.Query()
	f := coffer.AccountFilter{Owner: q.Get("owner"), Asset: q.Get("asset"), Kind: coffer.AccountKind(q.Get("kind"))}
	if f.Kind != "" && !coffer.ValidKind(f.Kind) {
		return 0, nil, coffer.Invalid("kind", "kind %q must be wallet, merchant or system", f.Kind)
	}
	limit, err := pageLimit(q)
	if err != nil {
		return 0, nil, err
	}
	f.Limit = fetchLimit(limit)
	if c := q.Get("cursor"); c != "" {
		if f.AfterID, err = decodeCursor(c); err != nil {
			return 0, nil, err
		}
	}
	as, err := s.store.Accounts(r.Context(), f)
	if err != nil {
		return 0, nil, err
	}
	items, more, next, err := paged(as, limit, func(a coffer.Account) (client.Account, error) { return s.renderAccount(r.Context(), a) },
		func(a coffer.Account) string { return encodeCursor(a.ID) })
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, client.AccountPage{Accounts: items, HasMore: more, NextCursor: next}, nil
}

// existingAccount checks that the account in the path exists, so that a lock of a mistyped id
// is answered without using up the operation id.
func (s *Server) existingAccount(ctx context.Context, id string) error {
	_, err := s.accounts.get(ctx, id)
	return err
}

func (s *Server) lockAccount(r *http.Request) (int, any, error) {
	return s.lockAccountInput(r.Context(), httpInput(r))
}

func (s *Server) lockAccountInput(ctx context.Context, in input) (int, any, error) {
	var req client.LockAccountRequest
	if err := s.decodeInput(in, &req, false); err != nil {
		return 0, nil, err
	}
	if err := in.operationID(&req.ID); err != nil {
		return 0, nil, err
	}
	err := firstError(checkID("id", req.ID), checkRequiredText("reason", req.Reason))
	if err == nil && !req.Debits && !req.Credits {
		err = coffer.Invalid("debits", "a lock must refuse debits, credits or both: set debits, credits or both to true")
	}
	if err != nil {
		return 0, nil, err
	}
	accountID := in.target
	if err := s.existingAccount(ctx, accountID); err != nil {
		return 0, nil, err
	}
	res, err := s.do(ctx, ledger.LockAccount{ID: req.ID, AccountID: accountID,
		Debits: req.Debits, Credits: req.Credits, Reason: req.Reason})
	if err != nil {
		return 0, nil, err
	}
	return s.accountResult(ctx, http.StatusOK, res)
}

func (s *Server) unlockAccount(r *http.Request) (int, any, error) {
	return s.unlockAccountInput(r.Context(), httpInput(r))
}

func (s *Server) unlockAccountInput(ctx context.Context, in input) (int, any, error) {
	var req client.UnlockAccountRequest
	if err := s.decodeInput(in, &req, false); err != nil {
		return 0, nil, err
	}
	if err := in.operationID(&req.ID); err != nil {
		return 0, nil, err
	}
	if err := checkID("id", req.ID); err != nil {
		return 0, nil, err
	}
	accountID := in.target
	if err := s.existingAccount(ctx, accountID); err != nil {
		return 0, nil, err
	}
	res, err := s.do(ctx, ledger.UnlockAccount{ID: req.ID, AccountID: accountID})
	if err != nil {
		return 0, nil, err
	}
	return s.accountResult(ctx, http.StatusOK, res)
}

func (s *Server) balances(r *http.Request) (int, any, error) {
	owner := r.PathValue("owner")
	if err := checkOwner("owner", owner); err != nil {
		return 0, nil, err
	}
	out := client.Balances{Owner: owner, Balances: []client.Balance{}}
	f := coffer.AccountFilter{Owner: owner, Kind: coffer.KindWallet, Limit: coffer.PageSizeMax}
	for {
		as, err := s.store.Accounts(r.Context(), f)
		if err != nil {
			return 0, nil, err
		}
		for _, a := range as {
			scale, err := s.scale(r.Context(), a.Asset)
			if err != nil {
				return 0, nil, err
			}
			out.Balances = append(out.Balances, client.Balance{Asset: a.Asset, AccountID: a.ID,
				Balance: a.Balance().Format(scale), Available: a.Available().Format(scale),
				Held: a.Held().Format(scale), Incoming: a.Incoming().Format(scale)})
		}
		if len(as) < f.Limit {
			return http.StatusOK, out, nil
		}
		f.AfterID = as[len(as)-1].ID
	}
}
