package client

import (
	"context"
	"net/http"
)

// Overview is the answer to GET /v1/overview: what the dashboard's first page shows, in one
// bounded answer.
type Overview struct {
	// Role is the role of the key that asked: what else it may see.
	Role string `json:"role"`
	// At is when the overview was made.
	At Time `json:"at"`
	// Assets are the assets by code, each with its accounts' balances summed by kind.
	Assets []AssetTotals `json:"assets"`
	// TotalsComplete is false when the ledger holds more accounts than the overview sums
	// (AccountsSummed is then that limit): the totals are of the first accounts by id only.
	TotalsComplete bool `json:"totals_complete"`
	// AccountsSummed is how many accounts the totals add up.
	AccountsSummed int `json:"accounts_summed"`
	// Queued is how many ledger commands wait for a write batch in this process.
	Queued int `json:"queued"`
	// Now is this process's work over the last minute.
	Now ActivitySample `json:"now"`
	// Series is this process's work over the last hour, a sample every SampleSeconds, oldest
	// first.
	Series []ActivitySample `json:"series"`
	// SampleSeconds is how long each sample of Series lasts.
	SampleSeconds int `json:"sample_seconds"`
	// Sinks are the event relay's sinks and how far behind each one is.
	Sinks []SinkLag `json:"sinks"`
	// Chains are the watched chains and how far behind each watcher is; empty when this
	// server watches none.
	Chains []ChainLag `json:"chains"`
	// Verify is the last integrity check this process ran; absent if none ran since it started.
	Verify *VerifyStatus `json:"verify,omitempty"`
}

// AssetTotals are an asset's balances summed by account kind. Money enters and leaves through
// the world account, so Sum is zero on a ledger that keeps its first promise.
type AssetTotals struct {
	// Code is the asset's code.
	Code string `json:"code"`
	// Scale is the asset's scale.
	Scale int `json:"scale"`
	// Wallets is the balances (posted credits less posted debits) of the asset's wallets
	// summed, in major units.
	Wallets string `json:"wallets"`
	// Merchants is the balances of the asset's merchant accounts summed.
	Merchants string `json:"merchants"`
	// System is the balances of the asset's system accounts (world, fees, exchange) summed.
	System string `json:"system"`
	// Sum is Wallets + Merchants + System.
	Sum string `json:"sum"`
	// Accounts is how many accounts of the asset were summed.
	Accounts int `json:"accounts"`
}

// ActivitySample is what one process did over a span of time.
type ActivitySample struct {
	// Start is when the span began.
	Start Time `json:"start"`
	// Requests are the API requests answered, the event stream's long polls and the
	// overview left out.
	Requests uint64 `json:"requests"`
	// Errors are the requests answered with 500 or more.
	Errors uint64 `json:"errors"`
	// Applied are the ledger commands applied.
	Applied uint64 `json:"applied"`
	// LatencyP50Ms is the requests' median time in milliseconds, read off buckets 25% wide
	// (the bucket's upper bound); 0 without requests.
	LatencyP50Ms float64 `json:"latency_p50_ms"`
	// LatencyP99Ms is the requests' 99th percentile time in milliseconds, likewise.
	LatencyP99Ms float64 `json:"latency_p99_ms"`
}

// SinkLag is how far one sink of the relay is behind.
type SinkLag struct {
	// Name is the sink, without credentials.
	Name string `json:"name"`
	// Behind is how many events it has not acknowledged.
	Behind uint64 `json:"behind"`
	// LagSeconds is the age of its oldest undelivered event; 0 when it has caught up.
	LagSeconds float64 `json:"lag_seconds"`
	// Stopped says whether it stopped taking deliveries.
	Stopped bool `json:"stopped,omitempty"`
}

// ChainLag is how far one chain's watcher is behind the chain's head.
type ChainLag struct {
	// Name is the configured chain's name.
	Name string `json:"name"`
	// Head is the node's head as the watcher last saw it; absent before it reported one.
	Head *uint64 `json:"head,omitempty"`
	// Lag is how many blocks the watcher's cursor is behind Head; absent unless both are known.
	Lag *uint64 `json:"lag,omitempty"`
	// Running says whether a process runs the chain's watcher.
	Running bool `json:"running"`
}

// VerifyStatus is the outcome of an integrity check.
type VerifyStatus struct {
	// At is when it ended.
	At Time `json:"at"`
	// Violations is how many it reported.
	Violations int `json:"violations"`
}

// Overview returns the dashboard's overview (any key).
func (c *Client) Overview(ctx context.Context) (*Overview, error) {
	return call[Overview](ctx, c, http.MethodGet, "/v1/overview", nil, nil)
}
