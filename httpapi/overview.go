package httpapi

import (
	"math/big"
	"net/http"
	"time"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/activity"
	"github.com/cofferhq/coffer/client"
)

const (
	routeEvents   = "GET /v1/events"
	routeOverview = "GET /v1/overview"

	// OverviewAccountsMax is the most accounts the overview sums into its totals per asset: a
	// hundred reads of a thousand, so that a dashboard's refresh stays well under a second; a
	// ledger with more is summed by its first accounts by id and marked incomplete (coffer
	// verify checks the whole ledger sums to zero).
	OverviewAccountsMax = 100_000
	// overviewPage is how many accounts one read of the overview's sum takes.
	overviewPage = 1000
	// overviewNow is the span of the overview's "now".
	overviewNow = time.Minute
)

// overview answers GET /v1/overview: the assets' totals, this process's activity, the write
// queue, the sinks' and chains' lag and the last integrity check.
func (s *Server) overview(r *http.Request) (int, any, error) {
	ctx := r.Context()
	out := client.Overview{Role: string(info(ctx).role), At: apiTime(time.Now()), Queued: s.ledger.Queued(),
		SampleSeconds: int(activity.SampleDuration / time.Second), Series: []client.ActivitySample{},
		Sinks: []client.SinkLag{}, Chains: []client.ChainLag{}, Assets: []client.AssetTotals{}}
	assets, err := s.store.Assets(ctx)
	if err != nil {
		return 0, nil, err
	}
	type sums struct{ wallets, merchants, system big.Int }
	byAsset := make(map[string]*sums, len(assets))
	counts := make(map[string]int, len(assets))
	for _, a := range assets {
		byAsset[a.Code] = new(sums)
	}
	out.TotalsComplete = true
	f := coffer.AccountFilter{Limit: overviewPage}
	for {
		page, err := s.store.Accounts(ctx, f)
		if err != nil {
			return 0, nil, err
		}
		for _, a := range page {
			sm := byAsset[a.Asset]
			if sm == nil {
				continue
			}
			balance := new(big.Int).Sub(a.CreditsPosted.Big(), a.DebitsPosted.Big())
			switch a.Kind {
			case coffer.KindWallet:
				sm.wallets.Add(&sm.wallets, balance)
			case coffer.KindMerchant:
				sm.merchants.Add(&sm.merchants, balance)
			default:
				sm.system.Add(&sm.system, balance)
			}
			counts[a.Asset]++
		}
		out.AccountsSummed += len(page)
		if len(page) < f.Limit {
			break
		}
		if out.AccountsSummed >= OverviewAccountsMax {
			out.TotalsComplete = false
			break
		}
		f.AfterID = page[len(page)-1].ID
	}
	for _, a := range assets {
		sm := byAsset[a.Code]
		sum := new(big.Int).Add(&sm.wallets, &sm.merchants)
		sum.Add(sum, &sm.system)
		out.Assets = append(out.Assets, client.AssetTotals{Code: a.Code, Scale: a.Scale, Accounts: counts[a.Code],
			Wallets: formatBig(&sm.wallets, a.Scale), Merchants: formatBig(&sm.merchants, a.Scale),
			System: formatBig(&sm.system, a.Scale), Sum: formatBig(sum, a.Scale)})
	}
	if rec := s.cfg.Activity; rec != nil {
		out.Now = activitySample(rec.Recent(overviewNow))
		for _, x := range rec.Samples() {
			out.Series = append(out.Series, activitySample(x))
		}
		if at, n, ok := rec.LastVerify(); ok {
			out.Verify = &client.VerifyStatus{At: apiTime(at), Violations: n}
		}
	}
	if s.cfg.Sinks != nil {
		sinks, err := s.cfg.Sinks(ctx)
		if err != nil {
			return 0, nil, err
		}
		for _, k := range sinks {
			out.Sinks = append(out.Sinks, client.SinkLag{Name: k.Name, Behind: k.Behind, LagSeconds: k.LagSeconds, Stopped: k.Stopped})
		}
	}
	if svc, err := s.chainService(); err == nil {
		cs, err := svc.Chains(ctx)
		if err != nil {
			return 0, nil, err
		}
		for _, c := range cs {
			v := client.ChainLag{Name: c.Name, Running: c.Running}
			if head, ok := c.Head(); ok {
				v.Head = &head
			}
			if lag, ok := c.Lag(); ok {
				v.Lag = &lag
			}
			out.Chains = append(out.Chains, v)
		}
	}
	return http.StatusOK, out, nil
}

// formatBig writes a sum of minor units in major units, as Amount.Format does. A sum of
// balances is added up as a big.Int, since many accounts near the limit could pass an
// Amount's range.
func formatBig(v *big.Int, scale int) string {
	digits := new(big.Int).Abs(v).String()
	for len(digits) <= scale {
		digits = "0" + digits
	}
	out := digits
	if scale > 0 {
		out = digits[:len(digits)-scale] + "." + digits[len(digits)-scale:]
	}
	if v.Sign() < 0 {
		out = "-" + out
	}
	return out
}

func activitySample(x activity.Sample) client.ActivitySample {
	return client.ActivitySample{Start: apiTime(x.Start), Requests: x.Requests, Errors: x.Errors, Applied: x.Applied,
		LatencyP50Ms: float64(x.LatencyP50) / float64(time.Millisecond), LatencyP99Ms: float64(x.LatencyP99) / float64(time.Millisecond)}
}
