package send

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/core/vm"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/rpc"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/chain"
	"github.com/cofferhq/coffer/chain/testtoken"
)

// transferTopic is the ERC-20 Transfer event's topic.
var transferTopic = crypto.Keccak256Hash([]byte("Transfer(address,address,uint256)"))

// erc20 packs transfer(to, value); only its ABI is used, which every ERC-20 token shares.
var erc20 = testtoken.NewCofferTestToken()

// passState is what one pass reads once and shares between its intents.
type passState struct {
	fence     coffer.Fence
	head      *types.Header
	mined     uint64   // the address's nonce at the head: its transactions mined
	suggested *big.Int // the node's tip
	reserved  *big.Int // what the transactions in flight and not mined may still spend, in wei
	// tokens is, per token contract (lowercase hex), what the transactions in flight and not
	// mined may still move of it; sendQueued turns it into what is left to send, when
	// Config.CheckTokens.
	tokens map[string]*big.Int
	// sent are the intents whose attempts a node took in this pass, marked broadcast in the
	// store together at its end (flush): one commit for all, where a commit each was most of a
	// pass's time. A crash before the flush leaves them signed, and the next pass sends them
	// again, which a node answers "already known".
	sent []sentAttempt
}

// sentAttempt is an attempt a node took, not yet marked broadcast.
type sentAttempt struct {
	in     coffer.SendIntent
	txHash string
}

// Pass follows every intent in flight, then sends the queued and waiting intents that the
// balance covers, oldest first (a large intent waiting for funds does not hold back smaller
// ones). An error with one intent does not stop the others; Pass returns them all, joined.
func (s *Sender) Pass(ctx context.Context, fence coffer.Fence) (Progress, error) {
	p := Progress{Chain: s.cfg.Chain.Name, From: s.fromHex, At: s.cfg.Now().UTC()}
	if !s.checked {
		var id *big.Int
		if err := s.call(ctx, func(ctx context.Context) (err error) { id, err = s.cfg.Client.ChainID(ctx); return }); err != nil {
			return p, fmt.Errorf("chain id: %w", err)
		}
		if id.Cmp(s.chainID) != 0 {
			return p, fmt.Errorf("send %s: the node's chain id is %s, not %s", s.cfg.Chain.Name, id, s.chainID)
		}
		s.checked = true
	}
	ps := &passState{fence: fence, reserved: new(big.Int), tokens: map[string]*big.Int{}}
	err := s.call(ctx, func(ctx context.Context) (err error) {
		if ps.head, err = s.cfg.Client.HeaderByNumber(ctx, nil); err != nil {
			return fmt.Errorf("head: %w", err)
		}
		if ps.head.BaseFee == nil {
			return fmt.Errorf("send %s: the head has no base fee: the chain does not take EIP-1559 transactions", s.cfg.Chain.Name)
		}
		if ps.mined, err = s.cfg.Client.NonceAt(ctx, s.from, ps.head.Number); err != nil {
			return fmt.Errorf("nonce: %w", err)
		}
		if ps.suggested, err = s.cfg.Client.SuggestGasTipCap(ctx); err != nil {
			return fmt.Errorf("suggested tip: %w", err)
		}
		return nil
	})
	if err != nil {
		return p, err
	}
	p.Head = ps.head.Number.Uint64()

	flying, err := s.cfg.Store.SendIntents(ctx, coffer.SendFilter{Chain: s.cfg.Chain.Name, From: s.fromHex,
		States: []coffer.SendState{coffer.SendSigned, coffer.SendBroadcast}, Limit: InFlightMax})
	if err != nil {
		return p, err
	}
	// In nonce order, so that a lost nonce is sent again before the ones after it.
	slices.SortFunc(flying, func(a, b coffer.SendIntent) int { return cmp.Compare(a.Nonce, b.Nonce) })
	var errs []error
	for _, in := range flying {
		atCap, ended, err := s.follow(ctx, ps, in)
		if ctx.Err() != nil {
			return p, ctx.Err()
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("intent %s: %w", in.ID, err))
		}
		if atCap {
			p.AtFeeCap++
		}
		if !ended {
			p.InFlight++
		}
	}

	queued, err := s.cfg.Store.SendIntents(ctx, coffer.SendFilter{Chain: s.cfg.Chain.Name, From: s.fromHex,
		States: []coffer.SendState{coffer.SendQueued, coffer.SendWaitingFunds}, Limit: coffer.ListRowsMax})
	switch {
	case err != nil:
		errs = append(errs, err)
	case len(queued) > 0:
		if err := s.sendQueued(ctx, ps, queued, &p); err != nil {
			errs = append(errs, err)
		}
	}
	if ctx.Err() != nil {
		return p, ctx.Err()
	}
	if err := s.flush(ctx, ps); err != nil {
		errs = append(errs, err)
	}
	if ctx.Err() != nil {
		return p, ctx.Err()
	}
	return p, errors.Join(errs...)
}

// flush marks the attempts sent in the pass broadcast, in one write.
func (s *Sender) flush(ctx context.Context, ps *passState) error {
	if len(ps.sent) == 0 {
		return nil
	}
	hashes := make([]string, len(ps.sent))
	for i, a := range ps.sent {
		hashes[i] = a.txHash
	}
	if err := s.cfg.Store.MarkSendBroadcast(ctx, hashes, ps.head.Number.Uint64()); err != nil {
		return err
	}
	for _, a := range ps.sent {
		a.in.State = coffer.SendBroadcast
		s.step(StepMarked, a.in)
	}
	ps.sent = nil
	return nil
}

// sendQueued sends the queued intents the balance covers, and marks the others waiting.
func (s *Sender) sendQueued(ctx context.Context, ps *passState, queued []coffer.SendIntent, p *Progress) error {
	var (
		balance                *big.Int
		pending, stored, nonce uint64
	)
	err := s.call(ctx, func(ctx context.Context) (err error) {
		if balance, err = s.cfg.Client.BalanceAt(ctx, s.from, ps.head.Number); err != nil {
			return fmt.Errorf("balance: %w", err)
		}
		if pending, err = s.cfg.Client.PendingNonceAt(ctx, s.from); err != nil {
			return fmt.Errorf("pending nonce: %w", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if stored, err = s.cfg.Store.SendNonceNext(ctx, s.cfg.Chain.Name, s.fromHex); err != nil {
		return err
	}
	nonce = max(stored, pending)
	if pending > stored {
		// Only Coffer should send from the address: a higher pending nonce is someone else's
		// transaction (or a store that lost its rows). The nonces in between are not ours to fill.
		s.cfg.Logger.Warn("chain send: the node's pending nonce is past the store's", "chain", s.cfg.Chain.Name,
			"from", s.fromHex, "pending", pending, "stored", stored)
	}
	available := new(big.Int).Sub(balance, ps.reserved)
	if s.cfg.CheckTokens {
		if err := s.tokenBalances(ctx, ps, queued); err != nil {
			return err
		}
	}
	var errs []error
	for _, in := range queued {
		if p.InFlight >= InFlightMax {
			p.Queued++
			continue
		}
		sent, abandoned, err := s.start(ctx, ps, in, available, &nonce)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("intent %s: %w", in.ID, err))
		}
		switch {
		case abandoned && err == nil:
		case sent:
			p.InFlight++ // signed, whether or not the broadcast failed: the next pass sends it
		case err != nil:
			p.Queued++
		default:
			p.WaitingFunds++
			if len(p.Waiting) < waitingShown {
				p.Waiting = append(p.Waiting, in.ID)
			}
		}
	}
	return errors.Join(errs...)
}

// token returns what ps keeps of the token contract.
func (ps *passState) token(contract string) *big.Int {
	v := ps.tokens[contract]
	if v == nil {
		v = new(big.Int)
		ps.tokens[contract] = v
	}
	return v
}

// tokenBalances reads the address's balance of each token the queued intents send, at the
// head, and leaves in ps.tokens what is left of it after the transactions in flight.
func (s *Sender) tokenBalances(ctx context.Context, ps *passState, queued []coffer.SendIntent) error {
	done := map[string]bool{}
	for _, in := range queued {
		if in.Contract == "" || done[in.Contract] {
			continue
		}
		done[in.Contract] = true
		contract := common.HexToAddress(in.Contract)
		var out []byte
		err := s.call(ctx, func(ctx context.Context) (err error) {
			out, err = s.cfg.Client.CallContract(ctx, ethereum.CallMsg{To: &contract, Data: erc20.PackBalanceOf(s.from)}, ps.head.Number)
			return err
		})
		if err != nil {
			return fmt.Errorf("token %s: balance: %w", in.Contract, err)
		}
		balance, err := erc20.UnpackBalanceOf(out)
		if err != nil {
			return fmt.Errorf("token %s: balance: %w", in.Contract, err)
		}
		left := ps.token(in.Contract)
		left.Sub(balance, left)
	}
	return nil
}

// payload returns the transaction's recipient, value and data for in: the recipient and the
// amount for the native coin, the token's transfer(to, amount) for a token.
func payload(in coffer.SendIntent) (to common.Address, value *big.Int, data []byte) {
	if in.Contract == "" {
		return common.HexToAddress(in.To), new(big.Int).Set(in.Amount), nil
	}
	return common.HexToAddress(in.Contract), new(big.Int), erc20.PackTransfer(common.HexToAddress(in.To), in.Amount)
}

// start sends a queued intent if available covers it, taking the nonce *nonce and moving it on.
// It reports whether it signed, and whether it abandoned the intent (FeeCapFixed: a native
// transfer that cannot be sent at its fixed cost); when neither, and without error, the intent
// waits for funds.
func (s *Sender) start(ctx context.Context, ps *passState, in coffer.SendIntent, available *big.Int, nonce *uint64) (sent, abandoned bool, err error) {
	to, value, data := payload(in)
	fees := initialFees(ps.head.BaseFee, ps.suggested, s.cfg.FeeCapMax)
	if s.cfg.FeeCapFixed {
		fees = capped(Fees{FeeCap: new(big.Int).Set(s.cfg.FeeCapMax), Tip: new(big.Int).Set(ps.suggested)}, s.cfg.FeeCapMax)
	}
	var estimate uint64
	if in.Contract != "" && s.cfg.GasToken > 0 {
		estimate = s.cfg.GasToken
	} else {
		err = s.call(ctx, func(ctx context.Context) (err error) {
			// No fee fields: a node would refuse the estimate of an address that cannot pay them,
			// which is the balance check's to judge, below.
			estimate, err = s.cfg.Client.EstimateGas(ctx, ethereum.CallMsg{From: s.from, To: &to, Value: value, Data: data})
			return err
		})
	}
	if s.cfg.FeeCapFixed && in.Contract == "" {
		if reason := fixedNativeRefused(estimate, err); reason != "" {
			return false, true, s.abandon(ctx, ps, in, reason)
		}
	}
	gas := estimate
	switch {
	case err == nil && (estimate == gasNative || in.Contract != "" && s.cfg.GasToken > 0):
	case err == nil:
		gas = estimate + estimate*uint64(s.cfg.GasMarginPercent)/100
	case in.Contract != "" && reverted(err):
		gas = gasRevertedDefault
	case in.Contract == "" && value.Cmp(available) > 0:
		// The node refuses to estimate a transfer of more than the balance: it waits.
		gas = gasNative
	default:
		return false, false, fmt.Errorf("estimate gas: %w", err)
	}
	if estimate > s.cfg.GasMax {
		return false, false, fmt.Errorf("the transfer needs %d gas, above the cap of %d", estimate, s.cfg.GasMax)
	}
	gas = min(gas, s.cfg.GasMax)
	need := new(big.Int).Mul(new(big.Int).SetUint64(gas), fees.FeeCap)
	need.Add(need, value)
	short := need.Cmp(available) > 0
	if s.cfg.CheckTokens && in.Contract != "" && in.Amount.Cmp(ps.token(in.Contract)) > 0 {
		short = true
	}
	if short {
		if in.State != coffer.SendWaitingFunds {
			if err := s.cfg.Store.SetSendState(ctx, in.ID, []coffer.SendState{coffer.SendQueued}, coffer.SendWaitingFunds, ps.fence); err != nil {
				return false, false, err
			}
			in.State = coffer.SendWaitingFunds
			s.step(StepWaiting, in)
		}
		return false, false, nil
	}
	s.step(StepChecked, in)
	in.Nonce = *nonce
	tx, a, err := s.sign(in, &types.DynamicFeeTx{
		ChainID: s.chainID, Nonce: in.Nonce, GasTipCap: fees.Tip, GasFeeCap: fees.FeeCap, Gas: gas, To: &to, Value: value, Data: data,
	})
	if err != nil {
		return false, false, err
	}
	if err := s.cfg.Store.AddSendAttempt(ctx, a, ps.fence); err != nil {
		if coffer.ErrorCode(err) == coffer.ECONFLICT {
			// Cancelled meanwhile, or the nonce taken: the next pass reads both afresh.
			if next, nerr := s.cfg.Store.SendNonceNext(ctx, s.cfg.Chain.Name, s.fromHex); nerr == nil {
				*nonce = max(*nonce, next)
			}
		}
		return false, false, err
	}
	*nonce++
	available.Sub(available, need)
	if s.cfg.CheckTokens && in.Contract != "" {
		ps.token(in.Contract).Sub(ps.token(in.Contract), in.Amount)
	}
	ps.reserved.Add(ps.reserved, need)
	in.State = coffer.SendSigned
	s.step(StepSigned, in)
	return true, false, s.broadcast(ctx, ps, in, a, tx)
}

// fixedNativeRefused returns why a native intent of a FeeCapFixed sender cannot be sent, from
// the estimate of its transfer: its amount leaves out only a value transfer's 21000 gas, so a
// recipient whose transfer needs more (a contract's code runs) or refuses it (reverts) would
// keep it waiting for funds for ever. "" when it can be sent, or when err says nothing of the
// recipient (a node's failure: the next pass asks again).
func fixedNativeRefused(estimate uint64, err error) string {
	switch {
	case err == nil && estimate != gasNative:
		return fmt.Sprintf("the recipient is a contract: its transfer needs %d gas, not the %d of a plain transfer the amount leaves room for", estimate, gasNative)
	case err != nil && (reverted(err) || strings.Contains(err.Error(), vm.ErrExecutionReverted.Error())):
		return "the recipient refuses ether: the transfer's estimate reverted"
	}
	return ""
}

// abandon ends a queued intent that can never be sent as it must be: the Ledger is told (as a
// failure without a transaction), then the store, so that a crash in between tells the Ledger
// again at the next pass.
func (s *Sender) abandon(ctx context.Context, ps *passState, in coffer.SendIntent, reason string) error {
	if err := s.cfg.Ledger.Failed(ctx, in, Outcome{Reason: reason}); err != nil {
		return fmt.Errorf("ledger: %w", err)
	}
	if err := s.cfg.Store.AbandonSendIntent(ctx, in.ID, reason, ps.fence); err != nil {
		return err
	}
	in.State, in.Reason = coffer.SendFailed, reason
	s.step(StepAbandoned, in) // the Ledger, told the reason, reports it
	return nil
}

// sign signs d with the sender's key and returns the transaction and its attempt.
func (s *Sender) sign(in coffer.SendIntent, d *types.DynamicFeeTx) (*types.Transaction, coffer.SendAttempt, error) {
	tx, err := types.SignNewTx(s.cfg.Key, types.LatestSignerForChainID(s.chainID), d)
	if err != nil {
		return nil, coffer.SendAttempt{}, fmt.Errorf("sign: %w", err)
	}
	raw, err := tx.MarshalBinary()
	if err != nil {
		return nil, coffer.SendAttempt{}, fmt.Errorf("encode: %w", err)
	}
	return tx, coffer.SendAttempt{
		TxHash: tx.Hash().Hex(), IntentID: in.ID, Chain: in.Chain, From: in.From, Nonce: d.Nonce, Raw: raw,
		GasFeeCap: new(big.Int).Set(d.GasFeeCap), GasTipCap: new(big.Int).Set(d.GasTipCap), Gas: d.Gas,
		State: coffer.AttemptSigned,
	}, nil
}

// broadcast sends the attempt's transaction and notes that a node took it, for flush. The node's
// refusals that mean the transaction or one of its nonce is known are no failures: the next
// pass reads the chain. A call that timed out may or may not have reached the node: the next
// pass asks the node for the hash and sends again if it does not know it.
func (s *Sender) broadcast(ctx context.Context, ps *passState, in coffer.SendIntent, a coffer.SendAttempt, tx *types.Transaction) error {
	err := s.call(ctx, func(ctx context.Context) error { return s.cfg.Client.SendTransaction(ctx, tx) })
	switch refusal(err) {
	case errKnown:
	case errNonceLow, errUnderpriced:
		s.cfg.Logger.Info("chain send: the node holds another transaction of the nonce", "chain", s.cfg.Chain.Name,
			"intent", in.ID, "nonce", a.Nonce, "tx", a.TxHash, "answer", err.Error())
		return nil
	case errFunds:
		s.cfg.Logger.Info("chain send: the node does not see the funds yet", "chain", s.cfg.Chain.Name,
			"intent", in.ID, "nonce", a.Nonce, "tx", a.TxHash)
		return nil
	default:
		if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
			s.cfg.Logger.Info("chain send: broadcast timed out", "chain", s.cfg.Chain.Name, "intent", in.ID, "tx", a.TxHash)
			return nil
		}
		if err != nil {
			return fmt.Errorf("broadcast %s: %w", a.TxHash, err)
		}
	}
	s.step(StepSent, in)
	ps.sent = append(ps.sent, sentAttempt{in: in, txHash: a.TxHash})
	return nil
}

// follow looks after an intent in flight: ends it once an attempt is mined deep enough, sends
// its newest attempt again when the node does not know it, replaces it when it is due. It
// reports whether the fees are at FeeCapMax and whether the intent ended; it adds to
// ps.reserved what the intent may still spend.
func (s *Sender) follow(ctx context.Context, ps *passState, in coffer.SendIntent) (atCap, ended bool, err error) {
	as, err := s.cfg.Store.SendAttempts(ctx, in.ID)
	if err != nil {
		return false, false, err
	}
	if len(as) == 0 {
		return false, false, fmt.Errorf("send intent %s is %s without an attempt", in.ID, in.State)
	}
	// Any attempt may be the mined one; the newest most likely.
	for i := len(as) - 1; i >= 0; i-- {
		r, err := s.minedReceipt(ctx, as[i])
		if err != nil {
			return false, false, err
		}
		if r == nil {
			continue
		}
		if r.BlockNumber.Uint64()+s.cfg.Chain.Confirmations > ps.head.Number.Uint64()+1 {
			return false, false, nil // mined, not yet deep: the balance shows what it spent
		}
		err = s.finish(ctx, ps, in, as[i], r)
		return false, err == nil, err
	}
	newest := as[len(as)-1]
	tx := new(types.Transaction)
	if err := tx.UnmarshalBinary(newest.Raw); err != nil {
		return false, false, fmt.Errorf("attempt %s: decode: %w", newest.TxHash, err)
	}
	ps.reserved.Add(ps.reserved, cost(tx))
	if in.Contract != "" {
		ps.token(in.Contract).Add(ps.token(in.Contract), in.Amount)
	}
	if in.Nonce < ps.mined {
		// The nonce is used, yet no attempt of the intent is in the canonical chain: a reorg is
		// under way, or another transaction of the address took it (the key is used outside
		// Coffer). Neither is safe to act on: the intent stays in flight, reported.
		return false, false, fmt.Errorf("nonce %d is used on the chain, by none of the intent's %d attempts", in.Nonce, len(as))
	}
	known := true
	if newest.State == coffer.AttemptBroadcast {
		err := s.call(ctx, func(ctx context.Context) error {
			_, _, err := s.cfg.Client.TransactionByHash(ctx, tx.Hash())
			return err
		})
		switch {
		case notFound(err):
			known = false
		case err != nil:
			return false, false, fmt.Errorf("look up %s: %w", newest.TxHash, err)
		}
	}
	if newest.State == coffer.AttemptSigned || !known {
		// Never sent, or lost by the node (a nonce gap when a later nonce is there): the same
		// bytes again.
		return false, false, s.broadcast(ctx, ps, in, newest, tx)
	}
	if ps.head.Number.Uint64() < newest.SentBlock+s.cfg.BumpBlocks {
		return false, false, nil
	}
	if s.cfg.FeeCapFixed {
		return true, false, nil // its fees cannot rise: it waits for the base fee to allow it
	}
	s.step(StepReplacing, in)
	fees, ok := bumped(Fees{FeeCap: newest.GasFeeCap, Tip: newest.GasTipCap}, ps.head.BaseFee, ps.suggested,
		s.cfg.FeeCapMax, s.cfg.BumpPercent, replacePercent)
	if !ok {
		return true, false, nil
	}
	next, a, err := s.sign(in, &types.DynamicFeeTx{
		ChainID: s.chainID, Nonce: in.Nonce, GasTipCap: fees.Tip, GasFeeCap: fees.FeeCap, Gas: tx.Gas(),
		To: tx.To(), Value: tx.Value(), Data: tx.Data(),
	})
	if err != nil {
		return false, false, err
	}
	if err := s.cfg.Store.AddSendAttempt(ctx, a, ps.fence); err != nil {
		return false, false, err
	}
	ps.reserved.Add(ps.reserved, new(big.Int).Sub(cost(next), cost(tx)))
	s.step(StepSigned, in)
	return false, false, s.broadcast(ctx, ps, in, a, next)
}

// cost is the most tx may spend: its value and its gas at its fee cap.
func cost(tx *types.Transaction) *big.Int {
	c := new(big.Int).Mul(new(big.Int).SetUint64(tx.Gas()), tx.GasFeeCap())
	return c.Add(c, tx.Value())
}

// minedReceipt returns the attempt's receipt if it is in the canonical chain, else nil.
func (s *Sender) minedReceipt(ctx context.Context, a coffer.SendAttempt) (*types.Receipt, error) {
	var r *types.Receipt
	err := s.call(ctx, func(ctx context.Context) (err error) {
		r, err = s.cfg.Client.TransactionReceipt(ctx, common.HexToHash(a.TxHash))
		return err
	})
	if notFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("receipt of %s: %w", a.TxHash, err)
	}
	// A receipt from a block a reorg abandoned is not an end.
	var h *types.Header
	err = s.call(ctx, func(ctx context.Context) (err error) {
		h, err = s.cfg.Client.HeaderByNumber(ctx, r.BlockNumber)
		return err
	})
	if notFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("header %s: %w", r.BlockNumber, err)
	}
	if h.Hash() != r.BlockHash {
		return nil, nil
	}
	return r, nil
}

// finish ends the intent by the mined attempt a: the Ledger is told, then the store.
func (s *Sender) finish(ctx context.Context, ps *passState, in coffer.SendIntent, a coffer.SendAttempt, r *types.Receipt) error {
	tx := new(types.Transaction)
	if err := tx.UnmarshalBinary(a.Raw); err != nil {
		return fmt.Errorf("attempt %s: decode: %w", a.TxHash, err)
	}
	price := r.EffectiveGasPrice
	if price == nil {
		// A node that leaves it out: the price a block of that base fee charged.
		h, err := s.cfg.Client.HeaderByNumber(ctx, r.BlockNumber)
		if err != nil {
			return fmt.Errorf("header %s: %w", r.BlockNumber, err)
		}
		price = new(big.Int).Add(h.BaseFee, tx.GasTipCap())
		price = min256(price, tx.GasFeeCap())
	}
	out := Outcome{
		TxHash: a.TxHash, BlockNumber: r.BlockNumber.Uint64(), GasUsed: r.GasUsed, EffectiveGasPrice: new(big.Int).Set(price),
		Fee: new(big.Int).Mul(new(big.Int).SetUint64(r.GasUsed), price),
	}
	in.State = coffer.SendConfirmed
	switch {
	case r.Status != types.ReceiptStatusSuccessful:
		out.Reverted = true
		in.State, out.Reason = coffer.SendFailed, s.revertReason(ctx, tx, r.BlockNumber)
	case in.Contract != "" && !transferLogged(r, in):
		in.State, out.Reason = coffer.SendFailed, "the transaction succeeded but logged no Transfer of the amount to the recipient"
	}
	s.step(StepMined, in)
	var err error
	if in.State == coffer.SendConfirmed {
		err = s.cfg.Ledger.Confirmed(ctx, in, out)
	} else {
		err = s.cfg.Ledger.Failed(ctx, in, out)
	}
	if err != nil {
		return fmt.Errorf("ledger: %w", err)
	}
	s.step(StepCalled, in)
	in.TxHash, in.BlockNumber, in.GasUsed, in.Fee, in.Reason = out.TxHash, out.BlockNumber, out.GasUsed, out.Fee, out.Reason
	if err := s.cfg.Store.FinishSendIntent(ctx, in, ps.fence); err != nil {
		return err
	}
	s.step(StepFinished, in)
	return nil
}

func min256(a, b *big.Int) *big.Int {
	if a.Cmp(b) < 0 {
		return a
	}
	return b
}

// transferLogged reports whether the receipt holds the token's Transfer of the intent's amount
// from the sender to the recipient. A token's return value is not trusted (USDT's transfer
// returns nothing); its log is what the watcher of the recipient would see.
func transferLogged(r *types.Receipt, in coffer.SendIntent) bool {
	contract, from, to := common.HexToAddress(in.Contract), common.HexToAddress(in.From), common.HexToAddress(in.To)
	for _, l := range r.Logs {
		if l.Address != contract || len(l.Topics) != 3 || l.Topics[0] != transferTopic || len(l.Data) != 32 {
			continue
		}
		if common.BytesToAddress(l.Topics[1].Bytes()) == from && common.BytesToAddress(l.Topics[2].Bytes()) == to &&
			new(big.Int).SetBytes(l.Data).Cmp(in.Amount) == 0 {
			return true
		}
	}
	return false
}

// revertReason replays tx on the state before its block to learn why it reverted: the
// Error(string) reason when the contract gave one. The replay may differ from the block (the
// transactions before it in the block are not replayed), so it is a report, never a decision.
func (s *Sender) revertReason(ctx context.Context, tx *types.Transaction, block *big.Int) string {
	err := s.call(ctx, func(ctx context.Context) error {
		_, err := s.cfg.Client.CallContract(ctx, ethereum.CallMsg{
			From: s.from, To: tx.To(), Gas: tx.Gas(), Value: tx.Value(), Data: tx.Data(),
		}, new(big.Int).Sub(block, big.NewInt(1)))
		return err
	})
	if err == nil {
		return "reverted"
	}
	var de rpc.DataError
	if errors.As(err, &de) {
		if data, ok := de.ErrorData().(string); ok {
			if b, derr := hexutil.Decode(data); derr == nil {
				if reason, uerr := abi.UnpackRevert(b); uerr == nil {
					return "reverted: " + reason
				}
			}
		}
	}
	if reverted(err) {
		return "reverted"
	}
	return "reverted (the replay failed: " + chain.RedactRPC(err.Error(), s.cfg.Chain.RPC) + ")"
}
