package ledger_test

import (
	"fmt"
	"maps"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/ledger"
)

// model is the ledger's rules written again as plainly as possible, for small int64 amounts, to
// compare against. It shares no code with the ledger.
type model struct {
	now       time.Time
	assets    map[string]int // code -> scale
	accounts  map[string]*mAccount
	transfers map[string]*mTransfer
	ops       map[string]mOp
	// stats counts rules that outcome codes alone do not tell apart; shared by clones.
	stats *mStats
}

type mStats struct {
	poolDry int // exchanges refused because the pool would go below its floor
}

type mAccount struct {
	asset          string
	kind           coffer.AccountKind
	dp, dP, cp, cP int64
	overdraft      int64
	unlimited      bool
	lockD, lockC   bool
}

type mTransfer struct {
	dr, cr   string
	amount   int64
	typ      coffer.TransferType
	pending  bool
	state    coffer.TransferState
	expires  time.Time
	refunded int64
}

type mOp struct {
	print string
	code  string
}

func newModel() *model {
	return &model{assets: map[string]int{}, accounts: map[string]*mAccount{}, transfers: map[string]*mTransfer{}, ops: map[string]mOp{},
		stats: &mStats{}}
}

type rejection string

func (m *model) clone() *model {
	c := &model{now: m.now, assets: maps.Clone(m.assets), accounts: map[string]*mAccount{}, transfers: map[string]*mTransfer{}, ops: m.ops,
		stats: m.stats}
	for k, v := range m.accounts {
		cp := *v
		c.accounts[k] = &cp
	}
	for k, v := range m.transfers {
		cp := *v
		c.transfers[k] = &cp
	}
	return c
}

// apply returns the code the ledger should answer ("" for success) and whether it is a replay of
// an earlier command with the same parameters.
func (m *model) apply(c ledger.Command) (code string, replay bool) {
	print := fmt.Sprintf("%T%+v", c, c)
	id := c.OperationID()
	if op, ok := m.ops[id]; ok {
		if op.print != print {
			return coffer.ECONFLICT, false
		}
		return op.code, true
	}
	saved := m.clone()
	code = m.exec(c)
	if code != "" {
		*m = *saved
	}
	m.ops[id] = mOp{print: print, code: code}
	return code, false
}

func amt(a coffer.Amount) int64 {
	v, _ := a.Int64()
	return v
}

func wallet(owner, asset string) string { return coffer.AccountID(coffer.KindWallet, owner, asset) }
func system(owner, asset string) string { return coffer.AccountID(coffer.KindSystem, owner, asset) }

func (m *model) exec(c ledger.Command) string {
	switch c := c.(type) {
	case ledger.CreateAsset:
		m.assets[c.Code] = c.Scale
		for _, o := range coffer.SystemOwners {
			m.accounts[system(o, c.Code)] = &mAccount{asset: c.Code, kind: coffer.KindSystem, unlimited: true}
		}
	case ledger.CreateAccount:
		m.accounts[coffer.AccountID(c.Kind, c.Owner, c.Asset)] = &mAccount{asset: c.Asset, kind: c.Kind, overdraft: amt(c.OverdraftLimit)}
	case ledger.Deposit:
		return m.run(func() {
			w := m.open(coffer.KindWallet, c.Owner, c.Asset)
			m.create(c.ID, m.get(system(coffer.OwnerWorld, c.Asset)), w, amt(c.Amount), coffer.TypeDeposit, false, 0)
		})
	case ledger.Withdraw:
		return m.run(func() {
			w := m.open(coffer.KindWallet, c.Owner, c.Asset)
			m.create(c.ID, w, m.get(system(coffer.OwnerWorld, c.Asset)), amt(c.Amount), coffer.TypeWithdrawal, true, c.Timeout)
		})
	case ledger.Pay:
		return m.run(func() {
			if amt(c.Fee) < 0 || amt(c.Fee) > amt(c.Amount) {
				panic(rejection(coffer.EINVALID))
			}
			w := m.open(coffer.KindWallet, c.Owner, c.Asset)
			mer := m.open(coffer.KindMerchant, c.Merchant, c.Asset)
			m.create(c.ID, w, mer, amt(c.Amount), coffer.TypePayment, false, 0)
			if amt(c.Fee) > 0 {
				m.create(c.ID+"/fee", mer, m.get(system(coffer.OwnerFees, c.Asset)), amt(c.Fee), coffer.TypeFee, false, 0)
			}
		})
	case ledger.Refund:
		return m.run(func() {
			p, ok := m.transfers[c.PaymentID]
			if !ok || p.typ != coffer.TypePayment {
				panic(rejection(coffer.ENOTFOUND))
			}
			left := p.amount - p.refunded
			a := amt(c.Amount)
			if a == 0 {
				a = left
			}
			if left == 0 {
				panic(rejection(coffer.ECONFLICT))
			}
			if a > left {
				panic(rejection(coffer.EINVALID))
			}
			m.create(c.ID, p.cr, p.dr, a, coffer.TypeRefund, false, 0)
			p.refunded += a
		})
	case ledger.Hold:
		return m.run(func() {
			w := m.open(coffer.KindWallet, c.Owner, c.Asset)
			dst := ""
			if c.Merchant == "" {
				dst = m.get(system(coffer.OwnerWorld, c.Asset))
			} else {
				dst = m.open(coffer.KindMerchant, c.Merchant, c.Asset)
			}
			m.create(c.ID, w, dst, amt(c.Amount), coffer.TypeHold, true, c.Timeout)
		})
	case ledger.PostTransfer:
		return m.run(func() {
			t := m.pendingFor(c.TransferID, c.Type)
			if !t.expires.IsZero() && !m.now.Before(t.expires) {
				panic(rejection(coffer.EEXPIRED))
			}
			a := amt(c.Amount)
			if a == 0 {
				a = t.amount
			}
			if a < 0 || a > t.amount {
				panic(rejection(coffer.EINVALID))
			}
			dr, cr := m.accounts[t.dr], m.accounts[t.cr]
			if dr.lockD || cr.lockC {
				panic(rejection(coffer.ELOCKED))
			}
			t.state = coffer.StatePosted
			dr.dp -= t.amount
			dr.dP += a
			cr.cp -= t.amount
			cr.cP += a
		})
	case ledger.VoidTransfer:
		return m.run(func() {
			t := m.pendingFor(c.TransferID, c.Type)
			t.state = coffer.StateVoided
			m.accounts[t.dr].dp -= t.amount
			m.accounts[t.cr].cp -= t.amount
		})
	case ledger.LockAccount:
		return m.run(func() {
			a := m.accounts[m.get(c.AccountID)]
			if !c.Debits && !c.Credits || strings.TrimSpace(c.Reason) == "" {
				panic(rejection(coffer.EINVALID))
			}
			a.lockD = a.lockD || c.Debits
			a.lockC = a.lockC || c.Credits
		})
	case ledger.UnlockAccount:
		return m.run(func() {
			a := m.accounts[m.get(c.AccountID)]
			a.lockD, a.lockC = false, false
		})
	case ledger.CreateTransfers:
		return m.run(func() {
			if len(c.Transfers) == 1 && c.Transfers[0].ID != c.ID {
				panic(rejection(coffer.EINVALID))
			}
			for _, s := range c.Transfers {
				dr, cr := m.get(s.DebitAccountID), m.get(s.CreditAccountID)
				typ := s.Type
				if typ == "" {
					typ = coffer.TypeTransfer
				}
				m.create(s.ID, dr, cr, amt(s.Amount), typ, s.Pending, s.Timeout)
			}
		})
	case ledger.Exchange:
		return m.run(func() {
			fromScale, ok1 := m.assets[c.From]
			toScale, ok2 := m.assets[c.To]
			if !ok1 || !ok2 {
				panic(rejection(coffer.ENOTFOUND))
			}
			if amt(c.Amount) <= 0 {
				panic(rejection(coffer.EINVALID))
			}
			// The pair must have a band, and the rate be inside it.
			r, _ := new(big.Rat).SetString(c.Rate)
			band, ok := modelPairs[c.From+"/"+c.To]
			if !ok {
				panic(rejection(coffer.EINVALID))
			}
			lo, _ := new(big.Rat).SetString(band.Min)
			hi, _ := new(big.Rat).SetString(band.Max)
			if r.Cmp(lo) < 0 || r.Cmp(hi) > 0 {
				panic(rejection(coffer.EINVALID))
			}
			// counter = floor(amount * rate * 10^toScale / 10^fromScale), by exact rationals.
			v := new(big.Rat).Mul(new(big.Rat).SetInt64(amt(c.Amount)), r)
			v.Mul(v, new(big.Rat).SetFrac(pow(toScale), pow(fromScale)))
			counter := new(big.Int).Quo(v.Num(), v.Denom()).Int64()
			if counter == 0 {
				panic(rejection(coffer.EINVALID))
			}
			src := m.open(coffer.KindWallet, c.Owner, c.From)
			dst := m.open(coffer.KindWallet, c.Owner, c.To)
			m.create(c.ID, src, system(coffer.OwnerExchange, c.From), amt(c.Amount), coffer.TypeExchange, false, 0)
			// The pool that pays pays only what it holds (a floor of 0).
			if pool := m.accounts[system(coffer.OwnerExchange, c.To)]; pool.cP-pool.dP-pool.dp-counter < 0 {
				m.stats.poolDry++
				panic(rejection(coffer.EINSUFFICIENTFUNDS))
			}
			m.create(c.ID+"/counter", system(coffer.OwnerExchange, c.To), dst, counter, coffer.TypeExchange, false, 0)
		})
	case ledger.Adjust:
		return m.run(func() {
			a := m.get(c.AccountID)
			world := system(coffer.OwnerWorld, m.accounts[a].asset)
			if c.Direction == coffer.Credit {
				m.create(c.ID, world, a, amt(c.Amount), coffer.TypeAdjustment, false, 0)
			} else {
				m.create(c.ID, a, world, amt(c.Amount), coffer.TypeAdjustment, false, 0)
			}
		})
	default:
		panic(fmt.Sprintf("model: unknown command %T", c))
	}
	return ""
}

func pow(n int) *big.Int { return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil) }

// run turns a rejection raised inside f into its code.
func (m *model) run(f func()) (code string) {
	defer func() {
		if r := recover(); r != nil {
			rej, ok := r.(rejection)
			if !ok {
				panic(r)
			}
			code = string(rej)
		}
	}()
	f()
	return ""
}

func (m *model) get(id string) string {
	if _, ok := m.accounts[id]; !ok {
		panic(rejection(coffer.ENOTFOUND))
	}
	return id
}

func (m *model) open(kind coffer.AccountKind, owner, asset string) string {
	id := coffer.AccountID(kind, owner, asset)
	if _, ok := m.accounts[id]; ok {
		return id
	}
	if _, ok := m.assets[asset]; !ok {
		panic(rejection(coffer.ENOTFOUND))
	}
	m.accounts[id] = &mAccount{asset: asset, kind: kind}
	return id
}

func (m *model) create(id, drID, crID string, amount int64, typ coffer.TransferType, pending bool, timeout time.Duration) {
	dr, cr := m.accounts[drID], m.accounts[crID]
	switch {
	case m.transfers[id] != nil:
		panic(rejection(coffer.ECONFLICT))
	case amount <= 0, drID == crID, dr.asset != cr.asset:
		panic(rejection(coffer.EINVALID))
	case dr.lockD, cr.lockC:
		panic(rejection(coffer.ELOCKED))
	}
	t := &mTransfer{dr: drID, cr: crID, amount: amount, typ: typ, pending: pending, state: coffer.StatePosted}
	if pending {
		t.state = coffer.StatePending
		dr.dp += amount
		cr.cp += amount
		if timeout > 0 {
			t.expires = m.now.Add(timeout)
		}
	} else {
		dr.dP += amount
		cr.cP += amount
	}
	if !dr.unlimited && dr.cP-dr.dP-dr.dp < -dr.overdraft {
		panic(rejection(coffer.EINSUFFICIENTFUNDS))
	}
	m.transfers[id] = t
}

func (m *model) pendingFor(id string, want coffer.TransferType) *mTransfer {
	t, ok := m.transfers[id]
	switch {
	case !ok, want != "" && t.typ != want:
		panic(rejection(coffer.ENOTFOUND))
	case !t.pending, t.state != coffer.StatePending:
		panic(rejection(coffer.ECONFLICT))
	}
	return t
}

// expire voids every pending transfer whose timeout has passed and returns how many.
func (m *model) expire() int {
	n := 0
	for _, id := range slices.Sorted(maps.Keys(m.transfers)) {
		t := m.transfers[id]
		if t.state == coffer.StatePending && !t.expires.IsZero() && !m.now.Before(t.expires) {
			t.state = coffer.StateExpired
			m.accounts[t.dr].dp -= t.amount
			m.accounts[t.cr].cp -= t.amount
			m.ops[id+"/expire"] = mOp{print: fmt.Sprintf("%T%+v", struct{}{}, struct{}{}), code: ""}
			n++
		}
	}
	return n
}
