package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/chain"
	"github.com/cofferhq/coffer/chain/chainview"
	"github.com/cofferhq/coffer/chain/watch"
	"github.com/cofferhq/coffer/client"
	"github.com/cofferhq/coffer/httpapi"
	"github.com/cofferhq/coffer/internal/testdb"
)

// The RPC URL of the dev chain in these tests: its password and key must never be answered.
const keyedRPC = "https://rpcuser:rpc-pa55word@node.example:8545/v3/0123456789abcdef?apikey=s3cr3tkey"

// The deposit addresses of the tests, as the watcher stores them: lowercase.
var (
	aliceAddr = strings.ToLower("0x9858EfFD232B4033E47d90003D41EC34EcaEda94")
	bobAddr   = strings.ToLower("0x6Fac4D18c912343BF86fa7049364Dd4E424Ab9C0")
	sender    = strings.ToLower("0x71C7656EC7ab88b098defB751B7401B5f6d8976F")
)

// setupChains starts a server on store that watches the chains dev (ETH, USDT with 6 decimals,
// 3 confirmations) and ethereum (USDC), and returns it with the watcher's store.
func setupChains(t *testing.T, store coffer.Store) (*env, coffer.ChainWatchStore) {
	t.Helper()
	usdt, usdc := common.HexToAddress("0x1000"), common.HexToAddress("0x2000")
	cfg := chain.Config{
		Chains: []chain.Chain{
			{Name: "dev", ID: 1337, RPC: []string{keyedRPC, "http://127.0.0.1:8545"}, Confirmations: 3, Poll: 1500 * time.Millisecond},
			{Name: "ethereum", ID: 1, Confirmations: 12},
		},
		Assets: []chain.Asset{
			{Code: "ETH", Chain: "dev", Decimals: 18},
			{Code: "USDT", Chain: "dev", Contract: &usdt, Decimals: 6},
			{Code: "USDC", Chain: "ethereum", Contract: &usdc, Decimals: 6},
		},
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	cs := store.(coffer.ChainWatchStore)
	e := setupWith(t, store, func(c *httpapi.Config) {
		c.Chains = &chainview.Service{Config: cfg, Store: cs, Leases: store.(coffer.LeaseStore)}
	})
	return e, cs
}

func txHash(n int) string { return fmt.Sprintf("0x%064x", 0xabc0+n) }

// chainDeposits puts the deposits of the listing tests in, through the store as the watcher
// does, and returns them newest first. The dev chain's cursor is block 110.
func chainDeposits(t *testing.T, cs coffer.ChainWatchStore) []coffer.Deposit {
	t.Helper()
	ctx := t.Context()
	if err := cs.AcceptChainBlock(ctx, coffer.ChainBlock{Chain: "dev", Number: 110, Hash: fmt.Sprintf("0x%064x", 110), ParentHash: fmt.Sprintf("0x%064x", 109)}); err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 12, 5, 20, 0, 0, 0, time.UTC)
	huge := new(big.Int).Lsh(big.NewInt(1), 127)
	ethAmount, _ := new(big.Int).SetString("1500000000000000000", 10)
	ds := []coffer.Deposit{
		{Key: "1337:" + txHash(1) + ":native", Chain: "dev", Asset: "ETH", TxHash: txHash(1), From: sender, To: aliceAddr,
			Owner: "alice", Amount: ethAmount, Status: coffer.DepositPending, BlockNumber: 108, BlockHash: fmt.Sprintf("0x%064x", 108),
			CreatedAt: t0.Add(1 * time.Second), UpdatedAt: t0.Add(1 * time.Second)},
		{Key: "1337:" + txHash(2) + ":0", Chain: "dev", Asset: "USDT", TxHash: txHash(2), From: sender, To: bobAddr,
			Owner: "bob", Amount: huge, Status: coffer.DepositRefused, BlockNumber: 109, BlockHash: fmt.Sprintf("0x%064x", 109),
			Reason: "the amount is above 2^127-1 minor units", CreatedAt: t0.Add(2 * time.Second), UpdatedAt: t0.Add(2 * time.Second)},
		{Key: "1337:" + txHash(2) + ":1", Chain: "dev", Asset: "USDT", TxHash: txHash(2), From: sender, To: aliceAddr,
			Owner: "alice", Amount: big.NewInt(1), Status: coffer.DepositConfirmed, BlockNumber: 105, BlockHash: fmt.Sprintf("0x%064x", 105),
			CreatedAt: t0.Add(2 * time.Second), UpdatedAt: t0.Add(5 * time.Second)},
		{Key: "1337:" + txHash(3) + ":0", Chain: "dev", Asset: "USDT", TxHash: txHash(3), From: sender, To: aliceAddr,
			Owner: "alice", Amount: big.NewInt(2_500_000), Status: coffer.DepositOrphaned, ForkedAt: 100,
			CreatedAt: t0.Add(3 * time.Second), UpdatedAt: t0.Add(6 * time.Second)},
		{Key: "1:" + txHash(4) + ":3", Chain: "ethereum", Asset: "USDC", TxHash: txHash(4), From: sender, To: aliceAddr,
			Owner: "alice", Amount: big.NewInt(7_000_000), Status: coffer.DepositPending, BlockNumber: 50, BlockHash: fmt.Sprintf("0x%064x", 50),
			CreatedAt: t0.Add(4 * time.Second), UpdatedAt: t0.Add(4 * time.Second)},
	}
	for _, d := range ds {
		if err := cs.PutDeposit(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	// Newest first; of the two made at one time, the greater key (":1") comes first.
	slices.Reverse(ds)
	return ds
}

// badQuery is a listing's query string that is bad input, and the parameter it is about.
type badQuery struct{ name, query, param string }

// wantBadQueries checks that each query of path is answered 400 invalid, naming its parameter
// and saying why.
func wantBadQueries(t *testing.T, e *env, path string, qs []badQuery) {
	t.Helper()
	for _, q := range qs {
		status, raw := e.raw("GET", path+"?"+q.query, e.readerKey, "")
		wantEnvelope(t, status, raw, 400, coffer.EINVALID)
		var env client.ErrorResponse
		if err := json.Unmarshal(raw, &env); err != nil || env.Error.Param != q.param || env.Error.Message == "" {
			t.Errorf("%s: answer %s; want param %s", q.name, raw, q.param)
		}
	}
}

func keysOf(ds []client.ChainDeposit) []string {
	keys := make([]string, len(ds))
	for i, d := range ds {
		keys[i] = d.Key
	}
	return keys
}

func TestChainDeposits(t *testing.T) {
	for _, kind := range testdb.Kinds() {
		t.Run(kind.Name, func(t *testing.T) {
			t.Parallel()
			e, cs := setupChains(t, kind.Open(t))
			ds := chainDeposits(t, cs)
			ctx := context.Background()
			var all []string
			for _, d := range ds {
				all = append(all, d.Key)
			}

			page, err := e.reader.Deposits(ctx, client.ChainDepositsQuery{})
			if err != nil || !slices.Equal(keysOf(page.Deposits), all) || page.HasMore || page.NextCursor != "" {
				t.Fatalf("all deposits: %+v, %v; want %v", page, err, all)
			}
			byKey := map[string]client.ChainDeposit{}
			for _, d := range page.Deposits {
				byKey[d.Key] = d
			}
			want := client.ChainDeposit{Key: ds[4].Key, Chain: "dev", ChainID: 1337, Asset: "ETH", TxHash: txHash(1),
				From: "0x71C7656EC7ab88b098defB751B7401B5f6d8976F", To: "0x9858EfFD232B4033E47d90003D41EC34EcaEda94",
				Owner: "alice", Amount: "1.500000000000000000", Status: "pending", BlockNumber: 108, BlockHash: fmt.Sprintf("0x%064x", 108),
				Confirmations: 3, ConfirmationsRequired: 3, CreatedAt: client.Time{Time: ds[4].CreatedAt}, UpdatedAt: client.Time{Time: ds[4].UpdatedAt}}
			if got := byKey[ds[4].Key]; !got.CreatedAt.Equal(want.CreatedAt.Time) || !got.UpdatedAt.Equal(want.UpdatedAt.Time) {
				t.Fatalf("times %v %v; want %v %v", got.CreatedAt, got.UpdatedAt, want.CreatedAt, want.UpdatedAt)
			} else {
				got.CreatedAt, got.UpdatedAt = want.CreatedAt, want.UpdatedAt
				if got != want {
					t.Fatalf("ETH deposit\n got %+v\nwant %+v", got, want)
				}
			}
			// 2^127 minor units of a 6-decimal token, exactly; refused with its reason.
			if d := byKey[ds[3].Key]; d.Amount != "170141183460469231731687303715884.105728" || d.Status != "refused" ||
				d.Reason == "" || d.Confirmations != 2 || d.To != "0x6Fac4D18c912343BF86fa7049364Dd4E424Ab9C0" {
				t.Fatalf("refused deposit %+v", d)
			}
			if d := byKey[ds[1].Key]; d.Amount != "2.500000" || d.Confirmations != 0 || d.BlockNumber != 0 || d.BlockHash != "" || d.ForkedAt != 100 {
				t.Fatalf("orphaned deposit %+v; want no block, forked at 100 and no confirmations", d)
			}
			if d := byKey[ds[2].Key]; d.Amount != "0.000001" || d.Confirmations != 6 {
				t.Fatalf("confirmed deposit %+v; want 0.000001 and 6 confirmations", d)
			}
			// A chain the watcher has not stored a block of yet: no depth.
			if d := byKey[ds[0].Key]; d.ChainID != 1 || d.Confirmations != 0 || d.ConfirmationsRequired != 12 || d.Amount != "7.000000" {
				t.Fatalf("ethereum deposit %+v", d)
			}
			// The raw answer: the fields the OpenAPI document names, in any case of address.
			_, raw := e.raw("GET", "/v1/deposits?status=orphaned", e.readerKey, "")
			if !strings.Contains(string(raw), `"forked_at":100`) || strings.Contains(string(raw), `"block_number"`) {
				t.Fatalf("orphaned deposit's answer %s", raw)
			}

			for _, tt := range []struct {
				name string
				q    client.ChainDepositsQuery
				want []string
			}{
				{"owner", client.ChainDepositsQuery{Owner: "bob"}, []string{ds[3].Key}},
				{"address lowercase", client.ChainDepositsQuery{Address: bobAddr}, []string{ds[3].Key}},
				{"address checksummed", client.ChainDepositsQuery{Address: "0x6Fac4D18c912343BF86fa7049364Dd4E424Ab9C0"}, []string{ds[3].Key}},
				{"address uppercase", client.ChainDepositsQuery{Address: "0x" + strings.ToUpper(bobAddr[2:])}, []string{ds[3].Key}},
				{"status", client.ChainDepositsQuery{Status: "pending"}, []string{ds[0].Key, ds[4].Key}},
				{"tx_hash in capitals", client.ChainDepositsQuery{TxHash: "0x" + strings.ToUpper(txHash(2)[2:])}, []string{ds[2].Key, ds[3].Key}},
				{"chain", client.ChainDepositsQuery{Chain: "ethereum"}, []string{ds[0].Key}},
				{"asset", client.ChainDepositsQuery{Asset: "USDT"}, []string{ds[1].Key, ds[2].Key, ds[3].Key}},
				{"together", client.ChainDepositsQuery{Owner: "alice", Chain: "dev", Asset: "USDT", Status: "confirmed"}, []string{ds[2].Key}},
				{"none", client.ChainDepositsQuery{Owner: "carol"}, []string{}},
			} {
				page, err := e.operator.Deposits(ctx, tt.q)
				if err != nil || !slices.Equal(keysOf(page.Deposits), tt.want) || page.Deposits == nil {
					t.Errorf("%s: %+v, %v; want %v", tt.name, page, err, tt.want)
				}
			}

			// Pages of two, through every deposit once.
			var paged []string
			q := client.ChainDepositsQuery{Limit: 2}
			for range len(all) {
				page, err := e.reader.Deposits(ctx, q)
				if err != nil {
					t.Fatal(err)
				}
				paged = append(paged, keysOf(page.Deposits)...)
				if !page.HasMore {
					break
				}
				q.Cursor = page.NextCursor
			}
			if !slices.Equal(paged, all) {
				t.Fatalf("by pages of 2: %v; want %v", paged, all)
			}

			wantBadQueries(t, e, "/v1/deposits", []badQuery{
				{"wrong checksum", "address=0x6fAc4D18c912343BF86fa7049364Dd4E424Ab9C0", "address"},
				{"short address", "address=0x6fac", "address"},
				{"bad owner", "owner=a%20b", "owner"},
				{"unknown status", "status=done", "status"},
				{"short hash", "tx_hash=0xabc", "tx_hash"},
				{"hash without 0x", "tx_hash=" + strings.Repeat("a", 64), "tx_hash"},
				{"unknown chain", "chain=mars", "chain"},
				{"unknown asset", "asset=DOGE", "asset"},
				{"asset of another chain", "chain=ethereum&asset=USDT", "asset"},
				{"limit", "limit=0", "limit"},
				{"cursor", "cursor=bm9wZQ", "cursor"},
				{"unknown parameter", "to=x", "to"},
			})
			status, raw := e.raw("GET", "/v1/deposits", "", "")
			wantEnvelope(t, status, raw, 401, coffer.EUNAUTHORIZED)
		})
	}
}

func TestChains(t *testing.T) {
	for _, kind := range testdb.Kinds() {
		t.Run(kind.Name, func(t *testing.T) {
			t.Parallel()
			store := kind.Open(t)
			e, cs := setupChains(t, store)
			ctx := context.Background()
			leases := store.(coffer.LeaseStore)

			list, err := e.admin.Chains(ctx)
			if err != nil || len(list.Chains) != 2 {
				t.Fatalf("chains before any watcher: %+v, %v", list, err)
			}
			dev := list.Chains[0]
			if dev.Name != "dev" || dev.ChainID != 1337 || dev.Confirmations != 3 || dev.PollSeconds != 1.5 ||
				dev.Cursor != nil || dev.Head != nil || dev.Lag != nil || dev.Watcher != (client.ChainWatcher{}) {
				t.Fatalf("dev before any watcher: %+v", dev)
			}
			if want := []string{"https://rpcuser:…@node.example:8545/…", "http://127.0.0.1:8545"}; !slices.Equal(dev.RPC, want) {
				t.Fatalf("rpc %v; want %v", dev.RPC, want)
			}

			if err := cs.AcceptChainBlock(ctx, coffer.ChainBlock{Chain: "dev", Number: 110, Hash: fmt.Sprintf("0x%064x", 110), ParentHash: fmt.Sprintf("0x%064x", 109)}); err != nil {
				t.Fatal(err)
			}
			failed := time.Date(2026, 12, 5, 20, 0, 0, 0, time.UTC)
			reported := failed.Add(time.Minute)
			progress, _ := json.Marshal(watch.Progress{Chain: "dev", Block: 110, Head: 115, At: reported,
				LastError: "watch dev: head: 429 Too Many Requests", LastErrorAt: &failed})
			lease, held, err := leases.ClaimLease(ctx, watch.DutyName("dev"), "host-a/42/x1", time.Minute, progress)
			if err != nil || !held {
				t.Fatalf("claim: %v, %v", held, err)
			}
			// Another duty's lease says nothing of the chains.
			if _, _, err := leases.ClaimLease(ctx, "relay", "host-b/7/y2", time.Minute, []byte(`{"chain":"ethereum","head":9}`)); err != nil {
				t.Fatal(err)
			}

			status, raw := e.raw("GET", "/v1/chains", adminKey, "")
			for _, secret := range []string{"rpc-pa55word", "0123456789abcdef", "s3cr3tkey"} {
				if strings.Contains(string(raw), secret) {
					t.Fatalf("answer %d %s holds %q", status, raw, secret)
				}
			}
			list, err = e.admin.Chains(ctx)
			if err != nil {
				t.Fatal(err)
			}
			dev, eth := list.Chains[0], list.Chains[1]
			switch {
			case dev.Cursor == nil || *dev.Cursor != client.ChainBlock{Number: 110, Hash: fmt.Sprintf("0x%064x", 110)}:
				t.Fatalf("dev cursor %+v", dev.Cursor)
			case dev.Head == nil || *dev.Head != 115 || dev.Lag == nil || *dev.Lag != 5:
				t.Fatalf("dev head %v lag %v; want 115 and 5", dev.Head, dev.Lag)
			case dev.LastError != "watch dev: head: 429 Too Many Requests" || dev.LastErrorAt == nil || !dev.LastErrorAt.Equal(failed):
				t.Fatalf("dev last error %q at %v", dev.LastError, dev.LastErrorAt)
			case !dev.Watcher.Running || dev.Watcher.Holder != "host-a/42/x1" || dev.Watcher.RenewedAt == nil ||
				!dev.Watcher.RenewedAt.Equal(lease.RenewedAt) || dev.Watcher.ReportedAt == nil || !dev.Watcher.ReportedAt.Equal(reported):
				t.Fatalf("dev watcher %+v; want running on host-a, renewed %v, reported %v", dev.Watcher, lease.RenewedAt, reported)
			case eth.Name != "ethereum" || eth.Cursor != nil || eth.Head != nil || eth.Lag != nil || eth.LastError != "" ||
				eth.Watcher.Running || eth.RPC == nil || len(eth.RPC) != 0:
				t.Fatalf("ethereum %+v; want no watcher", eth)
			}

			// A watcher that stopped cleanly lets its lease go: not running.
			if err := leases.ReleaseLease(ctx, watch.DutyName("dev"), lease.Holder, lease.Token); err != nil {
				t.Fatal(err)
			}
			list, err = e.admin.Chains(ctx)
			if err != nil || list.Chains[0].Watcher.Running || list.Chains[0].Head == nil {
				t.Fatalf("after release: %+v, %v; want not running, the last report kept", list, err)
			}

			_, err = e.reader.Chains(ctx)
			wantCode(t, err, coffer.EFORBIDDEN)
		})
	}
}

// A server that watches no chains says so for both routes.
func TestChainsUnavailable(t *testing.T) {
	t.Parallel()
	for _, configure := range []func(*httpapi.Config){
		nil,
		func(c *httpapi.Config) { c.Chains = &chainview.Service{} },
	} {
		e := setupWith(t, testdb.SQLite(t), configure)
		for _, path := range []string{"/v1/deposits", "/v1/chains"} {
			status, raw := e.raw("GET", path, adminKey, "")
			wantEnvelope(t, status, raw, 503, coffer.EUNAVAILABLE)
			if !strings.Contains(string(raw), "watches no chains") {
				t.Errorf("GET %s: %s; want it to say the server watches no chains", path, raw)
			}
		}
	}
}
