// Package credit tells the ledger what the chain watcher finds: a deposit seen is a pending
// ledger deposit (incoming, not available), a confirmed one is posted to the owner's wallet
// once, an orphaned one is voided. It is the watcher's Ledger and its lookup of deposit
// addresses, over the ledger and the deposit-address store.
//
// A deposit's ledger transfer is ledger.ChainDepositID of its key. A transaction whose deposit
// was orphaned and that is mined again later (it stayed in the pool) is a new attempt of the
// same deposit: its transfer is the key's with "/2", "/3"… after it, since the voided one's
// operation is done for good.
//
// Each call may be repeated (the watcher calls before it stores the new status) and changes
// nothing the second time. A crash in between may also leave the watcher's record one step
// behind the ledger: a deposit the ledger voided and whose transaction came back is credited
// through a new attempt when confirmed; one the ledger credited and whose block a reorg deeper
// than the confirmations then abandoned stays credited, logged for an operator, as the watcher
// leaves a confirmed one.
package credit

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"

	"github.com/ethereum/go-ethereum/common"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/chain"
	"github.com/cofferhq/coffer/ledger"
)

// attemptsMax bounds the attempts of one deposit: a transaction orphaned and mined again this
// often is not a deposit to credit without an operator.
const attemptsMax = 16

// Ledger is what Credit writes and reads: the ledger's commands and its transfers.
type Ledger interface {
	Do(ctx context.Context, cmd ledger.Command) (*ledger.Result, error)
}

// Transfers reads a ledger transfer by id (coffer.Store has it).
type Transfers interface {
	Transfer(ctx context.Context, id string) (coffer.Transfer, error)
}

// Credit is a watch.Ledger of one chain.
type Credit struct {
	Chain     chain.Chain
	Ledger    Ledger
	Transfers Transfers
	// Tops tells the confirmations: the chain's highest accepted block.
	Tops coffer.ChainWatchStore
	// Own are Coffer's own addresses that send to deposit addresses (the sweeps' gas wallet):
	// what they send is a custody move that chain/sweep books, not a deposit of the owner, so
	// the watcher records it and Credit leaves it out of the ledger. Lowercase or EIP-55 hex.
	Own []string
	// OwnSender, if set, reports whether an address is another of Coffer's own (a deposit
	// address, the hot wallet): what it sends to a watched address is a sweep, booked by
	// chain/sweep as a custody move, and is left out of the ledger here like Own's transfers.
	OwnSender func(ctx context.Context, from string) (bool, error)
	// Logger is slog.Default() if nil.
	Logger *slog.Logger
}

// own reports whether d was sent by one of the Own addresses, or by an address OwnSender knows.
func (c *Credit) own(ctx context.Context, d coffer.Deposit) (bool, error) {
	if d.From == "" {
		return false, nil
	}
	for _, a := range c.Own {
		if strings.EqualFold(a, d.From) {
			return true, nil
		}
	}
	if c.OwnSender == nil {
		return false, nil
	}
	return c.OwnSender(ctx, d.From)
}

// Pending records d as a pending deposit: a new attempt if the last one was voided.
func (c *Credit) Pending(ctx context.Context, d coffer.Deposit) error {
	if own, err := c.own(ctx, d); err != nil || own {
		return err
	}
	amount, ok := coffer.AmountFromBig(d.Amount)
	if !ok || amount.Sign() <= 0 {
		return coffer.Errorf(coffer.EINVALID, "deposit %s: amount %s does not fit the ledger", d.Key, d.Amount)
	}
	for n := 1; n <= attemptsMax; n++ {
		id := attemptID(d.Key, n)
		t, err := c.Transfers.Transfer(ctx, ledger.ChainDepositID(id))
		switch {
		case coffer.ErrorCode(err) == coffer.ENOTFOUND:
		case err != nil:
			return err
		case t.State == coffer.StateVoided:
			continue // orphaned before: the next attempt
		default:
			return nil // recorded already
		}
		_, err = c.Ledger.Do(ctx, ledger.ChainDeposit{Notice: c.notice(ctx, d, id, "pending"), Amount: amount,
			Metadata: map[string]string{"chain": d.Chain, "tx_hash": d.TxHash, "from": d.From}})
		return err
	}
	return fmt.Errorf("deposit %s was orphaned %d times; it is left to an operator", d.Key, attemptsMax)
}

// Confirmed credits d's live attempt. When every attempt was voided, the watcher's record
// missed the last orphaning (a crash between the ledger's void and the watcher's store write)
// and the transaction was mined again before the next pass, which then goes straight from
// pending to confirmed: a new attempt is recorded and credited.
func (c *Credit) Confirmed(ctx context.Context, d coffer.Deposit) error {
	if own, err := c.own(ctx, d); err != nil || own {
		return err
	}
	id, state, err := c.live(ctx, d.Key)
	if err != nil {
		return err
	}
	if state == coffer.StateVoided {
		if err := c.Pending(ctx, d); err != nil {
			return err
		}
		if id, _, err = c.live(ctx, d.Key); err != nil {
			return err
		}
	}
	_, err = c.Ledger.Do(ctx, ledger.ConfirmChainDeposit{Notice: c.notice(ctx, d, id, "confirmed")})
	return err
}

// Orphaned voids d's live attempt. One credited already is left so, with an error logged: the
// watcher's record missed the credit (a crash between the ledger's post and the watcher's store
// write) and a reorg deeper than the confirmations then abandoned its block, which the watcher
// leaves to an operator for a deposit it knows confirmed; refusing would stop the watcher.
func (c *Credit) Orphaned(ctx context.Context, d coffer.Deposit) error {
	if own, err := c.own(ctx, d); err != nil || own {
		return err
	}
	id, state, err := c.live(ctx, d.Key)
	if err != nil {
		return err
	}
	if state == coffer.StatePosted {
		c.logger().Error("a credited deposit's block was abandoned by a reorg deeper than the confirmations; it stays credited until an operator looks",
			"chain", d.Chain, "deposit", d.Key, "transfer", ledger.ChainDepositID(id), "amount", d.Amount, "asset", d.Asset, "owner", d.Owner)
		return nil
	}
	_, err = c.Ledger.Do(ctx, ledger.OrphanChainDeposit{Notice: c.notice(ctx, d, id, "orphaned")})
	return err
}

// live returns the key of the deposit's last attempt and its transfer's state: the first whose
// transfer is not voided, or the last one if all are (a repeated call after it was voided,
// which the ledger answers as before, or a transaction mined again since).
func (c *Credit) live(ctx context.Context, key string) (string, coffer.TransferState, error) {
	last := ""
	for n := 1; n <= attemptsMax; n++ {
		id := attemptID(key, n)
		t, err := c.Transfers.Transfer(ctx, ledger.ChainDepositID(id))
		switch {
		case coffer.ErrorCode(err) == coffer.ENOTFOUND:
			if last == "" {
				return "", "", fmt.Errorf("deposit %s has no pending ledger deposit", key)
			}
			return last, coffer.StateVoided, nil
		case err != nil:
			return "", "", err
		case t.State != coffer.StateVoided:
			return id, t.State, nil
		}
		last = id
	}
	return last, coffer.StateVoided, nil
}

func (c *Credit) logger() *slog.Logger {
	if c.Logger != nil {
		return c.Logger
	}
	return slog.Default()
}

// attemptID returns the key of a deposit's nth attempt.
func attemptID(key string, n int) string {
	if n == 1 {
		return key
	}
	return coffer.DerivedID(key, strconv.Itoa(n))
}

// notice describes d in the events.
func (c *Credit) notice(ctx context.Context, d coffer.Deposit, key, status string) coffer.DepositNotice {
	n := coffer.DepositNotice{Key: key, Chain: d.Chain, ChainID: c.Chain.ID, TxHash: d.TxHash,
		Position: position(d.Key), Address: common.HexToAddress(d.To).Hex(), Owner: d.Owner, Asset: d.Asset,
		BlockNumber: d.BlockNumber, BlockHash: d.BlockHash, ConfirmationsRequired: c.Chain.Confirmations,
		Status: status}
	if d.BlockHash != "" && c.Tops != nil {
		if top, err := c.Tops.ChainTop(ctx, d.Chain); err == nil && top.Number >= d.BlockNumber {
			n.Confirmations = top.Number - d.BlockNumber + 1
		}
	}
	if d.BlockHash != "" && n.Confirmations == 0 {
		n.Confirmations = 1 // its block is being accepted now
	}
	return n
}

// position returns the last part of a deposit key: "native" or the log's position.
func position(key string) string {
	if i := strings.LastIndexByte(key, ':'); i >= 0 {
		return key[i+1:]
	}
	return ""
}

// Addresses returns a watch.Config's Addresses function over store for chain name: it asks in
// chunks of coffer.DepositAddressLookupMax.
func Addresses(store coffer.DepositAddressStore, name string) func(ctx context.Context, addrs []common.Address) (map[common.Address]string, error) {
	return func(ctx context.Context, addrs []common.Address) (map[common.Address]string, error) {
		out := map[common.Address]string{}
		for len(addrs) > 0 {
			n := min(len(addrs), coffer.DepositAddressLookupMax)
			strs := make([]string, n)
			for i, a := range addrs[:n] {
				strs[i] = a.Hex()
			}
			found, err := store.LookupDepositAddresses(ctx, name, strs)
			if err != nil {
				return nil, err
			}
			for _, f := range found {
				out[common.HexToAddress(f.Address)] = f.Owner
			}
			addrs = addrs[n:]
		}
		return out, nil
	}
}
