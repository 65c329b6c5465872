package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/chain/hdkey"
	"github.com/cofferhq/coffer/chain/testtoken"
	"github.com/cofferhq/coffer/client"
	"github.com/cofferhq/coffer/internal/gethdev"
	"github.com/cofferhq/coffer/postgres"
)

// gethPayoutConfirmations is the test chain's depth of a credit and of a payout's end: three
// blocks leave a payout broadcast for about three seconds, the window the restart aims at.
const gethPayoutConfirmations = 3

// gethRig is `coffer serve` on PostgreSQL watching and paying out on a geth --dev chain with
// the test token, its hot wallet known to the test.
type gethRig struct {
	t     *testing.T
	node  *gethdev.Node
	token common.Address
	hot   common.Address
	db    string
	args  []string
	srv   *serverProcess
	c     *client.Client
	after uint64 // the last event seen
}

// startGethRig starts geth --dev, deploys the token and starts serve with a seed on it, and
// with extra arguments.
func startGethRig(t *testing.T, extra ...string) *gethRig {
	t.Helper()
	node := gethdev.Start(t)
	r := &gethRig{t: t, node: node, token: node.DeployToken(t), db: postgres.TestURL(t)}
	seedFile, secretFile, mnemonic := devSeed(t)
	seed, err := hdkey.NewSeed(mnemonic, "")
	if err != nil {
		t.Fatal(err)
	}
	key, err := seed.PrivateKey(hdkey.HotWalletPath()) // --hot-wallet-index 0
	seed.Zero()
	if err != nil {
		t.Fatal(err)
	}
	r.hot = crypto.PubkeyToAddress(key.PublicKey)
	r.args = []string{
		"--chain", fmt.Sprintf("name=geth,id=%d,rpc=%s,confirmations=%d,poll=200ms", gethdev.ChainID, node.URL(), gethPayoutConfirmations),
		"--chain-asset", "code=ETH,chain=geth,decimals=18",
		"--chain-asset", fmt.Sprintf("code=USDT,chain=geth,contract=%s,decimals=6", r.token.Hex()),
		"--seed-file", seedFile, "--seed-secret-file", secretFile,
		"--chain-reconcile-interval", "0",
	}
	r.args = append(r.args, extra...)
	r.start()
	return r
}

// start starts serve and waits for its watcher's first cursor.
func (r *gethRig) start() {
	r.t.Helper()
	r.srv = startServer(r.t, r.db, crashAdminKey, r.args...)
	r.c = client.New(r.srv.URL(), crashAdminKey)
	waitCursor(r.ctx(), r.t, r.c)
}

func (r *gethRig) ctx() context.Context {
	ctx, cancel := context.WithTimeout(r.t.Context(), 2*time.Minute)
	r.t.Cleanup(cancel)
	return ctx
}

// events follows the events until done says it has all it wants, and returns those of the
// types, in order.
func (r *gethRig) events(done func(seen []client.Event) bool, types ...string) []client.Event {
	r.t.Helper()
	ctx := r.ctx()
	var seen []client.Event
	for !done(seen) {
		page, err := r.c.WaitEvents(ctx, r.after, 500, 10*time.Second)
		if err != nil {
			r.t.Fatalf("events: %v (seen %d)", err, len(seen))
		}
		for _, e := range page.Events {
			r.after = e.Seq
			for _, ty := range types {
				if e.Type == ty {
					seen = append(seen, e)
				}
			}
		}
	}
	return seen
}

// count is a done of events: n of them seen.
func count(n int) func([]client.Event) bool {
	return func(seen []client.Event) bool { return len(seen) >= n }
}

// reconcileClean runs a chain reconciliation and checks it matched, and verifies the ledger.
func (r *gethRig) reconcileClean(id string) {
	r.t.Helper()
	ctx := r.ctx()
	rec, err := r.c.ReconcileChain(ctx, client.ChainReconciliationRequest{ID: id, Chain: "geth"})
	if err != nil {
		r.t.Fatalf("reconcile %s: %v", id, err)
	}
	if rec.Status != "matched" || rec.Addresses < 2 {
		r.t.Fatalf("reconciliation %s: %s over %d addresses, differences %+v", id, rec.Status, rec.Addresses, rec.Lines)
	}
	rep, err := r.c.Verify(ctx)
	if err != nil || !rep.OK {
		r.t.Fatalf("verify after %s: %+v %v", id, rep, err)
	}
}

// tokenBalance reads addr's token balance at the head.
func (r *gethRig) tokenBalance(addr common.Address) *big.Int {
	r.t.Helper()
	tok := testtoken.NewCofferTestToken()
	out, err := r.node.Client().CallContract(r.ctx(), ethereum.CallMsg{To: &r.token, Data: tok.PackBalanceOf(addr)}, nil)
	if err != nil {
		r.t.Fatal(err)
	}
	b, err := tok.UnpackBalanceOf(out)
	if err != nil {
		r.t.Fatal(err)
	}
	return b
}

func (r *gethRig) ethBalance(addr common.Address) *big.Int {
	r.t.Helper()
	b, err := r.node.Client().BalanceAt(r.ctx(), addr, nil)
	if err != nil {
		r.t.Fatal(err)
	}
	return b
}

// paid checks that the chain has the payout id's transaction: mined, successful, sent by the
// hot wallet, and the recipient holds amount (of the token, or ether) from it alone. It returns
// the receipt.
func (r *gethRig) paid(id, txHash string, to common.Address, amount *big.Int, token bool) *types.Receipt {
	r.t.Helper()
	ctx := r.ctx()
	rc, err := r.node.Client().TransactionReceipt(ctx, common.HexToHash(txHash))
	if err != nil || rc.Status != types.ReceiptStatusSuccessful {
		r.t.Fatalf("%s: receipt of %s: %+v %v", id, txHash, rc, err)
	}
	tx, _, err := r.node.Client().TransactionByHash(ctx, rc.TxHash)
	if err != nil {
		r.t.Fatal(err)
	}
	if from, err := types.Sender(types.LatestSignerForChainID(tx.ChainId()), tx); err != nil || from != r.hot {
		r.t.Fatalf("%s: %s is sent by %s (%v), not the hot wallet %s", id, txHash, from, err, r.hot)
	}
	got := r.ethBalance(to)
	if token {
		got = r.tokenBalance(to)
	}
	if got.Cmp(amount) != 0 {
		r.t.Errorf("%s: %s holds %s, want %s", id, to.Hex(), got, amount)
	}
	return rc
}

// wantBalances checks an owner's available balances, as "ASSET": "amount".
func (r *gethRig) wantBalances(owner string, want map[string]string) {
	r.t.Helper()
	b, err := r.c.Balances(r.ctx(), owner)
	if err != nil {
		r.t.Fatal(err)
	}
	got := map[string]string{}
	for _, w := range b.Balances {
		got[w.Asset] = w.Available
	}
	for asset, amount := range want {
		if got[asset] != amount {
			r.t.Errorf("%s's %s: %s available, want %s", owner, asset, got[asset], amount)
		}
	}
}

// storedEnd waits until the payout's end is stored and returns it. The sender stores an end
// just after the ledger's, whose event the test saw: a chain reconciliation between the two
// finds the ledger's custody ahead of the sender's mined transfers (a difference the next one no
// longer has), so the tests reconcile after it.
func (r *gethRig) storedEnd(id string) *client.Payout {
	r.t.Helper()
	ctx := r.ctx()
	for {
		p, err := r.c.Payout(ctx, id)
		if err != nil {
			r.t.Fatal(err)
		}
		if p.TxHash != "" {
			return p
		}
		select {
		case <-ctx.Done():
			r.t.Fatalf("payout %s never stored its end: %+v", id, p)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// killWhenBroadcast kills serve (SIGKILL) once the payout is broadcast, before it is
// confirmed: its hold pending, its transaction in the node's pool or just mined. The payout is
// polled from its request on, which may still be on its way (not found).
func (r *gethRig) killWhenBroadcast(id string) {
	r.t.Helper()
	ctx := r.ctx()
	for {
		p, err := r.c.Payout(ctx, id)
		switch {
		case coffer.ErrorCode(err) == coffer.ENOTFOUND:
		case err != nil:
			r.t.Fatal(err)
		case p.State == "broadcast":
			if err := r.srv.cmd.Process.Kill(); err != nil {
				r.t.Fatal(err)
			}
			<-r.srv.done
			return
		case p.State == "confirmed" || p.State == "failed":
			r.t.Fatalf("the payout ended before the kill: %+v", p)
		}
		select {
		case <-ctx.Done():
			r.t.Fatalf("payout %s was never broadcast: %+v", id, p)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// endsOf counts the ends (payout.confirmed or payout.failed) of the payout in the whole event
// history.
func (r *gethRig) endsOf(id string) int {
	r.t.Helper()
	ctx := r.ctx()
	var seq uint64
	n := 0
	for {
		page, err := r.c.Events(ctx, seq, 500)
		if err != nil {
			r.t.Fatal(err)
		}
		for _, e := range page.Events {
			if e.Subject == id && (e.Type == coffer.EventPayoutConfirmed || e.Type == coffer.EventPayoutFailed) {
				n++
			}
		}
		if !page.HasMore {
			return n
		}
		seq = page.NextAfter
	}
}

// payoutEnd decodes a payout.confirmed or payout.failed event.
func payoutEnd(t *testing.T, e client.Event) coffer.PayoutNotice {
	t.Helper()
	var n coffer.PayoutNotice
	if err := json.Unmarshal(e.Data, &n); err != nil {
		t.Fatal(err)
	}
	return n
}

func ether(milli int64) *big.Int { return new(big.Int).Mul(big.NewInt(milli), big.NewInt(1e15)) }

func newAddress(t *testing.T) common.Address {
	k, err := crypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return crypto.PubkeyToAddress(k.PublicKey)
}

// TestGethPayouts runs payouts end to end against geth --dev through `coffer serve` on
// PostgreSQL with the chain configured by its RPC URL: the hot wallet funded on chain from
// outside (credited to the hot wallet's owner like a deposit), an owner's deposits, withdrawals of
// ETH and USDT and a payment to a chain address through the HTTP API, each confirmed once with
// its transaction, which the chain has (receipt, recipient's balance); then serve killed (-9)
// while a payout is broadcast and started again: the payout confirms once, the chain has one
// transfer of it and the hot wallet's nonces have no gap. The chain reconciliation matches and
// the ledger verifies after each scenario.
func TestGethPayouts(t *testing.T) {
	if testing.Short() {
		t.Skip("starts geth and server processes")
	}
	r := startGethRig(t)
	ctx := r.ctx()

	// The operator funds the hot wallet from outside; the user deposits to their address.
	user, err := r.c.AssignDepositAddress(ctx, "alice", client.AssignDepositAddressRequest{Chain: "geth"})
	if err != nil {
		t.Fatal(err)
	}
	userAddr := common.HexToAddress(user.Address)
	r.node.FundETH(t, r.hot, ether(10_000))
	r.node.FundToken(t, r.hot, big.NewInt(1_000_000_000)) // 1,000 USDT
	r.node.FundETH(t, userAddr, ether(2_000))
	r.node.FundToken(t, userAddr, big.NewInt(100_000_000))
	r.events(count(4), "deposit.confirmed")
	r.wantBalances(hotWalletOwnerDefault, map[string]string{"ETH": "10.000000000000000000", "USDT": "1000.000000"})
	r.wantBalances("alice", map[string]string{"ETH": "2.000000000000000000", "USDT": "100.000000"})
	r.reconcileClean("funded")

	// Withdrawals of USDT and ETH and a payment of ETH to a chain address.
	to1, to2, to3 := newAddress(t), newAddress(t), newAddress(t)
	if _, err := r.c.Withdraw(ctx, client.WithdrawalRequest{ID: "w-usdt", Owner: "alice", Asset: "USDT", Amount: "25",
		Destination: to1.Hex(), Chain: "geth"}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.c.Withdraw(ctx, client.WithdrawalRequest{ID: "w-eth", Owner: "alice", Asset: "ETH", Amount: "0.5",
		Destination: to2.Hex(), Chain: "geth"}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.c.Pay(ctx, client.PaymentRequest{ID: "p-eth", Owner: "alice", Merchant: "shop", Asset: "ETH", Amount: "0.25",
		OrderID: "order-1", Chain: "geth", To: to3.Hex()}); err != nil {
		t.Fatal(err)
	}
	ends := r.events(count(3), "payout.confirmed", "payout.failed")
	want := map[string]struct {
		to     common.Address
		amount *big.Int
		token  bool
	}{
		"w-usdt": {to1, big.NewInt(25_000_000), true},
		"w-eth":  {to2, ether(500), false},
		"p-eth":  {to3, ether(250), false},
	}
	for _, e := range ends {
		n := payoutEnd(t, e)
		w, ok := want[n.TransferID]
		if e.Type != "payout.confirmed" || !ok || n.TxHash == "" {
			t.Fatalf("%s: %s %+v", e.Subject, e.Type, n)
		}
		delete(want, n.TransferID) // a second end of one payout fails the lookup above
		if rc := r.paid(n.TransferID, n.TxHash, w.to, w.amount, w.token); rc.BlockNumber.Uint64() != n.BlockNumber {
			t.Fatalf("%s: mined in block %d, the event says %d", n.TransferID, rc.BlockNumber, n.BlockNumber)
		}
	}
	for _, id := range []string{"w-usdt", "w-eth", "p-eth"} {
		if p := r.storedEnd(id); p.State != "confirmed" || p.HoldState != "posted" || p.Nonce == nil || *p.Nonce > 2 {
			t.Fatalf("payout %s: %+v", id, p)
		}
	}
	r.wantBalances("alice", map[string]string{"ETH": "1.250000000000000000", "USDT": "75.000000"})
	r.reconcileClean("paid")

	// Restart mid-payout: kill -9 once the payout is broadcast, before it is confirmed.
	to4 := newAddress(t)
	if _, err := r.c.Withdraw(ctx, client.WithdrawalRequest{ID: "w-restart", Owner: "alice", Asset: "USDT", Amount: "5",
		Destination: to4.Hex(), Chain: "geth"}); err != nil {
		t.Fatal(err)
	}
	r.killWhenBroadcast("w-restart")
	r.start()
	ends = r.events(func(seen []client.Event) bool {
		for _, e := range seen {
			if e.Subject == "w-restart" {
				return true
			}
		}
		return false
	}, "payout.confirmed", "payout.failed")
	n := payoutEnd(t, ends[len(ends)-1])
	if ends[len(ends)-1].Type != "payout.confirmed" || n.TxHash == "" {
		t.Fatalf("after the restart: %+v", ends)
	}
	p := r.storedEnd("w-restart")
	if p.State != "confirmed" || p.HoldState != "posted" || p.TxHash != n.TxHash || p.Nonce == nil || *p.Nonce != 3 {
		t.Fatalf("payout w-restart: %+v (nonce 3 follows the first three)", p)
	}
	if got := r.tokenBalance(to4); got.Cmp(big.NewInt(5_000_000)) != 0 {
		t.Fatalf("%s holds %s USDT minor units, want one transfer of 5,000,000", to4.Hex(), got)
	}
	nonce, err := r.node.Client().NonceAt(ctx, r.hot, nil)
	if err != nil || nonce != 4 {
		t.Fatalf("the hot wallet's nonce is %d (%v): want 4, one transaction per payout", nonce, err)
	}
	r.wantBalances("alice", map[string]string{"USDT": "70.000000"})
	// One end of the payout in the whole history, and its hold posted once.
	if n := r.endsOf("w-restart"); n != 1 {
		t.Fatalf("payout w-restart ended %d times", n)
	}
	r.reconcileClean("restarted")
}
