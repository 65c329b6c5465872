package testtoken_test

import (
	"crypto/ecdsa"
	"math/big"
	"testing"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient/simulated"

	"github.com/cofferhq/coffer/chain/testtoken"
)

// chainID is the simulated backend's.
var chainID = big.NewInt(1337)

// account is a key funded with ether on the test chain.
type account struct {
	key  *ecdsa.PrivateKey
	addr common.Address
}

func (a account) opts(t *testing.T) *bind.TransactOpts {
	o := bind.NewKeyedTransactor(a.key, chainID)
	o.Context = t.Context()
	return o
}

// setup starts a simulated chain with two accounts funded with ether: the token's owner, who
// deploys it, and another.
func setup(t *testing.T) (sim *simulated.Backend, owner, other account) {
	t.Helper()
	var accounts [2]account
	alloc := types.GenesisAlloc{}
	for i := range accounts {
		key, err := crypto.GenerateKey()
		if err != nil {
			t.Fatal(err)
		}
		accounts[i] = account{key, crypto.PubkeyToAddress(key.PublicKey)}
		alloc[accounts[i].addr] = types.Account{Balance: big.NewInt(1e18)}
	}
	sim = simulated.NewBackend(alloc)
	t.Cleanup(func() { sim.Close() })
	return sim, accounts[0], accounts[1]
}

// mined commits a block and returns tx's receipt.
func mined(t *testing.T, sim *simulated.Backend, tx *types.Transaction) *types.Receipt {
	t.Helper()
	sim.Commit()
	r, err := sim.Client().TransactionReceipt(t.Context(), tx.Hash())
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// minedOK commits a block and checks that tx succeeded in it.
func minedOK(t *testing.T, sim *simulated.Backend, tx *types.Transaction) *types.Receipt {
	t.Helper()
	r := mined(t, sim, tx)
	if r.Status != types.ReceiptStatusSuccessful {
		t.Fatalf("transaction %s failed", tx.Hash())
	}
	return r
}

func deploy(t *testing.T, sim *simulated.Backend, owner account, bin string, constructor []byte) common.Address {
	t.Helper()
	addr, tx, err := bind.DeployContract(owner.opts(t), common.FromHex(bin), sim.Client(), constructor)
	if err != nil {
		t.Fatal(err)
	}
	minedOK(t, sim, tx)
	return addr
}

// TestNoReturnTokenTransfer checks the token that behaves as USDT does on Ethereum: its
// transfer returns no data at all, and still moves the balances and logs a standard Transfer.
func TestNoReturnTokenTransfer(t *testing.T) {
	t.Parallel()
	sim, owner, other := setup(t)
	client := sim.Client()
	token := testtoken.NewNoReturnToken()
	addr := deploy(t, sim, owner, testtoken.NoReturnTokenMetaData.Bin, token.PackConstructor("No Return USD", "NRT", 6))
	instance := token.Instance(client, addr)
	minedOK(t, sim, transact(t, instance, owner.opts(t), token.PackMint(owner.addr, big.NewInt(1_000))))

	transfer := token.PackTransfer(other.addr, big.NewInt(250))
	out, err := client.CallContract(t.Context(), ethereum.CallMsg{From: owner.addr, To: &addr, Data: transfer}, nil)
	if err != nil || len(out) != 0 {
		t.Fatalf("transfer returned %x (%v), want no data", out, err)
	}
	r := minedOK(t, sim, transact(t, instance, owner.opts(t), transfer))
	if len(r.Logs) != 1 {
		t.Fatalf("%d logs, want 1", len(r.Logs))
	}
	ev, err := token.UnpackTransferEvent(r.Logs[0])
	if err != nil {
		t.Fatal(err)
	}
	if r.Logs[0].Address != addr || ev.From != owner.addr || ev.To != other.addr || ev.Value.Int64() != 250 {
		t.Errorf("%s logged Transfer(%s, %s, %v), want the token to log Transfer(%s, %s, 250)",
			r.Logs[0].Address, ev.From, ev.To, ev.Value, owner.addr, other.addr)
	}
	for _, want := range []struct {
		who     common.Address
		balance int64
	}{{owner.addr, 750}, {other.addr, 250}} {
		got, err := bind.Call(instance, nil, token.PackBalanceOf(want.who), token.UnpackBalanceOf)
		if err != nil || got.Int64() != want.balance {
			t.Errorf("balance of %s: %v (%v), want %d", want.who, got, err, want.balance)
		}
	}
}

// TestCofferTestTokenRules checks what the dev chain relies on besides a plain transfer: only
// the owner mints, a transfer cannot overdraw, and transferFrom spends an allowance.
func TestCofferTestTokenRules(t *testing.T) {
	t.Parallel()
	sim, owner, other := setup(t)
	token := testtoken.NewCofferTestToken()
	addr := deploy(t, sim, owner, testtoken.CofferTestTokenMetaData.Bin, token.PackConstructor("Coffer Test USD", "USDT", 6))
	instance := token.Instance(sim.Client(), addr)
	balance := func(who common.Address) int64 {
		t.Helper()
		got, err := bind.Call(instance, nil, token.PackBalanceOf(who), token.UnpackBalanceOf)
		if err != nil {
			t.Fatal(err)
		}
		return got.Int64()
	}

	out, err := sim.Client().CallContract(t.Context(), ethereum.CallMsg{From: owner.addr, To: &addr, Data: token.PackTransfer(other.addr, new(big.Int))}, nil)
	if ok, uerr := token.UnpackTransfer(out); err != nil || uerr != nil || !ok {
		t.Fatalf("transfer returned %x (%v, %v), want true", out, err, uerr)
	}
	if _, err := bind.Transact(instance, other.opts(t), token.PackMint(other.addr, big.NewInt(1))); err == nil {
		t.Fatal("a mint by another than the owner was sent; its gas estimate should have failed on the revert")
	}
	minedOK(t, sim, transact(t, instance, owner.opts(t), token.PackMint(owner.addr, big.NewInt(100))))

	// An overdraft reverts: sent with a fixed gas limit, past the estimate, it fails in a block.
	opts := owner.opts(t)
	opts.GasLimit = 100_000
	if r := mined(t, sim, transact(t, instance, opts, token.PackTransfer(other.addr, big.NewInt(101)))); r.Status != types.ReceiptStatusFailed {
		t.Fatal("a transfer of more than the balance succeeded")
	}

	minedOK(t, sim, transact(t, instance, owner.opts(t), token.PackApprove(other.addr, big.NewInt(30))))
	r := minedOK(t, sim, transact(t, instance, other.opts(t), token.PackTransferFrom(owner.addr, other.addr, big.NewInt(20))))
	if len(r.Logs) != 1 {
		t.Fatalf("transferFrom logged %d events, want 1", len(r.Logs))
	}
	if ev, err := token.UnpackTransferEvent(r.Logs[0]); err != nil || ev.From != owner.addr || ev.To != other.addr || ev.Value.Int64() != 20 {
		t.Errorf("transferFrom logged %+v (%v)", ev, err)
	}
	left, err := bind.Call(instance, nil, token.PackAllowance(owner.addr, other.addr), token.UnpackAllowance)
	if err != nil || left.Int64() != 10 {
		t.Errorf("allowance left %v (%v), want 10", left, err)
	}
	if b := balance(owner.addr); b != 80 {
		t.Errorf("owner holds %d, want 80", b)
	}
	if b := balance(other.addr); b != 20 {
		t.Errorf("other holds %d, want 20", b)
	}
}

// transact sends data to the token, signed by opts' key, and fails the test if it cannot.
func transact(t *testing.T, instance *bind.BoundContract, opts *bind.TransactOpts, data []byte) *types.Transaction {
	t.Helper()
	tx, err := bind.Transact(instance, opts, data)
	if err != nil {
		t.Fatal(err)
	}
	return tx
}
