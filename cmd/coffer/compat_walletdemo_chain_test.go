package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/cofferhq/coffer/client"
	"github.com/cofferhq/coffer/compat/walletdemo"
)

// demoAnswer is an answer of the wallet demo's profile: its status and body.
type demoAnswer struct {
	status int
	body   string
}

// demoError is the profile's error shape.
type demoError struct {
	Error, Code, Message, Param string
}

// demoCall sends a request to the wallet demo's profile with the admin's key and extra
// headers given as name, value pairs.
func demoCall(t *testing.T, addr, method, path, body string, header ...string) demoAnswer {
	t.Helper()
	req, err := http.NewRequest(method, "http://"+addr+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+testAdminKey)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return demoAnswer{resp.StatusCode, string(b)}
}

func (a demoAnswer) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(a.body), v); err != nil {
		t.Fatalf("%v in %d %q", err, a.status, a.body)
	}
}

// TestDevChainWalletDemoCrypto: on `serve --chain dev --compat wallet-demo`, the demo's crypto
// wallet is served by the chain support. A deposit the dev chain's faucet sends to the wallet
// owner's deposit address is answered by its tx hash as the chain watcher records it: not seen,
// or waiting for confirmations, then credited, once, however often it is asked; a transaction
// paying someone else is refused. A withdrawal to an address is a payout, held at once and
// answered "processing", named by its Idempotency-Key, and once the chain confirmed it listed
// in the wallet's transactions as completed with its chain transaction's hash. Bad input
// changes nothing; the ledger verifies clean.
func TestDevChainWalletDemoCrypto(t *testing.T) {
	t.Parallel()
	seedFile, secretFile, _ := devSeed(t)
	cfg := devConfig(t, seedFile, secretFile)
	cfg.Compat = []string{walletdemo.Name}
	s, _ := startDevServer(t, cfg)
	cl := client.New("http://"+s.addr, testAdminKey)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	call := func(method, path, body string, header ...string) demoAnswer {
		t.Helper()
		return demoCall(t, s.addr, method, path, body, header...)
	}
	// poll asks again every 50 ms until done says the answer is the one waited for.
	poll := func(what string, ask func() demoAnswer, done func(demoAnswer) bool) demoAnswer {
		t.Helper()
		for {
			a := ask()
			if done(a) {
				return a
			}
			select {
			case <-ctx.Done():
				t.Fatalf("%s: still %d %s", what, a.status, a.body)
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
	wantError := func(a demoAnswer, status int, code, param, text string) {
		t.Helper()
		var e demoError
		a.decode(t, &e)
		if a.status != status || e.Code != code || e.Param != param || !strings.Contains(e.Error, text) {
			t.Fatalf("answer %d %s; want %d %s param %q with %q", a.status, a.body, status, code, param, text)
		}
	}

	if _, err := cl.CreateAsset(ctx, client.CreateAssetRequest{Code: "USD", Scale: 2}); err != nil {
		t.Fatal(err)
	}
	for _, body := range []string{`{"user_id":7,"currency":"USDT"}`, `{"user_id":7,"currency":"USD"}`} {
		if a := call("POST", "/api/wallets", body); a.status != http.StatusOK {
			t.Fatalf("create wallet %s: %d %s", body, a.status, a.body)
		}
	}
	var addr, bob client.DepositAddress
	s.json(&addr, "address", "7", "--asset", "USDT")
	s.json(&bob, "address", "bob", "--asset", "USDT")

	// Bad deposits.
	unknown := "0x" + strings.Repeat("ab", 32)
	wantError(call("POST", "/api/crypto/wallets/1/deposit", `{}`), 400, "invalid", "tx_hash", "tx_hash is required")
	wantError(call("POST", "/api/crypto/wallets/1/deposit", `{"tx_hash":"0xabc"}`), 400, "invalid", "tx_hash", "not a transaction hash")
	wantError(call("POST", "/api/crypto/wallets/1/deposit", `{"tx_hash":"`+unknown+`"}`), 404, "not_found", "", "has seen no deposit")
	wantError(call("POST", "/api/crypto/wallets/2/deposit", `{"tx_hash":"`+unknown+`"}`), 400, "invalid", "id", "holds USD, which is on no chain")
	wantError(call("POST", "/api/crypto/wallets/9/deposit", `{"tx_hash":"`+unknown+`"}`), 404, "not_found", "", "wallet not found")

	var usdt, other client.DevFunding
	s.json(&usdt, "dev", "fund", "--to", addr.Address, "--asset", "USDT", "--amount", "25")
	s.json(&other, "dev", "fund", "--to", bob.Address, "--asset", "USDT", "--amount", "3")

	// The deposit: unseen, then pending, then credited; nothing else on the way.
	deposit := func(hash string) demoAnswer {
		return call("POST", "/api/crypto/wallets/1/deposit", `{"tx_hash":"`+hash+`"}`)
	}
	a := poll("the deposit credited", func() demoAnswer { return deposit(usdt.TxHash) }, func(a demoAnswer) bool {
		var e demoError
		switch a.status {
		case http.StatusOK:
			return true
		case http.StatusNotFound:
			a.decode(t, &e)
			if e.Code != "not_found" {
				t.Fatalf("not seen yet: %s", a.body)
			}
		case http.StatusConflict:
			a.decode(t, &e)
			if e.Code != walletdemo.CodeAwaitingConfirmations || !strings.Contains(e.Message, "confirmations it needs") {
				t.Fatalf("pending: %s", a.body)
			}
		default:
			t.Fatalf("deposit: %d %s", a.status, a.body)
		}
		return false
	})
	var got walletdemo.CryptoAnswer
	a.decode(t, &got)
	tr := got.Transaction
	if got.Message != "deposit successful" || tr.WalletID != 1 || tr.Type != "deposit" || tr.Network != "dev" ||
		tr.ToAddress != addr.Address || tr.Amount != "25" || tr.Status != "completed" || tr.TxHash != usdt.TxHash ||
		tr.Confirmations < devConfirmations || tr.BlockNumber == 0 || tr.FromAddress == "" {
		t.Fatalf("deposit answered %s", a.body)
	}
	// A replay answers the same and credits nothing more; the same hash in upper case too.
	for _, hash := range []string{usdt.TxHash, "0x" + strings.ToUpper(usdt.TxHash[2:])} {
		var again walletdemo.CryptoAnswer
		r := deposit(hash)
		r.decode(t, &again)
		again.Transaction.Confirmations, tr.Confirmations = 0, 0
		if r.status != http.StatusOK || again != (walletdemo.CryptoAnswer{Message: got.Message, Transaction: tr}) {
			t.Fatalf("replay: %d %s, first %s", r.status, r.body, a.body)
		}
	}
	s.wantBalances("7", map[string][2]string{"USDT": {"25.000000", "0.000000"}})
	// Bob's deposit is not wallet 1's, once seen and whatever its state.
	r := poll("bob's deposit seen", func() demoAnswer { return deposit(other.TxHash) }, func(a demoAnswer) bool { return a.status != http.StatusNotFound })
	wantError(r, 400, "invalid", "tx_hash", "pays no USDT to wallet 1's deposit address on chain dev")

	// Bad withdrawals change nothing.
	k, _ := crypto.GenerateKey()
	to := crypto.PubkeyToAddress(k.PublicKey).Hex()
	withdraw := func(body string, header ...string) demoAnswer {
		return call("POST", "/api/crypto/wallets/1/withdraw", body, header...)
	}
	wantError(withdraw(`{"amount":"1"}`), 400, "invalid", "to_address", "to_address is required")
	wantError(withdraw(`{"to_address":"0x12","amount":"1"}`), 400, "invalid", "to_address", "")
	wantError(withdraw(`{"to_address":"`+bob.Address+`","amount":"1"}`), 400, "invalid", "to_address", "one of Coffer's own deposit addresses")
	wantError(withdraw(`{"to_address":"`+to+`","amount":"0"}`), 400, "invalid", "amount", "invalid withdraw amount")
	wantError(withdraw(`{"to_address":"`+to+`","amount":"0.0000001"}`), 400, "invalid", "amount", "invalid withdraw amount")
	wantError(withdraw(`{"to_address":"`+to+`","amount":"26"}`), 400, "insufficient_funds", "", "insufficient balance")
	wantError(withdraw(`{"to_address":"`+to+`","amount":"1"}`, "Idempotency-Key", "a/b"), 400, "invalid", "Idempotency-Key", "must not contain")
	wantError(call("POST", "/api/crypto/wallets/2/withdraw", `{"to_address":"`+to+`","amount":"1"}`), 400, "invalid", "id", "on no chain")
	s.wantBalances("7", map[string][2]string{"USDT": {"25.000000", "0.000000"}})

	// The withdrawal: held at once, a replay the same, the key with another amount refused.
	body := `{"to_address":"` + strings.ToLower(to) + `","amount":10}`
	w := withdraw(body, "Idempotency-Key", "cw-1")
	var wa walletdemo.CryptoAnswer
	w.decode(t, &wa)
	if w.status != http.StatusOK || wa.Message != "withdrawal processing" || wa.Transaction.Status != "processing" ||
		wa.Transaction.PayoutID != "walletdemo:cw-1" || wa.Transaction.ToAddress != to || wa.Transaction.Amount != "10" ||
		wa.Transaction.Type != "withdraw" || wa.Transaction.Network != "dev" || wa.Transaction.FromAddress == "" {
		t.Fatalf("withdraw: %d %s", w.status, w.body)
	}
	if again := withdraw(body, "Idempotency-Key", "cw-1"); again != w {
		t.Fatalf("withdraw replayed: %d %s, first %s", again.status, again.body, w.body)
	}
	wantError(withdraw(`{"to_address":"`+to+`","amount":"11"}`, "Idempotency-Key", "cw-1"), 409, "conflict", "", "transaction already processed")
	s.wantBalance("7", "USDT", "25.000000", "15.000000", "10.000000")

	// Confirmed on the chain: the payout's event once, then the wallet's transactions.
	var after uint64
	for confirmed := false; !confirmed; {
		page, err := cl.WaitEvents(ctx, after, 100, 10*time.Second)
		if err != nil {
			t.Fatalf("events: %v", err)
		}
		for _, e := range page.Events {
			after = e.Seq
			switch {
			case e.Subject != "walletdemo:cw-1":
			case e.Type == "payout.failed":
				t.Fatalf("the withdrawal failed: %s", e.Data)
			case e.Type == "payout.confirmed":
				confirmed = true
			}
		}
	}
	var txs []walletdemo.Transaction
	poll("the withdrawal listed completed", func() demoAnswer { return call("GET", "/api/wallets/1/transactions", "") }, func(a demoAnswer) bool {
		txs = nil
		a.decode(t, &txs)
		return len(txs) > 0 && txs[0].Type == "withdraw" && txs[0].TxHash != ""
	})
	if len(txs) != 2 || txs[0].Status != "completed" || txs[0].Amount != "10" || txs[0].BalanceBefore != "25" ||
		txs[0].BalanceAfter != "15" || !strings.HasPrefix(txs[0].TxHash, "0x") ||
		txs[1].Type != "deposit" || txs[1].Status != "completed" || txs[1].TxHash != usdt.TxHash || txs[1].BalanceAfter != "25" {
		t.Fatalf("transactions %+v", txs)
	}
	p, err := cl.Payout(ctx, "walletdemo:cw-1")
	if err != nil || p.TxHash != txs[0].TxHash || p.State != "confirmed" {
		t.Fatalf("payout %+v %v, listed %+v", p, err, txs[0])
	}
	s.wantBalances("7", map[string][2]string{"USDT": {"15.000000", "0.000000"}})
	if rep, err := cl.Verify(ctx); err != nil || !rep.OK {
		t.Fatalf("verify: %+v %v", rep, err)
	}
}
