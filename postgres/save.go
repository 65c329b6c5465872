package postgres

import (
	"context"
	"fmt"
	"time"

	"coffer"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Save writes the changes of one transaction. It is the hot path: a batch of a thousand transfers
// brings about five thousand new rows and a few hundred account updates, so it sends
//
//   - the updates (accounts, transfers) and new assets as one pipelined pgx.Batch, one UPDATE ...
//     FROM unnest(...) per table;
//   - each kind of new row with COPY, the cheapest way into a table (a taken key still fails
//     with unique_violation, which Write's caller sees as ErrRetry);
//   - last, the event numbers and the events.
//
// Taking the event numbers last keeps the event_seq row locked for as short a time as possible:
// from the UPDATE that hands them out to commit. Every writer queues there, so the events of
// transactions are numbered in the order they commit, without gaps.
func (w *writeTx) Save(ctx context.Context, c *coffer.Changes) error {
	if err := w.saveUpdates(ctx, c); err != nil {
		return fmt.Errorf("update: %w", err)
	}
	if err := w.copyAccounts(ctx, c.NewAccounts); err != nil {
		return fmt.Errorf("insert accounts: %w", err)
	}
	if err := w.copyTransfers(ctx, c.NewTransfers); err != nil {
		return fmt.Errorf("insert transfers: %w", err)
	}
	if err := w.copyEntries(ctx, c.Entries); err != nil {
		return fmt.Errorf("insert entries: %w", err)
	}
	if err := w.copyOperations(ctx, c.Operations); err != nil {
		return fmt.Errorf("insert operations: %w", err)
	}
	if err := w.saveEvents(ctx, c.Events); err != nil {
		return fmt.Errorf("insert events: %w", err)
	}
	return nil
}

// saveUpdates sends the new assets and the updates of accounts and transfers in one round trip.
func (w *writeTx) saveUpdates(ctx context.Context, c *coffer.Changes) error {
	b := &pgx.Batch{}
	if n := len(c.NewAssets); n > 0 {
		codes, scales, created := make([]string, n), make([]int32, n), make([]time.Time, n)
		for i, a := range c.NewAssets {
			codes[i], scales[i], created[i] = a.Code, int32(a.Scale), a.CreatedAt
		}
		b.Queue(`INSERT INTO assets (code, scale, created_at)
			SELECT * FROM unnest($1::text[], $2::int4[], $3::timestamptz[])`, codes, scales, created)
	}
	if n := len(c.Accounts); n > 0 {
		var (
			ids, reasons                       = make([]string, n), make([]string, n)
			unlimited, lockedDebit, lockedCred = make([]bool, n), make([]bool, n), make([]bool, n)
			seqs                               = make([]int64, n)
			updated                            = make([]time.Time, n)
		)
		for i, a := range c.Accounts {
			ids[i], reasons[i] = a.ID, a.LockReason
			unlimited[i], lockedDebit[i], lockedCred[i] = a.OverdraftUnlimited, a.LockedDebits, a.LockedCredits
			seqs[i], updated[i] = int64(a.Seq), a.UpdatedAt
		}
		amount := func(f func(*coffer.Account) coffer.Amount) []string { return amountStrings(c.Accounts, f) }
		b.Queue(`UPDATE accounts AS a SET
				overdraft_limit = u.overdraft_limit::numeric, overdraft_unlimited = u.overdraft_unlimited,
				locked_debits = u.locked_debits, locked_credits = u.locked_credits, lock_reason = u.lock_reason,
				debits_pending = u.debits_pending::numeric, debits_posted = u.debits_posted::numeric,
				credits_pending = u.credits_pending::numeric, credits_posted = u.credits_posted::numeric,
				seq = u.seq, updated_at = u.updated_at
			FROM unnest($1::text[], $2::text[], $3::bool[], $4::bool[], $5::bool[], $6::text[], $7::text[],
				$8::text[], $9::text[], $10::text[], $11::int8[], $12::timestamptz[])
				AS u(id, overdraft_limit, overdraft_unlimited, locked_debits, locked_credits, lock_reason,
				debits_pending, debits_posted, credits_pending, credits_posted, seq, updated_at)
			WHERE a.id = u.id`,
			ids, amount(func(a *coffer.Account) coffer.Amount { return a.OverdraftLimit }), unlimited,
			lockedDebit, lockedCred, reasons,
			amount(func(a *coffer.Account) coffer.Amount { return a.DebitsPending }),
			amount(func(a *coffer.Account) coffer.Amount { return a.DebitsPosted }),
			amount(func(a *coffer.Account) coffer.Amount { return a.CreditsPending }),
			amount(func(a *coffer.Account) coffer.Amount { return a.CreditsPosted }),
			seqs, updated,
		).Exec(func(tag pgconn.CommandTag) error {
			if int(tag.RowsAffected()) != n {
				return fmt.Errorf("%d of %d accounts updated; one is missing or listed twice",
					tag.RowsAffected(), n)
			}
			return nil
		})
	}
	if n := len(c.Transfers); n > 0 {
		ids, states, resolved := make([]string, n), make([]string, n), make([]*time.Time, n)
		for i, t := range c.Transfers {
			ids[i], states[i], resolved[i] = t.ID, string(t.State), t.ResolvedAt
		}
		amount := func(f func(*coffer.Transfer) coffer.Amount) []string { return amountStrings(c.Transfers, f) }
		b.Queue(`UPDATE transfers AS t SET state = u.state, posted_amount = u.posted_amount::numeric,
				refunded = u.refunded::numeric, resolved_at = u.resolved_at
			FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[])
				AS u(id, state, posted_amount, refunded, resolved_at)
			WHERE t.id = u.id`,
			ids, states,
			amount(func(t *coffer.Transfer) coffer.Amount { return t.PostedAmount }),
			amount(func(t *coffer.Transfer) coffer.Amount { return t.Refunded }),
			resolved,
		).Exec(func(tag pgconn.CommandTag) error {
			if int(tag.RowsAffected()) != n {
				return fmt.Errorf("%d of %d transfers updated; one is missing or listed twice",
					tag.RowsAffected(), n)
			}
			return nil
		})
	}
	if b.Len() == 0 {
		return nil
	}
	if err := w.tx.SendBatch(ctx, b).Close(); err != nil {
		return mapErr(err)
	}
	return nil
}

// copyRows copies n rows into table.
func (w *writeTx) copyRows(ctx context.Context, table string, columns []string, n int, row func(i int) []any) error {
	if n == 0 {
		return nil
	}
	got, err := w.tx.CopyFrom(ctx, pgx.Identifier{table}, columns,
		pgx.CopyFromSlice(n, func(i int) ([]any, error) { return row(i), nil }))
	if err != nil {
		return mapErr(err)
	}
	if got != int64(n) {
		return fmt.Errorf("copied %d of %d rows into %s", got, n, table)
	}
	return nil
}

var accountCopyColumns = []string{"id", "owner", "asset", "kind", "overdraft_limit", "overdraft_unlimited",
	"locked_debits", "locked_credits", "lock_reason", "debits_pending", "debits_posted", "credits_pending",
	"credits_posted", "seq", "created_at", "updated_at"}

func (w *writeTx) copyAccounts(ctx context.Context, as []*coffer.Account) error {
	return w.copyRows(ctx, "accounts", accountCopyColumns, len(as), func(i int) []any {
		a := as[i]
		return []any{a.ID, a.Owner, a.Asset, string(a.Kind), numeric(a.OverdraftLimit), a.OverdraftUnlimited,
			a.LockedDebits, a.LockedCredits, a.LockReason, numeric(a.DebitsPending), numeric(a.DebitsPosted),
			numeric(a.CreditsPending), numeric(a.CreditsPosted), int64(a.Seq), a.CreatedAt, a.UpdatedAt}
	})
}

var transferCopyColumns = []string{"id", "debit_account_id", "credit_account_id", "asset", "amount", "type",
	"state", "pending", "posted_amount", "refunded", "expires_at", "grp", "reference", "metadata",
	"created_at", "resolved_at"}

func (w *writeTx) copyTransfers(ctx context.Context, ts []*coffer.Transfer) error {
	// Metadata is encoded first: CopyFromSlice's row function may not fail halfway through COPY.
	metadata := make([]any, len(ts))
	for i, t := range ts {
		m, err := metadataJSON(t.Metadata)
		if err != nil {
			return fmt.Errorf("transfer %q: metadata: %w", t.ID, err)
		}
		metadata[i] = m
	}
	return w.copyRows(ctx, "transfers", transferCopyColumns, len(ts), func(i int) []any {
		t := ts[i]
		return []any{t.ID, t.DebitAccountID, t.CreditAccountID, t.Asset, numeric(t.Amount), string(t.Type),
			string(t.State), t.Pending, numeric(t.PostedAmount), numeric(t.Refunded), t.ExpiresAt, t.Group,
			t.Reference, metadata[i], t.CreatedAt, t.ResolvedAt}
	})
}

var entryCopyColumns = []string{"account_id", "seq", "transfer_id", "type", "phase", "side", "amount",
	"balance_before", "balance_after", "available_before", "available_after", "created_at"}

func (w *writeTx) copyEntries(ctx context.Context, es []coffer.Entry) error {
	return w.copyRows(ctx, "entries", entryCopyColumns, len(es), func(i int) []any {
		e := &es[i]
		return []any{e.AccountID, int64(e.Seq), e.TransferID, string(e.Type), string(e.Phase), string(e.Side),
			numeric(e.Amount), numeric(e.BalanceBefore), numeric(e.BalanceAfter), numeric(e.AvailableBefore),
			numeric(e.AvailableAfter), e.CreatedAt}
	})
}

var operationCopyColumns = []string{"id", "kind", "fingerprint", "result", "err_code", "err_message", "created_at"}

func (w *writeTx) copyOperations(ctx context.Context, ops []coffer.Operation) error {
	return w.copyRows(ctx, "operations", operationCopyColumns, len(ops), func(i int) []any {
		o := &ops[i]
		return []any{o.ID, o.Kind, o.Fingerprint, rawJSON(o.Result), o.ErrCode, o.ErrMessage, o.CreatedAt}
	})
}

var eventCopyColumns = []string{"seq", "id", "type", "subject", "data", "created_at"}

// saveEvents numbers the events and inserts them. It must be the last step of Save: see there.
func (w *writeTx) saveEvents(ctx context.Context, es []coffer.Event) error {
	if len(es) == 0 {
		return nil
	}
	var last int64
	err := w.tx.QueryRow(ctx, `UPDATE event_seq SET last = last + $1 RETURNING last`, len(es)).Scan(&last)
	if err != nil {
		return fmt.Errorf("number events: %w", mapErr(err))
	}
	first := uint64(last) - uint64(len(es)) + 1
	for i := range es {
		es[i].Seq = first + uint64(i)
		es[i].ID = coffer.EventID(es[i].Seq)
	}
	return w.copyRows(ctx, "events", eventCopyColumns, len(es), func(i int) []any {
		e := &es[i]
		return []any{int64(e.Seq), e.ID, e.Type, e.Subject, rawJSON(e.Data), e.CreatedAt}
	})
}
