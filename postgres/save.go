package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"coffer"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
)

// Save writes the changes of one transaction. It is the hot path, and PostgreSQL's CPU is what
// runs out, so it sends
//
//   - each kind of new row (accounts, transfers, entries, operations) with COPY, a round trip
//     each (a taken key fails with unique_violation, which Write's caller sees as ErrRetry);
//   - then one pipelined batch: the new assets, the updates (one UPDATE ... FROM unnest per
//     table) and, last, one statement that takes the event numbers and inserts the events.
//
// COPY costs the server less than an INSERT ... SELECT unnest($1, ...) in the batch would, at
// every size measured: with plan_cache_mode=force_custom_plan (see Open) an INSERT is planned on
// every execution, some 200,000 instructions, and unnesting arrays costs about a quarter more per
// row than COPY, while a round trip on the same host costs the server a few microseconds.
// (Measured with cachegrind on PostgreSQL 15, the server's instructions per batch with all the
// inserts in the batch instead: 46% more for 4 transfers, 19% for 16, 11% for 64, the same for
// 1,000.)
//
// Taking the event numbers last keeps the event_seq row locked for as short a time as possible:
// from the statement that hands them out to commit. Every writer queues there, so the events of
// transactions are numbered in the order they commit, without gaps.
func (w *writeTx) Save(ctx context.Context, c *coffer.Changes) error {
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
	b := &pgx.Batch{}
	queueNewAssets(b, c.NewAssets)
	queueTransferUpdates(b, c.Transfers)
	queueAccountUpdates(b, c.Accounts, w.locked)
	w.locked = nil // the updates move the rows
	generic := len(c.Events) > 0
	if generic {
		// The events statement reads only the one row of event_seq, so a generic plan, made
		// once per connection, is as good as planning it again for every batch, which cost a
		// fifth more of the server's work for a batch of 4 transfers. send sets the mode back
		// if another statement follows.
		b.Queue("SET LOCAL plan_cache_mode = force_generic_plan")
	}
	queueEvents(b, c.Events) // last: see above
	if b.Len() == 0 {
		return nil
	}
	err := w.send(ctx, b)
	w.generic = generic
	return err
}

// queue adds the statement q to b. Its error, or the error check returns for its command tag, is
// wrapped with op.
func queue(b *pgx.Batch, op string, check func(pgconn.CommandTag) error, q string, args ...any) {
	b.Queue(q, args...).Fn = func(br pgx.BatchResults) error {
		tag, err := br.Exec()
		if err == nil {
			err = check(tag)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		return nil
	}
}

// rowsAre returns a check that a statement wrote exactly n rows of table.
func rowsAre(n int, table string) func(pgconn.CommandTag) error {
	return func(tag pgconn.CommandTag) error {
		if tag.RowsAffected() != int64(n) {
			return fmt.Errorf("%d of %d %s written; one is missing or listed twice", tag.RowsAffected(), n, table)
		}
		return nil
	}
}

// numerics returns the amounts for a numeric[] parameter, sent in binary.
func numerics[T any](items []T, f func(T) coffer.Amount) []numeric {
	out := make([]numeric, len(items))
	for i, it := range items {
		out[i] = numeric(f(it))
	}
	return out
}

// unnestSQL returns the column names and the select list that turns the parameters $1, $2, ...,
// one array per column, back into rows. columns are "name type", type naming the element type
// of the column's array. The arrays are unnested in the select list, in lockstep, rather than in
// FROM: there each function first stores its rows in a tuplestore, one per column, which cost
// about a quarter more per row.
func unnestSQL(columns []string) (names, list string) {
	var n, l strings.Builder
	for i, c := range columns {
		name, typ, _ := strings.Cut(c, " ")
		if i > 0 {
			n.WriteString(", ")
			l.WriteString(", ")
		}
		n.WriteString(name)
		fmt.Fprintf(&l, "unnest($%d::%s[]) AS %s", i+1, typ, name)
	}
	return n.String(), l.String()
}

// updateSQL returns the statement that updates the rows of table that match its parameters' rows
// on the first keys columns, setting the other columns; see unnestSQL.
func updateSQL(table string, keys int, columns ...string) string {
	names, list := unnestSQL(columns)
	var match, set []string
	for i, name := range strings.Split(names, ", ") {
		if i < keys {
			match = append(match, "t."+name+" = u."+name)
		} else {
			set = append(set, name+" = u."+name)
		}
	}
	return "UPDATE " + table + " AS t SET " + strings.Join(set, ", ") +
		" FROM (SELECT " + list + ") AS u WHERE " + strings.Join(match, " AND ")
}

// accountUpdateColumns are the columns of accounts that an update matches (the id) and sets.
var accountUpdateColumns = []string{"id text",
	"overdraft_limit numeric", "overdraft_unlimited bool", "locked_debits bool", "locked_credits bool",
	"lock_reason text", "debits_pending numeric", "debits_posted numeric", "credits_pending numeric",
	"credits_posted numeric", "seq int8", "updated_at timestamptz"}

var (
	accountUpdate      = updateSQL("accounts", 1, accountUpdateColumns...)
	accountUpdateByTID = updateSQL("accounts", 2, append([]string{"ctid tid"}, accountUpdateColumns...)...)
	transferUpdate     = updateSQL("transfers", 1, "id text",
		"state text", "posted_amount numeric", "refunded numeric", "resolved_at timestamptz")
	assetInsert = func() string {
		names, list := unnestSQL([]string{"code text", "scale int4", "created_at timestamptz"})
		return "INSERT INTO assets (" + names + ") SELECT " + list
	}()
)

func queueNewAssets(b *pgx.Batch, as []coffer.Asset) {
	n := len(as)
	if n == 0 {
		return
	}
	codes, scales, created := make([]string, n), make([]int32, n), make([]time.Time, n)
	for i, a := range as {
		codes[i], scales[i], created[i] = a.Code, int32(a.Scale), a.CreatedAt
	}
	queue(b, "insert assets", rowsAre(n, "assets"), assetInsert, codes, scales, created)
}

// queueAccountUpdates updates the accounts. Those that LockAccounts locked are found by the row
// address (ctid) it read, which the lock keeps valid until commit: a direct fetch of the row
// instead of a search of the primary key. The id is matched too, so a wrong address would update
// nothing, and the count of rows updated would fail the batch.
func queueAccountUpdates(b *pgx.Batch, as []*coffer.Account, locked map[string]pgtype.TID) {
	var byTID, byID []*coffer.Account
	var tids []pgtype.TID
	for _, a := range as {
		if tid, ok := locked[a.ID]; ok {
			byTID, tids = append(byTID, a), append(tids, tid)
		} else {
			byID = append(byID, a)
		}
	}
	if len(byTID) > 0 {
		queue(b, "update accounts", rowsAre(len(byTID), "accounts"), accountUpdateByTID,
			append([]any{tids}, accountUpdateArgs(byTID)...)...)
	}
	if len(byID) > 0 {
		queue(b, "update accounts", rowsAre(len(byID), "accounts"), accountUpdate, accountUpdateArgs(byID)...)
	}
}

// accountUpdateArgs returns the arrays of accountUpdateColumns.
func accountUpdateArgs(as []*coffer.Account) []any {
	n := len(as)
	var (
		ids, reasons                       = make([]string, n), make([]string, n)
		unlimited, lockedDebit, lockedCred = make([]bool, n), make([]bool, n), make([]bool, n)
		seqs                               = make([]int64, n)
		updated                            = make([]time.Time, n)
	)
	for i, a := range as {
		ids[i], reasons[i] = a.ID, a.LockReason
		unlimited[i], lockedDebit[i], lockedCred[i] = a.OverdraftUnlimited, a.LockedDebits, a.LockedCredits
		seqs[i], updated[i] = int64(a.Seq), a.UpdatedAt
	}
	amount := func(f func(*coffer.Account) coffer.Amount) []numeric { return numerics(as, f) }
	return []any{
		ids, amount(func(a *coffer.Account) coffer.Amount { return a.OverdraftLimit }), unlimited,
		lockedDebit, lockedCred, reasons,
		amount(func(a *coffer.Account) coffer.Amount { return a.DebitsPending }),
		amount(func(a *coffer.Account) coffer.Amount { return a.DebitsPosted }),
		amount(func(a *coffer.Account) coffer.Amount { return a.CreditsPending }),
		amount(func(a *coffer.Account) coffer.Amount { return a.CreditsPosted }),
		seqs, updated,
	}
}

func queueTransferUpdates(b *pgx.Batch, ts []*coffer.Transfer) {
	n := len(ts)
	if n == 0 {
		return
	}
	ids, states, resolved := make([]string, n), make([]string, n), make([]*time.Time, n)
	for i, t := range ts {
		ids[i], states[i], resolved[i] = t.ID, string(t.State), t.ResolvedAt
	}
	amount := func(f func(*coffer.Transfer) coffer.Amount) []numeric { return numerics(ts, f) }
	queue(b, "update transfers", rowsAre(n, "transfers"), transferUpdate,
		ids, states,
		amount(func(t *coffer.Transfer) coffer.Amount { return t.PostedAmount }),
		amount(func(t *coffer.Transfer) coffer.Amount { return t.Refunded }),
		resolved,
	)
}

// queueEvents queues the statement that takes the next len(es) event numbers and inserts the
// events under them; when it has run, es have their Seq and ID. The UPDATE locks the event_seq row
// until commit, so it must be the last statement of the transaction: see Save.
func queueEvents(b *pgx.Batch, es []coffer.Event) {
	n := len(es)
	if n == 0 {
		return
	}
	types, subjects := make([]string, n), make([]string, n)
	data, created := make([]*string, n), make([]time.Time, n)
	for i := range es {
		e := &es[i]
		types[i], subjects[i], created[i] = e.Type, e.Subject, e.CreatedAt
		if len(e.Data) > 0 {
			s := string(e.Data)
			data[i] = &s
		}
	}
	// The i-th event (from 1) gets number before+i and the id coffer.EventID gives that number.
	// generate_series runs in lockstep with the arrays: its i-th row is their i-th element. The
	// scalar subquery tells the planner that bumped is one row: event_seq has no statistics, and
	// its guess of thousands, times the events, made it JIT-compile the statement.
	b.Queue(`WITH bumped AS (UPDATE event_seq SET last = last + $1 RETURNING last - $1 AS before),
		inserted AS (INSERT INTO events (seq, id, type, subject, data, created_at)
			SELECT seq, 'evt_' || seq, type, subject, data, created_at
			FROM (SELECT (SELECT before FROM bumped) + generate_series(1, $1) AS seq,
				unnest($2::text[]) AS type, unnest($3::text[]) AS subject, unnest($4::json[]) AS data,
				unnest($5::timestamptz[]) AS created_at) AS e)
		SELECT before FROM bumped`,
		int64(n), types, subjects, data, created,
	).Fn = func(br pgx.BatchResults) error {
		var before int64
		if err := br.QueryRow().Scan(&before); err != nil {
			return fmt.Errorf("insert events: %w", err)
		}
		for i := range es {
			es[i].Seq = uint64(before) + 1 + uint64(i)
			es[i].ID = coffer.EventID(es[i].Seq)
		}
		return nil
	}
}

// copyRows copies n rows into table, beginning the transaction first if it has not begun.
func (w *writeTx) copyRows(ctx context.Context, table string, columns []string, n int, row func(i int) []any) error {
	if n == 0 {
		return nil
	}
	if err := w.begin(ctx); err != nil {
		return err
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
