package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/chain"
	"github.com/cofferhq/coffer/chain/address"
	"github.com/cofferhq/coffer/client"
	"github.com/cofferhq/coffer/httpapi"
	"github.com/cofferhq/coffer/internal/chaintest"
	"github.com/cofferhq/coffer/internal/testdb"
)

// goldenAddress is deposit address 0 of the BIP39 test mnemonic "abandon ... about".
const goldenAddress = "0x9858EfFD232B4033E47d90003D41EC34EcaEda94"

// setupDeposits starts a server on SQLite whose deposit addresses come from the test mnemonic's
// xpub, on the chains dev (with ETH) and bsc (with BNB).
func setupDeposits(t *testing.T) *env {
	t.Helper()
	return setupDepositsOn(t, testdb.SQLite(t))
}

// setupDepositsOn is setupDeposits on the given store.
func setupDepositsOn(t *testing.T, store coffer.Store) *env {
	t.Helper()
	xpub := chaintest.XPub(t)
	cfg := chain.Config{
		Chains: []chain.Chain{{Name: "dev", ID: 1337}, {Name: "bsc", ID: 56}},
		Assets: []chain.Asset{{Code: "ETH", Chain: "dev", Decimals: 18}, {Code: "BNB", Chain: "bsc", Decimals: 18}},
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	return setupWith(t, store, func(c *httpapi.Config) {
		c.DepositAddresses = &address.Service{Config: cfg, Keys: xpub, Store: store.(coffer.DepositAddressStore)}
	})
}

// assignRaw posts body to the owner's addresses with the key and decodes a success.
func (e *env) assignRaw(owner, key, body string) (int, client.DepositAddress, []byte) {
	e.t.Helper()
	status, raw := e.raw("POST", "/v1/owners/"+owner+"/addresses", key, body)
	var a client.DepositAddress
	if status < 300 {
		if err := json.Unmarshal(raw, &a); err != nil {
			e.t.Fatalf("answer %s: %v", raw, err)
		}
	}
	return status, a, raw
}

func TestDepositAddresses(t *testing.T) {
	e := setupDeposits(t)
	ctx := context.Background()

	status, first, raw := e.assignRaw("1001", e.operatorKey, `{"chain":"dev"}`)
	if status != 201 || first.Address != goldenAddress || first.Index != 0 || first.Chain != "dev" || first.Owner != "1001" {
		t.Fatalf("first POST: %d %s; want 201 with %s at index 0", status, raw, goldenAddress)
	}
	status, again, raw := e.assignRaw("1001", e.operatorKey, `{"asset":"ETH"}`)
	if status != 200 || again != first {
		t.Fatalf("second POST: %d %s; want 200 and the same body as the first", status, raw)
	}
	bsc, err := e.operator.AssignDepositAddress(ctx, "1001", client.AssignDepositAddressRequest{Chain: "bsc", Asset: "BNB"})
	if err != nil || bsc.Address != goldenAddress || bsc.Index != 0 || bsc.Chain != "bsc" {
		t.Fatalf("1001 on bsc: %+v, %v; want the same address and index", bsc, err)
	}
	second, err := e.admin.AssignDepositAddress(ctx, "1002", client.AssignDepositAddressRequest{Chain: "dev"})
	if err != nil || second.Index != 1 || second.Address == goldenAddress {
		t.Fatalf("1002 on dev: %+v, %v; want index 1 and another address", second, err)
	}

	page, err := e.reader.DepositAddresses(ctx, "1001", client.DepositAddressesQuery{Limit: 1})
	if err != nil || len(page.Addresses) != 1 || page.Addresses[0].Chain != "bsc" || !page.HasMore {
		t.Fatalf("first page of 1001's addresses: %+v, %v; want bsc and more", page, err)
	}
	page, err = e.reader.DepositAddresses(ctx, "1001", client.DepositAddressesQuery{Limit: 1, Cursor: page.NextCursor})
	if err != nil || len(page.Addresses) != 1 || page.Addresses[0] != first || page.HasMore {
		t.Fatalf("second page of 1001's addresses: %+v, %v; want dev's, the last", page, err)
	}
	page, err = e.reader.DepositAddresses(ctx, "nobody", client.DepositAddressesQuery{})
	if err != nil || len(page.Addresses) != 0 || page.Addresses == nil {
		t.Fatalf("an owner without addresses: %+v, %v; want an empty list", page, err)
	}

	for _, tt := range []struct{ name, owner, body, param string }{
		{"unknown chain", "1001", `{"chain":"mars"}`, "chain"},
		{"unknown asset", "1001", `{"asset":"DOGE"}`, "asset"},
		{"asset on another chain", "1001", `{"chain":"dev","asset":"BNB"}`, "asset"},
		{"neither", "1001", `{}`, "chain"},
		{"no body", "1001", ``, "chain"},
		{"bad owner", "a%20b", `{"chain":"dev"}`, "owner"},
		{"system owner", "world", `{"chain":"dev"}`, "owner"},
		{"unknown field", "1001", `{"chain":"dev","network":"x"}`, "network"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			status, _, raw := e.assignRaw(tt.owner, e.operatorKey, tt.body)
			wantEnvelope(t, status, raw, 400, coffer.EINVALID)
			var env client.ErrorResponse
			if err := json.Unmarshal(raw, &env); err != nil || env.Error.Param != tt.param {
				t.Fatalf("answer %s: want param %s", raw, tt.param)
			}
		})
	}
	status, _, raw = e.assignRaw("1003", e.readerKey, `{"chain":"dev"}`)
	wantEnvelope(t, status, raw, 403, coffer.EFORBIDDEN)
	status, raw = e.raw("GET", "/v1/owners/a%20b/addresses", e.readerKey, "")
	wantEnvelope(t, status, raw, 400, coffer.EINVALID)
}

// TestDepositAddressesConcurrent checks, on every store, that concurrent first requests for one
// owner give it one address (one 201, the rest 200, all with the same body) and that concurrent
// owners get an index each.
func TestDepositAddressesConcurrent(t *testing.T) {
	for _, kind := range testdb.Kinds() {
		t.Run(kind.Name, func(t *testing.T) {
			e := setupDepositsOn(t, kind.Open(t))
			const n = 8
			var (
				wg      sync.WaitGroup
				mu      sync.Mutex
				created int
				got     = map[client.DepositAddress]bool{}
				indexes = map[uint32]bool{}
			)
			for i := range n {
				wg.Go(func() {
					status, a, raw := e.assignRaw("1001", e.operatorKey, `{"chain":"dev"}`)
					other, oerr := e.operator.AssignDepositAddress(context.Background(), fmt.Sprintf("owner-%d", i),
						client.AssignDepositAddressRequest{Asset: "BNB"})
					mu.Lock()
					defer mu.Unlock()
					switch status {
					case 201:
						created++
					case 200:
					default:
						t.Errorf("POST: %d %s", status, raw)
					}
					got[a] = true
					if oerr != nil {
						t.Errorf("owner-%d: %v", i, oerr)
						return
					}
					indexes[other.Index] = true
				})
			}
			wg.Wait()
			if created != 1 || len(got) != 1 {
				t.Fatalf("%d of %d concurrent POSTs created, answering %d addresses %v; want 1 and 1", created, n, len(got), got)
			}
			for a := range got {
				indexes[a.Index] = true
			}
			if len(indexes) != n+1 {
				t.Fatalf("%d owners have the indexes %v; want one each", n+1, indexes)
			}
		})
	}
}

// TestDepositAddressesUnavailable checks that a server without chains answers 503 with a
// sentence.
func TestDepositAddressesUnavailable(t *testing.T) {
	e := setup(t)
	status, raw := e.raw("POST", "/v1/owners/1001/addresses", e.operatorKey, `{"chain":"dev"}`)
	wantEnvelope(t, status, raw, 503, coffer.EUNAVAILABLE)
	status, raw = e.raw("GET", "/v1/owners/1001/addresses", e.readerKey, "")
	wantEnvelope(t, status, raw, 503, coffer.EUNAVAILABLE)
}
