package loadtest

import (
	"context"
	"fmt"
	"strings"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/client"
)

// Check is one of the checks after a run, with what it compared.
type Check struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
}

// check reads the run's assets back and checks that:
//
//  1. per asset, the wallets, merchants, fee account and exchange pool hold together exactly what
//     came in from outside: setup's funding plus the run's deposits minus what its completed
//     withdrawals posted (for uniform, hot and batch, which only move money inside, simply the
//     funding; for the asset the mixed workload buys, what setup put into its exchange pool,
//     which the wallets bought part of), and every account of the asset, the world account
//     included, sums to zero;
//  2. no wallet or merchant has a negative available balance;
//  3. GET /v1/verify finds no violation.
//
// Writes whose outcome the run did not learn are read back first, so that 1 stays exact.
func (b *bench) check(ctx context.Context, t tally) []Check {
	cl := client.New(BaseURL(b.cfg.Addr), b.cfg.Key)
	cl.HTTP.Timeout = CheckTimeout

	var checks []Check
	var all []client.Account
	deposited, withdrawn, resolveErr := b.resolveUnknown(ctx, cl, t)
	for _, asset := range b.assets() {
		accounts, err := listAccounts(ctx, cl, asset)
		name := "balances of " + asset + " add up"
		switch {
		case err != nil:
			checks = append(checks, Check{Name: name, Detail: err.Error()})
		case resolveErr != nil:
			checks = append(checks, Check{Name: name, Detail: resolveErr.Error()})
		case asset == b.asset:
			checks = append(checks, checkSums(name, accounts, inflow{funded: b.funded(), deposited: deposited, withdrawn: withdrawn, wallets: len(b.wallets)}))
		default:
			checks = append(checks, checkSums(name, accounts, inflow{funded: PoolFund}))
		}
		all = append(all, accounts...)
	}
	checks = append(checks, checkAvailable(all))
	return append(checks, checkVerify(ctx, cl))
}

// resolveUnknown returns the run's deposits and completed withdrawals, with those whose outcome
// the run did not learn read back from the server.
func (b *bench) resolveUnknown(ctx context.Context, cl *client.Client, t tally) (deposited, withdrawn int64, err error) {
	deposited, withdrawn = t.deposited, t.withdrawn
	if t.unknownDropped > 0 {
		return 0, 0, fmt.Errorf("cannot be exact: %d deposits or withdrawals have unknown outcomes, more than the %d kept", len(t.unknown)+int(t.unknownDropped), len(t.unknown))
	}
	for _, id := range t.unknown {
		tr, err := cl.Transfer(ctx, id)
		switch {
		case coffer.ErrorCode(err) == coffer.ENOTFOUND:
			continue
		case err != nil:
			return 0, 0, fmt.Errorf("read transfer %s, whose outcome the run did not learn: %w", id, err)
		case tr.State != string(coffer.StatePosted):
			continue
		}
		posted, ok := parseMinor(tr.PostedAmount)
		if !ok {
			return 0, 0, fmt.Errorf("transfer %s has posted_amount %q, not an amount of scale %d", id, tr.PostedAmount, Scale)
		}
		switch coffer.TransferType(tr.Type) {
		case coffer.TypeDeposit:
			deposited += posted
		case coffer.TypeWithdrawal:
			withdrawn += posted
		}
	}
	return deposited, withdrawn, nil
}

// accountPagesMax bounds the pages listAccounts reads: every wallet setup can fund, and then some.
const accountPagesMax = AccountsMax/coffer.PageSizeMax + 10

// listAccounts returns every account of the asset.
func listAccounts(ctx context.Context, cl *client.Client, asset string) ([]client.Account, error) {
	var out []client.Account
	q := client.AccountsQuery{Asset: asset, Limit: coffer.PageSizeMax}
	for range accountPagesMax {
		page, err := cl.Accounts(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("list accounts of %s: %w", asset, err)
		}
		out = append(out, page.Accounts...)
		if page.NextCursor == "" || len(page.Accounts) == 0 {
			return out, nil
		}
		q.Cursor = page.NextCursor
	}
	return nil, fmt.Errorf("list accounts of %s: more than %d pages", asset, accountPagesMax)
}

// inflow is what came into an asset from outside, in minor units, and how many wallets hold it
// (0: any number).
type inflow struct {
	funded, deposited, withdrawn int64
	wallets                      int
}

// checkSums compares what the asset's accounts hold with what came in from outside, and checks
// that every account of the asset, world included, sums to zero.
func checkSums(name string, accounts []client.Account, in inflow) Check {
	var sums struct{ wallets, merchants, fees, pool, world, other coffer.Amount }
	walletCount := 0
	for _, a := range accounts {
		v, err := coffer.ParseAmount(a.Balance, Scale)
		if err != nil {
			return Check{Name: name, Detail: fmt.Sprintf("account %s: balance %q: %v", a.ID, a.Balance, err)}
		}
		sum := &sums.other
		switch {
		case a.Kind == string(coffer.KindWallet):
			sum = &sums.wallets
			walletCount++
		case a.Kind == string(coffer.KindMerchant):
			sum = &sums.merchants
		case a.Owner == coffer.OwnerFees:
			sum = &sums.fees
		case a.Owner == coffer.OwnerExchange:
			sum = &sums.pool
		case a.Owner == coffer.OwnerWorld:
			sum = &sums.world
		}
		*sum = add(*sum, v)
	}
	inside := add(add(add(add(sums.wallets, sums.merchants), sums.fees), sums.pool), sums.other)
	everything := add(inside, sums.world)
	want := coffer.AmountFromInt64(in.funded + in.deposited - in.withdrawn)
	detail := fmt.Sprintf("wallets %s (%d) + merchants %s + fees %s + exchange pool %s = %s, want funded %s + deposits %s - withdrawals %s = %s; all accounts with world %s: %s, want 0",
		f(sums.wallets), walletCount, f(sums.merchants), f(sums.fees), f(sums.pool), f(inside),
		formatMinor(in.funded), formatMinor(in.deposited), formatMinor(in.withdrawn), f(want), f(sums.world), f(everything))
	if !sums.other.IsZero() {
		detail += "; accounts of no known kind hold " + f(sums.other)
	}
	ok := inside.Cmp(want) == 0 && everything.IsZero()
	if in.wallets > 0 && walletCount != in.wallets {
		ok = false
		detail += fmt.Sprintf("; %d wallets, want the %d funded", walletCount, in.wallets)
	}
	return Check{Name: name, OK: ok, Detail: detail}
}

// checkAvailable checks that no wallet or merchant has a negative available balance.
func checkAvailable(accounts []client.Account) Check {
	c := Check{Name: "no negative available balance", OK: true}
	var negative []string
	checked := 0
	for _, a := range accounts {
		if a.Kind == string(coffer.KindSystem) {
			continue // system accounts may go below zero
		}
		checked++
		v, err := coffer.ParseAmount(a.Available, Scale)
		if err != nil || v.Sign() < 0 {
			negative = append(negative, a.ID+" "+a.Available)
		}
	}
	c.Detail = fmt.Sprintf("%d wallets and merchants", checked)
	if len(negative) > 0 {
		c.OK = false
		const shown = 5
		c.Detail += fmt.Sprintf(", %d negative: %s", len(negative), strings.Join(negative[:min(shown, len(negative))], ", "))
	}
	return c
}

// checkVerify calls GET /v1/verify.
func checkVerify(ctx context.Context, cl *client.Client) Check {
	c := Check{Name: "GET /v1/verify finds no violation"}
	rep, err := cl.Verify(ctx)
	if err != nil {
		c.Detail = err.Error()
		return c
	}
	c.OK = rep.OK && len(rep.Violations) == 0
	c.Detail = fmt.Sprintf("%d accounts, %d transfers, %d entries", rep.Accounts, rep.Transfers, rep.Entries)
	const shown = 5
	for i, v := range rep.Violations {
		if i == shown {
			c.Detail += fmt.Sprintf("; and %d more", len(rep.Violations)-shown)
			break
		}
		c.Detail += fmt.Sprintf("; %s: %s", v.Kind, v.Message)
	}
	return c
}

// add adds two amounts; the sums of a run cannot come near 2^127.
func add(a, b coffer.Amount) coffer.Amount {
	s, _ := a.Add(b)
	return s
}

func f(a coffer.Amount) string { return a.Format(Scale) }
