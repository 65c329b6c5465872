package sweep_test

import (
	"context"
	"encoding/json"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/chain"
	"github.com/cofferhq/coffer/chain/address"
	"github.com/cofferhq/coffer/chain/chainrecon"
	"github.com/cofferhq/coffer/chain/chainrecon/books"
	"github.com/cofferhq/coffer/chain/credit"
	"github.com/cofferhq/coffer/chain/devchain"
	"github.com/cofferhq/coffer/chain/hdkey"
	"github.com/cofferhq/coffer/chain/send"
	"github.com/cofferhq/coffer/chain/sweep"
	"github.com/cofferhq/coffer/chain/testtoken"
	"github.com/cofferhq/coffer/chain/watch"
	"github.com/cofferhq/coffer/internal/chaintest"
	"github.com/cofferhq/coffer/internal/testdb"
	"github.com/cofferhq/coffer/ledger"
)

const confirmations = 3

type store interface {
	coffer.Store
	coffer.ChainWatchStore
	coffer.DepositAddressStore
	coffer.ChainReconciliationStore
	coffer.SendStore
	coffer.SendIntentLister
	coffer.LeaseStore
}

var (
	gwei   = big.NewInt(1_000_000_000)
	feeCap = new(big.Int).Mul(big.NewInt(5), gwei)
	erc20  = testtoken.NewCofferTestToken()
)

// fixture is a dev chain mined by the test, a store, the ledger, the deposit addresses of the
// golden seed, the real watcher crediting deposits (and leaving the gas wallet's top-ups out),
// the chain reconciliation, and the sweeper.
type fixture struct {
	dev   *devchain.Chain
	store store
	led   *ledger.Ledger
	addrs *address.Service
	w     *watch.Watcher
	rec   *chainrecon.Reconciler
	hot   common.Address
	gas   common.Address
	fence coffer.Fence
	cfg   sweep.Config
	s     *sweep.Sweeper
	recN  int
}

func setup(t *testing.T, kind testdb.Kind, thresholds map[string]*big.Int) *fixture {
	t.Helper()
	dev := chaintest.DevChain(t)
	s := kind.Open(t).(store)
	l := chaintest.Ledger(t, s)
	cc := chaintest.Config(t, chain.Chain{Name: "dev", ID: devchain.ChainID, Confirmations: confirmations, BlockRangeMax: 1000,
		Poll: time.Second}, dev.Token())
	seed := chaintest.Seed(t)
	xpub, err := seed.XPub()
	if err != nil {
		t.Fatal(err)
	}
	gasKey, err := seed.PrivateKey(hdkey.GasWalletPath())
	if err != nil {
		t.Fatal(err)
	}
	hotKey, _ := crypto.GenerateKey()
	f := &fixture{dev: dev, store: s, led: l, addrs: &address.Service{Config: cc, Keys: xpub, Store: s},
		hot: crypto.PubkeyToAddress(hotKey.PublicKey), gas: crypto.PubkeyToAddress(gasKey.PublicKey)}
	f.w, err = watch.New(watch.Config{
		Chain: cc.Chains[0], Assets: cc.Assets, Client: dev.Client(), Store: s,
		Addresses: credit.Addresses(s, "dev"),
		Ledger:    &credit.Credit{Chain: cc.Chains[0], Ledger: l, Transfers: s, Tops: s, Own: []string{f.gas.Hex()}},
		From:      1,
	})
	if err != nil {
		t.Fatal(err)
	}
	f.rec, err = chainrecon.New(chainrecon.Config{Chain: cc.Chains[0], Assets: cc.Assets, Client: dev.Client().(chainrecon.Client),
		Store: s, Books: books.Ledger{Store: s}, Addresses: []string{f.hot.Hex(), f.gas.Hex()}})
	if err != nil {
		t.Fatal(err)
	}
	lease := sweep.DutyName("dev")
	le, ok, err := s.ClaimLease(t.Context(), lease, "test", time.Hour, nil)
	if err != nil || !ok {
		t.Fatalf("claim lease: %v %v", ok, err)
	}
	f.fence = coffer.Fence{Lease: lease, Token: le.Token}
	f.cfg = sweep.Config{Chain: cc.Chains[0], Assets: cc.Assets, Client: dev.Client(), Store: s, Ledger: l,
		Keys: seed, DepositPath: hdkey.DepositPath, GasKey: gasKey, To: f.hot, Thresholds: thresholds, FeeCap: feeCap}
	f.restart(t)
	return f
}

// restart makes a new sweeper on the same store and chain: a process restarted.
func (f *fixture) restart(t *testing.T) {
	t.Helper()
	s, err := sweep.New(f.cfg)
	if err != nil {
		t.Fatalf("sweep.New: %v", err)
	}
	if s.GasWallet() != f.gas {
		t.Fatalf("gas wallet %s, want %s", s.GasWallet(), f.gas)
	}
	f.s = s
}

func (f *fixture) address(t *testing.T, owner string) common.Address {
	t.Helper()
	a, _, err := f.addrs.Assign(t.Context(), owner, "dev", "")
	if err != nil {
		t.Fatalf("assign %s: %v", owner, err)
	}
	return common.HexToAddress(a.Address)
}

func (f *fixture) mine(t *testing.T, n int) {
	t.Helper()
	for range n {
		if _, err := f.dev.Mine(); err != nil {
			t.Fatal(err)
		}
	}
}

// fund sends from the faucet and mines the block that holds it.
func (f *fixture) fund(t *testing.T, to common.Address, asset string, amount *big.Int) {
	t.Helper()
	h, err := f.dev.Fund(t.Context(), to, asset, amount)
	if err != nil {
		t.Fatalf("Fund: %v", err)
	}
	f.mine(t, 1)
	if _, err := f.dev.Client().TransactionReceipt(t.Context(), h); err != nil {
		t.Fatalf("funding %s not mined: %v", h, err)
	}
}

// watch lets the watcher record and credit what is deep enough.
func (f *fixture) watch(t *testing.T) {
	t.Helper()
	if err := f.w.Pass(t.Context()); err != nil {
		t.Fatalf("watcher pass: %v", err)
	}
}

// deposit gives owner a deposit address, funds it with amount of asset and lets the watcher
// credit it at its confirmations; it returns the address.
func (f *fixture) deposit(t *testing.T, owner, asset string, amount *big.Int) common.Address {
	t.Helper()
	a := f.address(t, owner)
	f.fund(t, a, asset, amount)
	f.mine(t, confirmations)
	f.watch(t)
	return a
}

// fundGas funds the gas wallet as an operator would: ether from outside, booked in the ledger
// by an adjustment of its custody account. A reconciliation then marks where the sweeps'
// scenario starts.
func (f *fixture) fundGas(t *testing.T, wei *big.Int) {
	t.Helper()
	f.fund(t, f.gas, "ETH", wei)
	amount, _ := coffer.AmountFromBig(wei)
	id := ledger.CustodyAccountID(f.gas.Hex(), "ETH")
	if _, err := f.led.Do(t.Context(), ledger.CreateAccount{Kind: coffer.KindSystem, Owner: ledger.CustodyOwner(f.gas.Hex()),
		Asset: "ETH", OverdraftUnlimited: true}); err != nil {
		t.Fatalf("custody account: %v", err)
	}
	if _, err := f.led.Do(t.Context(), ledger.Adjust{ID: "fund-gas", AccountID: id, Direction: coffer.Debit, Amount: amount,
		Reason: "the gas wallet funded"}); err != nil {
		t.Fatalf("adjust: %v", err)
	}
	f.mine(t, confirmations+1)
	f.reconcile(t)
}

// reconcile runs a chain reconciliation and returns it.
func (f *fixture) reconcile(t *testing.T) coffer.ChainReconciliation {
	t.Helper()
	f.recN++
	r, err := f.rec.Run(t.Context(), chainrecon.Request{ID: "recon-" + string(rune('0'+f.recN)), CreatedBy: "test"})
	if err != nil {
		t.Fatalf("reconcile: %v", err)
	}
	return r
}

func (f *fixture) pass(t *testing.T) sweep.Progress {
	t.Helper()
	p, err := f.s.Pass(t.Context(), f.fence)
	if err != nil {
		t.Fatalf("sweep pass: %v", err)
	}
	return p
}

func (f *fixture) intent(t *testing.T, id string) (coffer.SendIntent, bool) {
	t.Helper()
	in, err := f.store.SendIntent(t.Context(), id)
	if coffer.ErrorCode(err) == coffer.ENOTFOUND {
		return in, false
	}
	if err != nil {
		t.Fatal(err)
	}
	return in, true
}

// holding is what the ledger holds at a in asset.
func (f *fixture) holding(t *testing.T, a common.Address, asset string) *big.Int {
	t.Helper()
	acc, err := f.store.Account(t.Context(), ledger.CustodyAccountID(a.Hex(), asset))
	if coffer.ErrorCode(err) == coffer.ENOTFOUND {
		return new(big.Int)
	}
	if err != nil {
		t.Fatal(err)
	}
	return ledger.CustodyHolding(&acc).Big()
}

func (f *fixture) balance(t *testing.T, a common.Address) *big.Int {
	t.Helper()
	b, err := f.dev.Client().BalanceAt(t.Context(), a, nil)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (f *fixture) tokenBalance(t *testing.T, a common.Address) *big.Int {
	t.Helper()
	return chaintest.TokenBalance(t, f.dev.Client(), f.dev.Token(), a)
}

func (f *fixture) wallet(t *testing.T, owner, asset string) *big.Int {
	t.Helper()
	acc, err := f.store.Account(t.Context(), coffer.AccountID(coffer.KindWallet, owner, asset))
	if coffer.ErrorCode(err) == coffer.ENOTFOUND {
		return new(big.Int)
	}
	if err != nil {
		t.Fatal(err)
	}
	return acc.Balance().Big()
}

// sentFrom returns the sweeps' intents sent from a.
func (f *fixture) sentFrom(t *testing.T, a common.Address) []coffer.SendIntent {
	t.Helper()
	var out []coffer.SendIntent
	for _, st := range []coffer.SendState{coffer.SendQueued, coffer.SendWaitingFunds, coffer.SendSigned,
		coffer.SendBroadcast, coffer.SendConfirmed, coffer.SendFailed, coffer.SendCancelled} {
		ins, err := f.store.SendIntents(t.Context(), coffer.SendFilter{Chain: "dev", From: strings.ToLower(a.Hex()),
			States: []coffer.SendState{st}, Limit: coffer.ListRowsMax})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, ins...)
	}
	return out
}

// sweepEvents returns the data of the sweep.* events written so far, in order, each checked
// to carry its type's status and its intent's id as the subject.
func (f *fixture) sweepEvents(t *testing.T) []coffer.SweepNotice {
	t.Helper()
	var out []coffer.SweepNotice
	for after := uint64(0); ; {
		evs, err := f.store.Events(t.Context(), after, coffer.PageSizeMax)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range evs {
			if e.Type != coffer.EventSweepConfirmed && e.Type != coffer.EventSweepFailed {
				continue
			}
			var n coffer.SweepNotice
			if err := json.Unmarshal(e.Data, &n); err != nil {
				t.Fatal(err)
			}
			if e.Type != "sweep."+n.Status || e.Subject != n.ID {
				t.Errorf("event %s about %s carries %+v", e.Type, e.Subject, n)
			}
			out = append(out, n)
		}
		if len(evs) < coffer.PageSizeMax {
			return out
		}
		after = evs[len(evs)-1].Seq
	}
}

// wantConfirmedEvent checks that exactly one sweep event is about the intent in, and that it
// is its sweep.confirmed with the mined transaction, the amount in major units and the fee.
func (f *fixture) wantConfirmedEvent(t *testing.T, evs []coffer.SweepNotice, in coffer.SweepNotice) {
	t.Helper()
	var got []coffer.SweepNotice
	for _, e := range evs {
		if e.ID == in.ID {
			got = append(got, e)
		}
	}
	if len(got) != 1 {
		t.Fatalf("events of %s: %+v, want one", in.ID, got)
	}
	if got[0] != in {
		t.Fatalf("event of %s: %+v, want %+v", in.ID, got[0], in)
	}
}

// notice is what the sweep.confirmed of the confirmed intent in must say.
func notice(t *testing.T, in coffer.SendIntent, kind string, scale int) coffer.SweepNotice {
	t.Helper()
	amount, _ := coffer.AmountFromBig(in.Amount)
	fee, _ := coffer.AmountFromBig(in.Fee)
	return coffer.SweepNotice{ID: in.ID, Kind: kind, Chain: "dev", From: in.From, To: in.To, Asset: in.Asset,
		Amount: amount.Format(scale), Status: "confirmed", TxHash: in.TxHash, BlockNumber: in.BlockNumber, GasUsed: in.GasUsed,
		Fee: fee.Format(18), FeeAsset: "ETH"}
}

// wantClean checks the ledger with ledger.Verify and the chain reconciliation at the head less
// the confirmations once the head is past everything: both clean, and every custody holding
// equal to the chain's balance.
func (f *fixture) wantClean(t *testing.T, addrs ...common.Address) {
	t.Helper()
	f.mine(t, confirmations+1)
	f.watch(t)
	rep, err := ledger.Verify(t.Context(), f.store)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if len(rep.Violations) != 0 {
		t.Fatalf("Verify: %+v", rep.Violations)
	}
	r := f.reconcile(t)
	if r.Status != coffer.ReconMatched {
		t.Fatalf("chain reconciliation %s: %+v", r.Status, r.Lines)
	}
	for _, a := range append(addrs, f.hot, f.gas) {
		if got, want := f.holding(t, a, "ETH"), f.balance(t, a); got.Cmp(want) != 0 {
			t.Errorf("%s: the ledger holds %s wei, the chain %s", a, got, want)
		}
		if got, want := f.holding(t, a, "USDT"), f.tokenBalance(t, a); got.Cmp(want) != 0 {
			t.Errorf("%s: the ledger holds %s USDT, the chain %s", a, got, want)
		}
	}
}

// TestTokenSweepWaitsForTopUp sweeps a deposit address's tokens: the gas wallet tops it up
// first, and the token transfer is neither queued nor sent while the top-up is mined but not
// yet confirmed; a restart between the steps sends nothing twice. After it the tokens are at
// the hot wallet, the owner's wallet is as it was, and the ledger and the chain agree.
func TestTokenSweepWaitsForTopUp(t *testing.T) {
	for _, kind := range testdb.Kinds() {
		t.Run(kind.Name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, kind, map[string]*big.Int{"USDT": big.NewInt(100_000_000)})
			f.fundGas(t, big.NewInt(1e18))
			a := f.address(t, "alice")
			f.fund(t, a, "USDT", big.NewInt(500_000_000))
			f.pass(t) // nothing credited yet: nothing to sweep
			if ins := f.sentFrom(t, f.gas); len(ins) != 0 {
				t.Fatalf("a top-up before the deposit was credited: %+v", ins)
			}
			f.mine(t, confirmations)
			f.watch(t)
			if got := f.wallet(t, "alice", "USDT"); got.Int64() != 500_000_000 {
				t.Fatalf("alice holds %s", got)
			}

			// The top-up is planned and sent; the token sweep waits for it.
			if p := f.pass(t); p.Planned != 1 {
				t.Fatalf("planned %d, want the top-up", p.Planned)
			}
			tops := f.sentFrom(t, f.gas)
			if len(tops) != 1 || tops[0].State != coffer.SendBroadcast || tops[0].To != strings.ToLower(a.Hex()) {
				t.Fatalf("top-ups: %+v", tops)
			}
			top := tops[0]
			want := new(big.Int).Mul(big.NewInt(sweep.GasTokenDefault), feeCap)
			if top.Amount.Cmp(want) != 0 {
				t.Fatalf("top-up of %s wei, want %s", top.Amount, want)
			}
			// Mined, then deep by one block less than the confirmations: the top-up is not
			// confirmed, and the token transfer is not queued, whatever the passes and restarts.
			for i := range confirmations - 1 {
				f.mine(t, 1)
				if i == 1 {
					f.restart(t)
				}
				f.pass(t)
				f.watch(t)
				if ins := f.sentFrom(t, a); len(ins) != 0 {
					t.Fatalf("block %d after the top-up: the token sweep went before the top-up was confirmed: %+v", i+1, ins)
				}
				if got := f.tokenBalance(t, a); got.Int64() != 500_000_000 {
					t.Fatalf("the deposit address holds %s", got)
				}
			}
			if in, _ := f.intent(t, top.ID); in.State != coffer.SendBroadcast {
				t.Fatalf("the top-up is %s before its confirmations", in.State)
			}
			if f.balance(t, a).Cmp(want) != 0 {
				t.Fatalf("the deposit address holds %s wei, want the top-up %s", f.balance(t, a), want)
			}
			if got := f.wallet(t, "alice", "ETH"); got.Sign() != 0 {
				t.Fatalf("the top-up was credited to alice: %s wei", got)
			}

			// The top-up's confirmation: the token sweep is queued, sent, confirmed.
			var sw coffer.SendIntent
			for range 3 * confirmations {
				f.mine(t, 1)
				f.pass(t)
				ins := f.sentFrom(t, a)
				if len(ins) > 1 {
					t.Fatalf("two sweeps from one address: %+v", ins)
				}
				if len(ins) == 1 && ins[0].State.Final() {
					sw = ins[0]
					break
				}
			}
			if sw.State != coffer.SendConfirmed {
				t.Fatalf("the sweep did not end confirmed: %+v", sw)
			}
			if in, _ := f.intent(t, top.ID); in.State != coffer.SendConfirmed || sw.ID != strings.TrimSuffix(top.ID, "/topup") {
				t.Fatalf("top-up %+v, sweep %s", in, sw.ID)
			}
			if got := f.tokenBalance(t, a); got.Sign() != 0 {
				t.Fatalf("the deposit address still holds %s", got)
			}
			if got := f.tokenBalance(t, f.hot); got.Int64() != 500_000_000 {
				t.Fatalf("the hot wallet holds %s", got)
			}
			if got := f.wallet(t, "alice", "USDT"); got.Int64() != 500_000_000 {
				t.Fatalf("the sweep changed alice's wallet: %s", got)
			}
			// Passes after it plan nothing more.
			for range 2 {
				f.mine(t, 1)
				if p := f.pass(t); p.Planned != 0 || p.InFlight != 0 {
					t.Fatalf("after the sweep: %+v", p)
				}
			}
			if n := len(f.sentFrom(t, f.gas)) + len(f.sentFrom(t, a)); n != 2 {
				t.Fatalf("%d intents, want the top-up and the sweep", n)
			}
			// One sweep.confirmed per mined move, nothing failed; each gas transfer says whose.
			top, _ = f.intent(t, top.ID)
			evs := f.sweepEvents(t)
			if len(evs) != 2 {
				t.Fatalf("sweep events %+v, want the top-up's and the sweep's", evs)
			}
			f.wantConfirmedEvent(t, evs, notice(t, top, ledger.MoveGasTop, 18))
			f.wantConfirmedEvent(t, evs, notice(t, sw, ledger.MoveSweep, devchain.TokenDecimals))
			if evs[1].Amount != "500.000000" {
				t.Fatalf("the sweep's amount %s", evs[1].Amount)
			}
			for id, label := range map[string]string{top.ID: "gas_topup", sw.ID: "sweep"} {
				g, err := f.store.Transfer(t.Context(), ledger.PayoutGasID(id))
				if err != nil || g.Metadata[label] != id || g.Metadata["payout"] != "" {
					t.Fatalf("the gas of %s: %+v, %v", id, g.Metadata, err)
				}
			}
			// The listing of the address's sweeps holds both; the payouts' none.
			ins, err := f.store.ListSendIntents(t.Context(), coffer.SendIntentQuery{IDPrefix: sweep.Prefix,
				Address: strings.ToLower(a.Hex())})
			if err != nil || len(ins) != 2 || ins[0].ID != sw.ID || ins[1].ID != top.ID {
				t.Fatalf("the address's sweeps: %+v, %v", ins, err)
			}
			if k, of := sweep.Kind(top.ID); k != ledger.MoveGasTop || of != sw.ID {
				t.Fatalf("Kind(%s) = %s, %s", top.ID, k, of)
			}
			if ins, err := f.store.ListSendIntents(t.Context(), coffer.SendIntentQuery{IDPrefixNot: sweep.Prefix}); err != nil || len(ins) != 0 {
				t.Fatalf("intents that are no sweeps: %+v, %v", ins, err)
			}
			f.wantClean(t, a)
		})
	}
}

// TestNativeSweep sweeps a deposit address's ether: the amount is its holding less 21000 gas at
// the fixed fee cap, so what stays is exactly what the chain charged below the cap, booked as
// the address's custody. The sweeper is stopped right after signing (as a crash would stop it)
// and restarted: the stored transaction is sent, once.
func TestNativeSweep(t *testing.T) {
	for _, kind := range testdb.Kinds() {
		t.Run(kind.Name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, kind, map[string]*big.Int{"ETH": big.NewInt(1e17)})
			f.fundGas(t, big.NewInt(1e16))
			deposit := new(big.Int).Mul(big.NewInt(2), big.NewInt(1e18))
			a := f.deposit(t, "bob", "ETH", deposit)

			ctx, cancel := context.WithCancel(t.Context())
			stopped := false
			f.cfg.Step = func(s send.Step, in coffer.SendIntent) {
				if s == send.StepSigned && !stopped {
					stopped = true
					cancel()
				}
			}
			f.restart(t)
			if _, err := f.s.Pass(ctx, f.fence); !errors.Is(err, context.Canceled) || !stopped {
				t.Fatalf("the pass stopped after signing returned %v (stopped %v)", err, stopped)
			}
			f.cfg.Step = nil
			f.restart(t)
			var sw coffer.SendIntent
			for range 3 * confirmations {
				f.pass(t)
				ins := f.sentFrom(t, a)
				if len(ins) != 1 {
					t.Fatalf("sweeps: %+v", ins)
				}
				if sw = ins[0]; sw.State.Final() {
					break
				}
				f.mine(t, 1)
			}
			if sw.State != coffer.SendConfirmed {
				t.Fatalf("the sweep did not end confirmed: %+v", sw)
			}
			atts, err := f.store.SendAttempts(t.Context(), sw.ID)
			if err != nil || len(atts) != 1 {
				t.Fatalf("attempts %+v, %v", atts, err)
			}
			want := new(big.Int).Sub(deposit, new(big.Int).Mul(big.NewInt(21_000), feeCap))
			if sw.Amount.Cmp(want) != 0 || f.balance(t, f.hot).Cmp(want) != 0 {
				t.Fatalf("swept %s, the hot wallet holds %s; want %s", sw.Amount, f.balance(t, f.hot), want)
			}
			rc, err := f.dev.Client().TransactionReceipt(t.Context(), common.HexToHash(sw.TxHash))
			if err != nil {
				t.Fatal(err)
			}
			// What stays is the fee the cap reserved and the chain did not charge.
			left := new(big.Int).Mul(big.NewInt(21_000), new(big.Int).Sub(feeCap, rc.EffectiveGasPrice))
			if got := f.balance(t, a); got.Cmp(left) != 0 {
				t.Fatalf("the deposit address holds %s wei, want %s", got, left)
			}
			if got := f.wallet(t, "bob", "ETH"); got.Cmp(deposit) != 0 {
				t.Fatalf("the sweep changed bob's wallet: %s", got)
			}
			evs := f.sweepEvents(t)
			if len(evs) != 1 {
				t.Fatalf("sweep events %+v, want the sweep's", evs)
			}
			f.wantConfirmedEvent(t, evs, notice(t, sw, ledger.MoveSweep, 18))
			f.wantClean(t, a)
		})
	}
}

// TestNativeSweepToContract sweeps ether to a destination that refuses it (a token contract,
// without a payable fallback): the sweep is abandoned before anything is signed, with a
// sweep.failed event that says why, and is not planned again for the same holding. The ether
// stays at the deposit address, booked nowhere else, and the ledger and the chain agree.
func TestNativeSweepToContract(t *testing.T) {
	for _, kind := range testdb.Kinds() {
		t.Run(kind.Name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, kind, map[string]*big.Int{"ETH": big.NewInt(1e17)})
			f.cfg.To = f.dev.Token()
			f.restart(t)
			f.fundGas(t, big.NewInt(1e16))
			deposit := big.NewInt(1e18)
			a := f.deposit(t, "carol", "ETH", deposit)

			if p := f.pass(t); p.Planned != 1 {
				t.Fatalf("planned %d, want the sweep", p.Planned)
			}
			ins := f.sentFrom(t, a)
			if len(ins) != 1 || ins[0].State != coffer.SendFailed || ins[0].TxHash != "" ||
				!strings.Contains(ins[0].Reason, "refuses ether") {
				t.Fatalf("the sweep to a contract: %+v", ins)
			}
			sw := ins[0]
			if atts, err := f.store.SendAttempts(t.Context(), sw.ID); err != nil || len(atts) != 0 {
				t.Fatalf("attempts %+v, %v", atts, err)
			}
			evs := f.sweepEvents(t)
			amount, _ := coffer.AmountFromBig(sw.Amount)
			want := coffer.SweepNotice{ID: sw.ID, Kind: ledger.MoveSweep, Chain: "dev", From: sw.From, To: sw.To, Asset: "ETH",
				Amount: amount.Format(18), Status: "failed", Reason: sw.Reason}
			if len(evs) != 1 || evs[0] != want {
				t.Fatalf("sweep events %+v, want %+v", evs, want)
			}
			if _, err := f.store.Transfer(t.Context(), sw.ID); coffer.ErrorCode(err) != coffer.ENOTFOUND {
				t.Fatalf("the abandoned sweep moved custody: %v", err)
			}
			// Later passes plan nothing for the same holding, and send nothing.
			for range 2 {
				f.mine(t, 1)
				if p := f.pass(t); p.Planned != 0 || p.InFlight != 0 {
					t.Fatalf("after the abandoned sweep: %+v", p)
				}
			}
			if got := f.balance(t, a); got.Cmp(deposit) != 0 {
				t.Fatalf("the deposit address holds %s wei, want %s", got, deposit)
			}
			if got := f.holding(t, a, "ETH"); got.Cmp(deposit) != 0 {
				t.Fatalf("the ledger holds %s wei at the deposit address, want %s", got, deposit)
			}
			if n := len(f.sweepEvents(t)); n != 1 {
				t.Fatalf("%d sweep events, want the one failure", n)
			}
			f.wantClean(t, a)
		})
	}
}
