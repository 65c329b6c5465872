package ledger

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
	"slices"
	"time"

	"github.com/cofferhq/coffer"
)

// needs is what the commands of a batch read, gathered before the transaction locks anything:
// the assets, the accounts (which may not exist yet: a wallet is created on first use), the
// transfers they act on, and the ids of the transfers they will create.
type needs struct {
	assets    map[string]bool
	accounts  map[string]bool
	transfers map[string]bool
	creates   map[string]bool
}

func newNeeds() needs {
	return needs{assets: map[string]bool{}, accounts: map[string]bool{}, transfers: map[string]bool{},
		creates: map[string]bool{}}
}

func (n *needs) asset(code string)  { n.assets[code] = true }
func (n *needs) account(id string)  { n.accounts[id] = true }
func (n *needs) transfer(id string) { n.transfers[id] = true }

// create declares the id of a transfer the command will create, so that the batch learns
// whether another transfer has it before anything is written.
func (n *needs) create(id string) { n.creates[id] = true }
func (n *needs) wallet(owner, asset string) {
	n.asset(asset)
	n.account(coffer.AccountID(coffer.KindWallet, owner, asset))
}

// batch is the in-memory state of one write transaction: the rows it loaded (accounts locked),
// the changes the commands made so far, and an undo log that takes back a rejected command's
// changes without touching the others'.
type batch struct {
	ctx context.Context
	tx  coffer.WriteTx
	now time.Time

	assets    map[string]coffer.Asset
	accounts  map[string]*coffer.Account
	transfers map[string]*coffer.Transfer
	ops       map[string]*coffer.Operation

	// declared is what the commands declared they read and create: a command may create only
	// the accounts and transfers declared here, since only of those does the batch know whether
	// they exist. taken holds the declared new transfer ids that the database already has.
	declared needs
	taken    map[string]bool

	exchange *exchangePolicy

	changes       coffer.Changes
	dirtyAccounts map[string]bool // existing accounts changed by a command that stood
	dirtyTransfer map[string]bool
	newAccounts   map[string]bool
	newTransfers  map[string]bool

	undo undoLog
}

// undoLog is what takes back the changes of the command being applied: the accounts and
// transfers as they were before it changed them, and the rows it added. Records, not closures,
// and kept for one command at a time (applyOne empties it), so it allocates nothing once its
// slices have grown.
type undoLog struct {
	accounts  []savedAccount
	transfers []savedTransfer
	added     []addedRow
}

type savedAccount struct {
	at       *coffer.Account
	was      coffer.Account
	wasDirty bool
}

type savedTransfer struct {
	at       *coffer.Transfer
	was      coffer.Transfer
	wasDirty bool
}

// addedRow is a row the command added to the batch's maps.
type addedRow struct {
	kind byte // 'a' asset, 'c' account, 't' transfer
	id   string
}

// mark is a point in the batch that rollback returns to.
type mark struct {
	accounts, transfers, added, newAssets, newAccounts, newTransfers, entries, events int
}

func (b *batch) mark() mark {
	c, u := &b.changes, &b.undo
	return mark{len(u.accounts), len(u.transfers), len(u.added), len(c.NewAssets), len(c.NewAccounts),
		len(c.NewTransfers), len(c.Entries), len(c.Events)}
}

// rollback takes back every change made since m. Each kind of record is undone newest first, so
// a row changed twice ends as it was at m; the kinds touch different things, so their order
// among each other does not matter.
func (b *batch) rollback(m mark) {
	u := &b.undo
	for i := len(u.accounts) - 1; i >= m.accounts; i-- {
		s := &u.accounts[i]
		*s.at = s.was
		if !s.wasDirty {
			delete(b.dirtyAccounts, s.at.ID)
		}
	}
	for i := len(u.transfers) - 1; i >= m.transfers; i-- {
		s := &u.transfers[i]
		*s.at = s.was
		if !s.wasDirty {
			delete(b.dirtyTransfer, s.at.ID)
		}
	}
	for _, r := range u.added[m.added:] {
		switch r.kind {
		case 'a':
			delete(b.assets, r.id)
		case 'c':
			delete(b.accounts, r.id)
			delete(b.newAccounts, r.id)
		case 't':
			delete(b.transfers, r.id)
			delete(b.newTransfers, r.id)
		}
	}
	b.keep(m)
	c := &b.changes
	c.NewAssets = c.NewAssets[:m.newAssets]
	c.NewAccounts = c.NewAccounts[:m.newAccounts]
	c.NewTransfers = c.NewTransfers[:m.newTransfers]
	c.Entries = c.Entries[:m.entries]
	c.Events = c.Events[:m.events]
}

// keep forgets how to take back the changes made since m, which stand.
func (b *batch) keep(m mark) {
	u := &b.undo
	clear(u.accounts[m.accounts:]) // drop the references the records hold
	clear(u.transfers[m.transfers:])
	u.accounts, u.transfers, u.added = u.accounts[:m.accounts], u.transfers[:m.transfers], u.added[:m.added]
}

// touchAccount records a's current state in the undo log before a command changes it.
func (b *batch) touchAccount(a *coffer.Account) {
	b.undo.accounts = append(b.undo.accounts, savedAccount{at: a, was: *a, wasDirty: b.dirtyAccounts[a.ID]})
	if !b.newAccounts[a.ID] {
		b.dirtyAccounts[a.ID] = true
	}
}

// touchTransfer records t's current state in the undo log before a command changes it.
func (b *batch) touchTransfer(t *coffer.Transfer) {
	b.undo.transfers = append(b.undo.transfers, savedTransfer{at: t, was: *t, wasDirty: b.dirtyTransfer[t.ID]})
	if !b.newTransfers[t.ID] {
		b.dirtyTransfer[t.ID] = true
	}
}

// addAccount adds a new account. It must be one the commands declared: only of those does the
// batch know that they do not exist yet, and another would hit the unique key, fail the whole
// batch and fail it again on every retry. Not declaring one is a bug; the error, not a
// rejection, fails only the command.
func (b *batch) addAccount(a *coffer.Account) error {
	if !b.declared.accounts[a.ID] {
		return fmt.Errorf("ledger: account %s is created but was not declared in needs", a.ID)
	}
	b.accounts[a.ID] = a
	b.newAccounts[a.ID] = true
	b.changes.NewAccounts = append(b.changes.NewAccounts, a)
	b.undo.added = append(b.undo.added, addedRow{'c', a.ID})
	return nil
}

func (b *batch) addTransfer(t *coffer.Transfer) {
	b.transfers[t.ID] = t
	b.newTransfers[t.ID] = true
	b.changes.NewTransfers = append(b.changes.NewTransfers, t)
	b.undo.added = append(b.undo.added, addedRow{'t', t.ID})
}

func (b *batch) addAsset(a coffer.Asset) {
	b.assets[a.Code] = a
	b.changes.NewAssets = append(b.changes.NewAssets, a)
	b.undo.added = append(b.undo.added, addedRow{'a', a.Code})
}

// event appends an event whose data is v's JSON snapshot now. A transfer, the subject of most
// events, is written by its AppendJSON, as encoding/json would, without reflection.
func (b *batch) event(typ, subject string, v any) error {
	var data []byte
	var err error
	if t, ok := v.(*coffer.Transfer); ok {
		data, err = t.AppendJSON(make([]byte, 0, transferJSONSize))
	} else {
		data, err = json.Marshal(v)
	}
	if err != nil {
		return fmt.Errorf("encode %s event: %w", typ, err)
	}
	b.changes.Events = append(b.changes.Events, coffer.Event{Type: typ, Subject: subject, Data: data, CreatedAt: b.now})
	return nil
}

// asset returns a known asset or a not_found rejection.
func (b *batch) asset(code string) (coffer.Asset, error) {
	a, ok := b.assets[code]
	if !ok {
		return coffer.Asset{}, coffer.Errorf(coffer.ENOTFOUND, "asset %q does not exist", code)
	}
	return a, nil
}

// format writes amount in the asset's major units with its code, as callers think of money.
func (b *batch) format(amount coffer.Amount, asset string) string {
	if a, ok := b.assets[asset]; ok {
		return amount.Format(a.Scale) + " " + asset
	}
	return amount.String() + " minor units of " + asset
}

// account returns a locked or newly created account, or a not_found rejection.
func (b *batch) account(id string) (*coffer.Account, error) {
	a, ok := b.accounts[id]
	if !ok {
		return nil, coffer.Errorf(coffer.ENOTFOUND, "account %q does not exist", id)
	}
	return a, nil
}

// openAccount returns the owner's account of the kind in the asset, creating it on first use.
func (b *batch) openAccount(kind coffer.AccountKind, owner, asset string) (*coffer.Account, error) {
	id := coffer.AccountID(kind, owner, asset)
	if a, ok := b.accounts[id]; ok {
		return a, nil
	}
	if _, err := b.asset(asset); err != nil {
		return nil, err
	}
	a := &coffer.Account{ID: id, Owner: owner, Asset: asset, Kind: kind, CreatedAt: b.now, UpdatedAt: b.now}
	if err := b.addAccount(a); err != nil {
		return nil, err
	}
	if err := b.event(coffer.EventAccountCreated, a.ID, a); err != nil {
		return nil, err
	}
	return a, nil
}

// transfer returns a known transfer or a not_found rejection.
func (b *batch) transfer(id string) (*coffer.Transfer, error) {
	t, ok := b.transfers[id]
	if !ok {
		return nil, coffer.Errorf(coffer.ENOTFOUND, "transfer %q does not exist", id)
	}
	return t, nil
}

// identified is a command whose replay is the same command whatever else it carries: a chain
// deposit's notice says how deep its block was when it was sent, which a repeat sent after a
// crash may say otherwise.
type identified interface {
	identity() any
}

// fingerprint is a digest of a command's kind and parameters, compared on replay. A post or void
// whose id the ledger derives is fingerprinted with that id filled in, as it was when clients
// sent the derived id themselves, so that a retry of one recorded then still replays.
func fingerprint(c Command) (string, error) {
	switch p := c.(type) {
	case PostTransfer:
		p.ID = p.OperationID()
		c = p
	case VoidTransfer:
		p.ID = p.OperationID()
		c = p
	}
	var v any = c
	if id, ok := c.(identified); ok {
		v = id.identity()
	}
	data, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("fingerprint %s: %w", c.kind(), err)
	}
	h := sha256.New()
	h.Write([]byte(c.kind()))
	h.Write([]byte{0})
	h.Write(data)
	return hex.EncodeToString(h.Sum(nil)), nil
}

// writeBatch applies the commands in one database transaction and returns an outcome for each.
// Commands are applied in order; a rejected one is rolled back in memory and recorded, and the
// others go on. Any other error fails the whole batch and nothing is written. If how is not nil,
// each command's outcome (OutcomeApplied, ...) is put in it.
func (l *Ledger) writeBatch(ctx context.Context, cmds []Command, how []string) ([]Outcome, error) {
	outs := make([]Outcome, len(cmds))
	prints := make([]string, len(cmds))
	opIDs := make([]string, len(cmds))
	for i, c := range cmds {
		fp, err := fingerprint(c)
		if err != nil {
			return nil, err
		}
		prints[i], opIDs[i] = fp, c.OperationID()
	}
	now := l.cfg.Now().UTC().Truncate(time.Microsecond)

	ctx, span := l.cfg.Tracer.Start(ctx, "db.write", trace.WithSpanKind(trace.SpanKindClient))
	span.SetAttributes(attribute.Int("coffer.batch_size", len(cmds)))
	defer span.End()
	err := l.store.Write(ctx, func(tx coffer.WriteTx) error {
		clear(outs)
		b := &batch{
			ctx: ctx, tx: tx, now: now, taken: map[string]bool{}, exchange: l.exchange,
			assets:        map[string]coffer.Asset{},
			dirtyAccounts: map[string]bool{}, dirtyTransfer: map[string]bool{},
			newAccounts: map[string]bool{}, newTransfers: map[string]bool{},
		}
		ops, err := tx.Operations(ctx, opIDs)
		if err != nil {
			return fmt.Errorf("read operations: %w", err)
		}
		b.ops = ops
		// Nearly every command records an operation: one slice of the right size, not a
		// doubling one copied as it grows.
		b.changes.Operations = make([]coffer.Operation, 0, len(cmds))
		if err := l.load(b, cmds); err != nil {
			return err
		}
		for i, c := range cmds {
			var outcome string
			outs[i], outcome = b.applyOne(c, opIDs[i], prints[i])
			if how != nil {
				how[i] = outcome
			}
		}
		b.collect()
		if err := tx.Save(ctx, &b.changes); err != nil {
			return fmt.Errorf("save: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if l.cfg.Committed != nil {
		l.cfg.Committed()
	}
	return outs, nil
}

// load reads and locks what the commands need: assets, the transfers they act on, and the
// accounts of both, locked in id order by the store. It also learns which of the transfer ids the
// commands will create are taken, so that such a command is a conflict of its own rather than a
// unique key that fails the whole batch.
func (l *Ledger) load(b *batch, cmds []Command) error {
	n := newNeeds()
	b.declared = n
	for _, c := range cmds {
		// A command whose id the ledger derived reads its rows even when the id is taken: a
		// replay with other parameters is then described by the state of what the client named.
		if _, done := b.ops[c.OperationID()]; !done || derivesID(c) {
			c.needs(&n)
		}
	}
	if err := l.loadAssets(b, n.assets); err != nil {
		return err
	}
	transferIDs := keys(n.transfers)
	if len(transferIDs)+len(n.creates) > 0 {
		// First read, unlocked: which accounts the transfers touch, and which new ids are taken,
		// in one read. A new id another writer takes after this read fails the commit with a
		// unique key, and the batch runs again and sees it: a race, which a retry settles.
		ts, err := b.tx.Transfers(b.ctx, union(transferIDs, n.creates))
		if err != nil {
			return fmt.Errorf("read transfers: %w", err)
		}
		for _, id := range transferIDs {
			if t, ok := ts[id]; ok {
				n.accounts[t.DebitAccountID] = true
				n.accounts[t.CreditAccountID] = true
			}
		}
		for id := range n.creates {
			if _, ok := ts[id]; ok {
				b.taken[id] = true
			}
		}
	}
	accounts, err := b.tx.LockAccounts(b.ctx, keys(n.accounts))
	if err != nil {
		return fmt.Errorf("lock accounts: %w", err)
	}
	b.accounts = accounts
	// Assets of the accounts too, for messages in major units; cached, so this rarely reads.
	for _, a := range accounts {
		if _, ok := b.assets[a.Asset]; !ok {
			n.assets[a.Asset] = true
		}
	}
	if err := l.loadAssets(b, n.assets); err != nil {
		return err
	}
	b.transfers = map[string]*coffer.Transfer{}
	if len(transferIDs) > 0 {
		// Read again under the accounts' locks: now no other writer can change them.
		ts, err := b.tx.Transfers(b.ctx, transferIDs)
		if err != nil {
			return fmt.Errorf("read transfers: %w", err)
		}
		b.transfers = ts
	}
	return nil
}

// loadAssets puts the assets among codes into the batch, from the cache or the database.
func (l *Ledger) loadAssets(b *batch, codes map[string]bool) error {
	var missing []string
	for code := range codes {
		if _, ok := b.assets[code]; ok {
			continue
		}
		if a, ok := l.assets.Load(code); ok {
			b.assets[code] = a.(coffer.Asset)
		} else {
			missing = append(missing, code)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	found, err := b.tx.Assets(b.ctx, missing)
	if err != nil {
		return fmt.Errorf("read assets: %w", err)
	}
	for code, a := range found {
		b.assets[code] = a
		l.assets.Store(code, a)
	}
	return nil
}

// union returns sorted and the keys of m that it lacks, sorted.
func union(sorted []string, m map[string]bool) []string {
	out := slices.Clip(sorted)
	for k := range m {
		if _, found := slices.BinarySearch(sorted, k); !found {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// applyOne applies one command, or replays its recorded outcome, and records a new outcome. The
// string says which, for the Observer: OutcomeApplied, OutcomeRejected, OutcomeReplayed or
// OutcomeConflict; an error that is no rule leaves it empty.
func (b *batch) applyOne(c Command, opID, print string) (Outcome, string) {
	if op, ok := b.ops[opID]; ok {
		if op.Fingerprint != print {
			if d, ok := c.(idDeriver); ok && d.derivesID() {
				if err := d.conflict(b, op); err != nil {
					return Outcome{Err: err}, OutcomeConflict
				}
			}
			return Outcome{Err: coffer.Errorf(coffer.ECONFLICT,
				"operation id %q was already used, with other parameters, by an operation of kind %s", opID, op.Kind)}, OutcomeConflict
		}
		return replay(op), OutcomeReplayed
	}
	m := b.mark()
	res, err := c.apply(b)
	op := coffer.Operation{ID: opID, Kind: c.kind(), Fingerprint: print, CreatedAt: b.now}
	b.subjectOf(c).record(&op)
	if err != nil {
		b.rollback(m)
		ce, ok := err.(*coffer.Error)
		if !ok {
			// Not a rule: the batch cannot go on (a bug or a database error).
			return Outcome{Err: err}, ""
		}
		op.ErrCode, op.ErrMessage = ce.Code, ce.Message
		if eerr := b.rejected(&op); eerr != nil {
			return Outcome{Err: eerr}, ""
		}
	} else {
		data, merr := res.encode()
		if merr != nil {
			b.rollback(m)
			return Outcome{Err: fmt.Errorf("encode result: %w", merr)}, ""
		}
		op.Result = data
	}
	b.keep(m)
	b.ops[opID] = &op
	b.changes.Operations = append(b.changes.Operations, op)
	if err != nil {
		return Outcome{Err: err}, OutcomeRejected
	}
	return Outcome{Result: res}, OutcomeApplied
}

// replay returns a recorded outcome as it was first given.
func replay(op *coffer.Operation) Outcome {
	if err := op.Err(); err != nil {
		return Outcome{Err: err}
	}
	var r Result
	if err := json.Unmarshal(op.Result, &r); err != nil {
		return Outcome{Err: fmt.Errorf("decode recorded result of %q: %w", op.ID, err)}
	}
	return Outcome{Result: &r}
}

// collect moves the changed existing rows into the changes, in a stable order.
func (b *batch) collect() {
	for _, id := range keys(b.dirtyAccounts) {
		b.changes.Accounts = append(b.changes.Accounts, b.accounts[id])
	}
	for _, id := range keys(b.dirtyTransfer) {
		b.changes.Transfers = append(b.changes.Transfers, b.transfers[id])
	}
}
