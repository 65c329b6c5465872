// Package chainview answers what people ask of the chains Coffer watches: the deposits seen,
// with their depth, and each chain's watcher (its cursor, the node's head, its last error and
// the process that runs it). It only reads: the watcher's store, the duties' leases and the
// chain configuration.
package chainview

import (
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/chain"
	"github.com/cofferhq/coffer/chain/watch"
)

// Store is what the view reads of the chain watcher's store.
type Store interface {
	// ChainTop returns the chain's highest stored block, or ENOTFOUND before the first.
	ChainTop(ctx context.Context, chain string) (coffer.ChainBlock, error)
	// ListDeposits returns a page of deposits, newest first.
	ListDeposits(ctx context.Context, q coffer.DepositQuery) ([]coffer.Deposit, error)
}

// Service answers for the chains of Config. Its methods may be called from many goroutines.
type Service struct {
	Config chain.Config
	Store  Store
	// Leases are the duties' leases, of which "watch:<chain>" (watch.DutyName) is each
	// chain's watcher.
	Leases coffer.LeaseStore
	// Now is the clock that says whether a lease is held; time.Now if nil.
	Now func() time.Time
}

// Deposit is a deposit as people see it: From and To in EIP-55's mixed case.
type Deposit struct {
	coffer.Deposit
	// ChainID is the chain's id.
	ChainID uint64
	// Decimals are the asset's decimals on its chain; -1 when the asset is no longer
	// configured.
	Decimals int
	// Confirmations is the depth of the deposit's block below the watcher's cursor (the cursor
	// minus the block, plus one); 0 while the deposit is in no canonical block.
	Confirmations uint64
	// ConfirmationsRequired is the depth at which the chain's deposits are confirmed; 0 when
	// the chain is no longer configured.
	ConfirmationsRequired uint64
}

// DepositFilter selects deposits as a request gives them: each field empty to match all.
type DepositFilter struct {
	Owner   string
	Address string // any case; a mixed-case one must have a right EIP-55 checksum
	Status  string
	TxHash  string // 0x and 64 hex digits, any case
	Chain   string
	Asset   string
	Before  *coffer.DepositCursor
	Limit   int
}

// Deposits returns a page of the deposits f selects, newest first. A filter that could select
// nothing for being malformed, or that names a chain or an asset not configured, is EINVALID
// with Param the filter's query parameter: owner, address, status, tx_hash, chain or asset.
func (s *Service) Deposits(ctx context.Context, f DepositFilter) ([]Deposit, error) {
	q, err := s.query(f)
	if err != nil {
		return nil, err
	}
	ds, err := s.Store.ListDeposits(ctx, q)
	if err != nil {
		return nil, err
	}
	tops := map[string]*coffer.ChainBlock{}
	out := make([]Deposit, len(ds))
	for i, d := range ds {
		top, seen := tops[d.Chain]
		if !seen {
			if top, err = s.top(ctx, d.Chain); err != nil {
				return nil, err
			}
			tops[d.Chain] = top
		}
		v := Deposit{Deposit: d, Decimals: -1}
		v.From, v.To = checksummed(d.From), checksummed(d.To)
		if ch, ok := s.Config.Chain(d.Chain); ok {
			v.ChainID, v.ConfirmationsRequired = ch.ID, ch.Confirmations
		} else {
			// The key begins with the chain id: "<chain id>:<tx hash>:<position>".
			id, _, _ := strings.Cut(d.Key, ":")
			v.ChainID, _ = strconv.ParseUint(id, 10, 64)
		}
		if a, ok := s.Config.Asset(d.Asset); ok && a.Chain == d.Chain {
			v.Decimals = int(a.Decimals)
		}
		if d.BlockHash != "" && top != nil && top.Number >= d.BlockNumber {
			v.Confirmations = top.Number - d.BlockNumber + 1
		}
		out[i] = v
	}
	return out, nil
}

// query checks f and turns it into the store's query.
func (s *Service) query(f DepositFilter) (coffer.DepositQuery, error) {
	q := coffer.DepositQuery{Owner: f.Owner, Chain: f.Chain, Asset: f.Asset, Before: f.Before, Limit: f.Limit}
	if f.Owner != "" {
		if err := coffer.ValidateOwner(f.Owner); err != nil {
			return q, coffer.Invalid("owner", "%s", coffer.ErrorMessage(err))
		}
	}
	if f.Address != "" {
		a, err := chain.ParseAddress(f.Address)
		if err != nil {
			return q, coffer.Invalid("address", "%s", err)
		}
		q.Address = strings.ToLower(a.Hex())
	}
	switch st := coffer.DepositStatus(f.Status); st {
	case "", coffer.DepositPending, coffer.DepositConfirmed, coffer.DepositOrphaned, coffer.DepositRefused:
		q.Status = st
	default:
		return q, coffer.Invalid("status", "status %.64q is not a deposit status; it is pending, confirmed, orphaned or refused", f.Status)
	}
	if f.TxHash != "" {
		digits, ok := strings.CutPrefix(f.TxHash, "0x")
		if !ok || len(digits) != 64 || !isHex(digits) {
			return q, coffer.Invalid("tx_hash", "tx_hash %.80q is not a transaction hash: 0x and 64 hexadecimal digits", f.TxHash)
		}
		q.TxHash = "0x" + strings.ToLower(digits)
	}
	if f.Chain != "" {
		if _, ok := s.Config.Chain(f.Chain); !ok {
			return q, coffer.Invalid("chain", "chain %.64q is not configured; the chains are %s", f.Chain, s.chainNames())
		}
	}
	if f.Asset != "" {
		a, ok := s.Config.Asset(f.Asset)
		if !ok {
			return q, coffer.Invalid("asset", "asset %.64q is not on any configured chain", f.Asset)
		}
		if f.Chain != "" && a.Chain != f.Chain {
			return q, coffer.Invalid("asset", "asset %s is on chain %s, not %s", a.Code, a.Chain, f.Chain)
		}
	}
	return q, nil
}

// top returns the chain's cursor, nil before the watcher stored a block.
func (s *Service) top(ctx context.Context, name string) (*coffer.ChainBlock, error) {
	b, err := s.Store.ChainTop(ctx, name)
	switch coffer.ErrorCode(err) {
	case "":
		return &b, nil
	case coffer.ENOTFOUND:
		return nil, nil
	}
	return nil, err
}

// Chain is a configured chain and how its watcher stands.
type Chain struct {
	Name          string
	ID            uint64
	Confirmations uint64
	Poll          time.Duration
	// RPC are the node's URLs with their passwords, paths and queries left out (chain.RedactURL).
	RPC []string
	// Cursor is the highest block the watcher accepted; nil before the first.
	Cursor *coffer.ChainBlock
	// Progress is the watcher's last report; nil if it never reported one.
	Progress *watch.Progress
	// Lease is the lease of the watcher's duty; nil if no process ever ran it.
	Lease *coffer.Lease
	// Running says whether a process holds the watcher's lease now.
	Running bool
}

// Head returns the node's head as the watcher last saw it, and whether it saw one.
func (c Chain) Head() (uint64, bool) {
	if c.Progress == nil || c.Progress.Head == 0 {
		return 0, false
	}
	return c.Progress.Head, true
}

// Lag returns how many blocks the cursor is behind the head, and whether both are known. A
// cursor above the head (a lagging node) is no lag.
func (c Chain) Lag() (uint64, bool) {
	head, ok := c.Head()
	if !ok || c.Cursor == nil {
		return 0, false
	}
	if c.Cursor.Number >= head {
		return 0, true
	}
	return head - c.Cursor.Number, true
}

// Chains returns every configured chain, in the configuration's order, with its watcher.
func (s *Service) Chains(ctx context.Context) ([]Chain, error) {
	leases := map[string]coffer.Lease{}
	if s.Leases != nil {
		ls, err := s.Leases.Leases(ctx)
		if err != nil {
			return nil, err
		}
		for _, l := range ls {
			leases[l.Name] = l
		}
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	out := make([]Chain, len(s.Config.Chains))
	for i, ch := range s.Config.Chains {
		c := Chain{Name: ch.Name, ID: ch.ID, Confirmations: ch.Confirmations, Poll: ch.Poll,
			RPC: make([]string, len(ch.RPC))}
		for j, u := range ch.RPC {
			c.RPC[j] = chain.RedactURL(u)
		}
		top, err := s.top(ctx, ch.Name)
		if err != nil {
			return nil, fmt.Errorf("chain %s: %w", ch.Name, err)
		}
		c.Cursor = top
		if l, ok := leases[watch.DutyName(ch.Name)]; ok {
			c.Lease = &l
			c.Running = l.Holder != "" && l.ExpiresAt.After(now())
			var p watch.Progress
			// A report that does not read as the watcher's (an older Coffer's, say) is left
			// out rather than failing the answer: the lease still says who runs the watcher.
			if len(l.Progress) > 0 && json.Unmarshal(l.Progress, &p) == nil && p.Chain == ch.Name {
				c.Progress = &p
			}
		}
		out[i] = c
	}
	return out, nil
}

// FormatAmount writes an amount of minor units in major units with decimals decimals, every
// decimal written ("1.500000" for 1500000 with 6), exactly: the integer's digits with a point.
func FormatAmount(a *big.Int, decimals int) string {
	s := new(big.Int).Abs(a).String()
	if decimals > 0 {
		if len(s) <= decimals {
			s = strings.Repeat("0", decimals-len(s)+1) + s
		}
		s = s[:len(s)-decimals] + "." + s[len(s)-decimals:]
	}
	if a.Sign() < 0 {
		return "-" + s
	}
	return s
}

// checksummed writes a stored address in EIP-55's mixed case; an empty one stays empty.
func checksummed(a string) string {
	if a == "" {
		return ""
	}
	return common.HexToAddress(a).Hex()
}

func (s *Service) chainNames() string {
	if len(s.Config.Chains) == 0 {
		return "none"
	}
	names := make([]string, len(s.Config.Chains))
	for i, ch := range s.Config.Chains {
		names[i] = ch.Name
	}
	return strings.Join(names, ", ")
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}
