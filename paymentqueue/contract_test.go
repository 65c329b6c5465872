package paymentqueue_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/chain/payout"
	"github.com/cofferhq/coffer/internal/client004"
	"github.com/cofferhq/coffer/internal/testdb"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/paymentqueue"
)

// TestContract drives the contract through RabbitMQ as a 004 business system does: topups
// registered by address and by owner, a deposit's two notices, withdraw and pay requests
// accepted once and answered once, refusals of bad, unsigned and stale messages and of too
// many decimals, replays answered identically: nothing while the payout is under way, its
// final notice again (the same bytes and id) after its end.
func TestContract(t *testing.T) {
	for _, kind := range testdb.Kinds() {
		t.Run(kind.Name, func(t *testing.T) {
			t.Parallel()
			testContract(t, kind)
		})
	}
}

func testContract(t *testing.T, kind testdb.Kind) {
	f := setup(t, kind)
	c := f.client
	const topup, withdraw, pay = paymentqueue.KindTopup, paymentqueue.KindWithdraw, paymentqueue.KindPay

	// A topup naming an owner is answered with the owner's deposit address, registered.
	c.Send(t, topup, fmt.Sprintf(`{"chain":"ETH","symbol":"USDT","owner":"miner-1","timestamp":%d}`, now()))
	reg := c.Next(t, topup)
	alice, _, err := f.addrs.Assign(t.Context(), "miner-1", "dev", "")
	if err != nil {
		t.Fatal(err)
	}
	reg.Want(t, map[string]any{"address": alice.Address, "status": json.Number("3"), "chain": "ETH", "symbol": "USDT", "owner": "miner-1"})
	if f.handledOne(t) != "topup:done" {
		t.Fatal("the topup was not settled as done")
	}

	// A topup of 004's shape registers a deposit address written in lowercase, and is answered
	// with nothing until a deposit arrives.
	bob, _, err := f.addrs.Assign(t.Context(), "miner-2", "dev", "")
	if err != nil {
		t.Fatal(err)
	}
	bobLower := strings.ToLower(bob.Address)
	c.Send(t, topup, fmt.Sprintf(`{"chain":"ETH","symbol":"USDT","address":"%s","timestamp":%d}`, bobLower, now()))
	if h := f.handledOne(t); h != "topup:done" {
		t.Fatalf("topup: %s", h)
	}
	c.None(t, topup)

	// Two deposits: seen (status 2), then confirmed at three blocks (status 1), each notice
	// naming the address in the form its topup used and the amount exactly.
	txBob := f.fund(t, bob.Address, 100_500_000)   // 100.5 USDT
	txAlice := f.fund(t, alice.Address, 1_000_001) // 1.000001 USDT
	f.mine(t, 1)
	seen := map[string]client004.Notice{}
	for range 2 {
		n := c.Next(t, topup)
		seen[n.Str("address")] = n
	}
	seen[bobLower].Want(t, map[string]any{"status": json.Number("2"), "chain": "ETH", "symbol": "USDT", "amount": json.Number("100.5"),
		"tx_hash": txBob})
	seen[alice.Address].Want(t, map[string]any{"status": json.Number("2"), "amount": json.Number("1.000001"), "tx_hash": txAlice})
	f.mine(t, 2)
	done := map[string]client004.Notice{}
	for range 2 {
		n := c.Next(t, topup)
		done[n.Str("address")] = n
	}
	done[bobLower].Want(t, map[string]any{"status": json.Number("1"), "chain": "ETH", "symbol": "USDT", "amount": json.Number("100.5"),
		"tx_hash": txBob})
	done[alice.Address].Want(t, map[string]any{"status": json.Number("1"), "amount": json.Number("1.000001"), "tx_hash": txAlice})
	if seen[bobLower].Str("id") == done[bobLower].Str("id") || seen[bobLower].MessageID != seen[bobLower].Str("id") {
		t.Errorf("notice ids: seen %q (message id %q), done %q", seen[bobLower].Str("id"), seen[bobLower].MessageID, done[bobLower].Str("id"))
	}
	c.None(t, topup)

	// A withdrawal from bob's address (written checksummed) to a lowercase address: held once
	// at once, answered once at its end.
	to := "0x2222222222222222222222222222222222222222"
	withdrawal := func(timestamp int64) string {
		return fmt.Sprintf(`{"queue_id":"withdraw_123","from_address":"%s","to_address":"%s","amount":50.0,"chain":"ETH","symbol":"USDT","timestamp":%d}`,
			bob.Address, to, timestamp)
	}
	signedAt := now()
	wmsg := withdrawal(signedAt)
	sent := c.Send(t, withdraw, wmsg)
	if h := f.handledOne(t); h != "withdraw:done" {
		t.Fatalf("withdraw: %s", h)
	}
	c.None(t, withdraw)
	held, err := f.store.Transfer(t.Context(), "pq-withdraw_123")
	if err != nil || held.State != coffer.StatePending || held.Amount != coffer.AmountFromInt64(50_000_000) {
		t.Fatalf("the withdrawal's hold: %+v, %v", held, err)
	}
	// Sent again while its payout is under way, redelivered byte for byte and as a business
	// system's retry signed anew with a later timestamp: no second hold, no notice now.
	resend := func(i int) {
		t.Helper()
		if i == 0 {
			c.SendRaw(t, withdraw, sent)
		} else {
			c.Send(t, withdraw, withdrawal(signedAt+int64(i)))
		}
		if h := f.handledOne(t); h != "withdraw:done" {
			t.Fatalf("withdraw again (%d): %s", i, h)
		}
	}
	resend(0)
	resend(1)
	c.None(t, withdraw)
	if bal := balance(t, f, "miner-2"); bal.Available() != coffer.AmountFromInt64(50_500_000) {
		t.Errorf("bob's available after one withdrawal of 50 out of 100.5: %s", bal.Available())
	}
	// The hot wallet's sender sends it; once mined three deep it is confirmed, and the one
	// notice carries its hash and the gas paid. The repeats while it was under way add none.
	var fin client004.Notice
	f.sendUntil(t, func() bool {
		var ok bool
		fin, ok = c.Get(t, withdraw)
		return ok
	})
	fin.Want(t, map[string]any{"queue_id": "withdraw_123", "status": json.Number("1"), "amount": json.Number("50.0"), "chain": "ETH",
		"symbol": "USDT", "from_address": bob.Address, "to_address": to})
	intent, err := f.store.SendIntent(t.Context(), "pq-withdraw_123")
	if err != nil || intent.State != coffer.SendConfirmed || fin.Str("tx_hash") != intent.TxHash || fin.Str("fee") == "" ||
		!strings.HasPrefix(fin.Str("id"), "evt_") || fin.MessageID != fin.Str("id") {
		t.Errorf("notice %s (message id %q) for the intent %+v (%v)", fin.Body, fin.MessageID, intent, err)
	}
	c.None(t, withdraw)
	nonce, err := f.dev.Client().NonceAt(t.Context(), f.hot, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Sent again after its end, redelivered and signed anew: each is answered with the final
	// notice again, the same bytes under the same id (a copy the client drops), and nothing is
	// held or sent again.
	for i := range 3 {
		resend(i)
		again := c.Copy(t, withdraw)
		if string(again.Body) != string(fin.Body) || again.MessageID != fin.MessageID {
			t.Errorf("the final notice was %s (message id %q), sent again (%d) it is %s (%q)", fin.Body, fin.MessageID, i,
				again.Body, again.MessageID)
		}
	}
	c.None(t, withdraw)
	progress, err := f.sender.Pass(t.Context(), f.fence)
	if err != nil || progress.InFlight != 0 || progress.Queued != 0 {
		t.Errorf("the sender after the repeats: %+v, %v", progress, err)
	}
	f.mine(t, 1)
	if after, err := f.dev.Client().NonceAt(t.Context(), f.hot, nil); err != nil || after != nonce {
		t.Errorf("the hot wallet's nonce went from %d to %d (%v) after the repeats", nonce, after, err)
	}
	if posted, err := f.store.Transfer(t.Context(), "pq-withdraw_123"); err != nil || posted.State != coffer.StatePosted {
		t.Errorf("the withdrawal after the repeats: %+v, %v", posted, err)
	}
	if bal := balance(t, f, "miner-2"); bal.Available() != coffer.AmountFromInt64(50_500_000) || bal.Held() != coffer.AmountFromInt64(0) {
		t.Errorf("bob's balance after the repeats: available %s, held %s", bal.Available(), bal.Held())
	}

	// A payment with its order id; its payout fails.
	pmsg := fmt.Sprintf(`{"queue_id":"pay_456","from_address":"%s","to_address":"0x3333333333333333333333333333333333333333","amount":0.5,"chain":"ETH","symbol":"USDT","order_id":"order_789","timestamp":%d}`,
		alice.Address, now())
	c.Send(t, pay, pmsg)
	if h := f.handledOne(t); h != "pay:done" {
		t.Fatalf("pay: %s", h)
	}
	// An operator cancels it before the sender takes it: its hold is voided and its one notice
	// says it failed.
	if _, err := f.payouts.Cancel(t.Context(), "pq-pay_456"); err != nil {
		t.Fatalf("cancel: %v", err)
	}
	pn := c.Next(t, pay)
	pn.Want(t, map[string]any{"queue_id": "pay_456", "status": json.Number("0"), "amount": json.Number("0.5"), "order_id": "order_789",
		"tx_hash": "", "reason": payout.ReasonCancelled, "code": "payout_failed"})
	if bal := balance(t, f, "miner-1"); bal.Available() != coffer.AmountFromInt64(1_000_001) {
		t.Errorf("alice's available after her cancelled payment: %s", bal.Available())
	}
	// Sent again after its end, it is answered with that notice again.
	c.Send(t, pay, pmsg)
	if h := f.handledOne(t); h != "pay:done" {
		t.Fatalf("pay again: %s", h)
	}
	if again := c.Copy(t, pay); string(again.Body) != string(pn.Body) {
		t.Errorf("the failed payment's notice was %s, sent again it is %s", pn.Body, again.Body)
	}

	// Refusals, each a status 0 notice with a code and a sentence, each answered identically
	// when the same message comes again, none holding money.
	refusals := []struct {
		name, kind, msg, code, param string
		signed                       bool
	}{
		{"too many decimals", withdraw, fmt.Sprintf(`{"queue_id":"w-dec","from_address":"%s","to_address":"%s","amount":1.1234567,"chain":"ETH","symbol":"USDT","timestamp":%d}`,
			bob.Address, to, now()), coffer.EINVALID, "amount", true},
		{"unsigned", withdraw, fmt.Sprintf(`{"queue_id":"w-unsigned","from_address":"%s","to_address":"%s","amount":1,"chain":"ETH","symbol":"USDT","timestamp":%d}`,
			bob.Address, to, now()), coffer.EUNAUTHORIZED, "", false},
		{"bad sign", withdraw, fmt.Sprintf(`{"queue_id":"w-badsign","from_address":"%s","to_address":"%s","amount":1,"chain":"ETH","symbol":"USDT","timestamp":%d,"sign":"%s"}`,
			bob.Address, to, now(), strings.Repeat("ab", 32)), coffer.EUNAUTHORIZED, "", false},
		{"stale", pay, fmt.Sprintf(`{"queue_id":"p-stale","from_address":"%s","to_address":"%s","amount":1,"chain":"ETH","symbol":"USDT","order_id":"o1","timestamp":%d}`,
			bob.Address, to, now()-3600), coffer.EUNAUTHORIZED, "", true},
		{"insufficient funds", withdraw, fmt.Sprintf(`{"queue_id":"w-poor","from_address":"%s","to_address":"%s","amount":1000,"chain":"ETH","symbol":"USDT","timestamp":%d}`,
			bob.Address, to, now()), coffer.EINSUFFICIENTFUNDS, "", true},
		{"unknown from address", withdraw, fmt.Sprintf(`{"queue_id":"w-stranger","from_address":"%s","to_address":"%s","amount":1,"chain":"ETH","symbol":"USDT","timestamp":%d}`,
			to, to, now()), coffer.EINVALID, "", true},
		{"bad checksum", withdraw, fmt.Sprintf(`{"queue_id":"w-checksum","from_address":"%s","to_address":"0x52908400098527886e0F7030069857D2E4169EE7","amount":1,"chain":"ETH","symbol":"USDT","timestamp":%d}`,
			bob.Address, now()), coffer.EINVALID, "", true},
		{"pay without order", pay, fmt.Sprintf(`{"queue_id":"p-noorder","from_address":"%s","to_address":"%s","amount":1,"chain":"ETH","symbol":"USDT","timestamp":%d}`,
			bob.Address, to, now()), coffer.EINVALID, "", true},
		{"unknown chain", withdraw, fmt.Sprintf(`{"queue_id":"w-tron","from_address":"%s","to_address":"%s","amount":1,"chain":"TRON","symbol":"USDT","timestamp":%d}`,
			bob.Address, to, now()), coffer.EINVALID, "", true},
	}
	for _, r := range refusals {
		var first client004.Notice
		for i := range 2 {
			if r.signed {
				c.Send(t, r.kind, r.msg)
			} else {
				c.SendRaw(t, r.kind, []byte(r.msg))
			}
			if h := f.handledOne(t); h != r.kind+":done" {
				t.Fatalf("%s: %s", r.name, h)
			}
			n := c.Next(t, r.kind)
			n.Want(t, map[string]any{"status": json.Number("0"), "code": r.code, "chain": n.Str("chain")})
			if n.Str("reason") == "" || !strings.HasPrefix(n.Str("queue_id"), strings.SplitN(strings.SplitN(r.msg, `"queue_id":"`, 2)[1], `"`, 2)[0]) {
				t.Errorf("%s: notice %s", r.name, n.Body)
			}
			if i == 0 {
				first = n
			} else if string(n.Body) != string(first.Body) {
				t.Errorf("%s: answered %s, then %s", r.name, first.Body, n.Body)
			}
		}
		t.Logf("%s: %s", r.name, first.Body)
	}
	if n := refusedAmount(t, f, "w-dec"); n != "1.1234567" {
		t.Errorf("the refused amount is written back as %s", n)
	}

	// The same queue_id with another request is not a second outcome: it is dead-lettered.
	c.Send(t, withdraw, strings.Replace(wmsg, `"amount":50.0`, `"amount":51`, 1))
	if h := f.handledOne(t); h != "withdraw:dead" {
		t.Fatalf("a queue_id reused: %s", h)
	}
	c.None(t, withdraw)
	if bal := balance(t, f, "miner-2"); bal.Available() != coffer.AmountFromInt64(50_500_000) {
		t.Errorf("bob's available after the refusals: %s", bal.Available())
	}
	if r, err := ledger.Verify(t.Context(), f.store); err != nil || len(r.Violations) > 0 {
		t.Errorf("Verify: %+v, %v", r, err)
	}
}

func balance(t *testing.T, f *fixture, owner string) *coffer.Account {
	t.Helper()
	a, err := f.store.Account(t.Context(), coffer.AccountID(coffer.KindWallet, owner, "USDT"))
	if err != nil {
		t.Fatal(err)
	}
	return &a
}

// refusedAmount reads the amount the stored refusal of queueID will write back.
func refusedAmount(t *testing.T, f *fixture, queueID string) string {
	t.Helper()
	r, err := f.store.PaymentQueueRequest(t.Context(), queueID)
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Amount string `json:"amount"`
	}
	json.Unmarshal(r.Data, &d)
	return d.Amount
}
