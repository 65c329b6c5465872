package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/cofferhq/coffer"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
)

// Save writes the changes of one transaction. The rows of a table with fewer than copyRowsMin
// new ones are inserted in one pipelined batch with the rest:
//
//   - the updates, one UPDATE ... FROM unnest per table, planned for their parameters like every
//     statement here (see Open);
//   - then the inserts, one INSERT ... SELECT unnest per table (assets, accounts, transfers,
//     entries, operations), and last the statement that takes the event numbers and inserts the
//     events, all planned generically: once per connection and reused.
//
// Planning is most of what an insert costs PostgreSQL in a batch of a few transfers, some 200,000
// instructions per statement, and an INSERT ... SELECT unnest has the one plan whatever its
// parameters, so a generic plan loses nothing. So planned, inserts in the batch beat COPY, which
// takes a round trip of its own per table: uniform (one transfer per request, some 17 per batch)
// gained 16% in transfers per second over COPY, the server's CPU per transfer fell by a sixth and
// PostgreSQL's by a tenth. Per row, though, COPY stays cheaper (it inserts rows in bulk): with
// every table inserted in the batch, batches of 1,000 transfers were 7% slower than by COPY. So a
// table with copyRowsMin new rows or more is copied first, in a round trip of its own.
//
// A taken key fails with unique_violation, which Write's caller sees as ErrRetry. The updates go
// before the inserts of the batch as they touch only rows that existed before this transaction:
// the ledger lists a row it creates among the new ones, never among the changed.
//
// Taking the event numbers last keeps the event_seq row locked for as short a time as possible:
// from the statement that hands them out to commit. Every writer queues there, so the events of
// transactions are numbered in the order they commit, without gaps.
func (w *writeTx) Save(ctx context.Context, c *coffer.Changes) error {
	// Metadata is encoded first, so that a failure sends nothing.
	metadata, err := transferMetadata(c.NewTransfers)
	if err != nil {
		return err
	}
	var batched []newRows
	for _, r := range []newRows{
		{&assetsNew, len(c.NewAssets), func() []column { return newAssetColumns(c.NewAssets) }},
		{&accountsNew, len(c.NewAccounts), func() []column { return newAccountColumns(c.NewAccounts) }},
		{&transfersNew, len(c.NewTransfers), func() []column { return newTransferColumns(c.NewTransfers, metadata) }},
		{&entriesNew, len(c.Entries), func() []column { return newEntryColumns(c.Entries) }},
		{&operationsNew, len(c.Operations), func() []column { return newOperationColumns(c.Operations) }},
	} {
		switch {
		case r.n == 0:
		case w.copyable(r.n):
			if err := w.copyRows(ctx, r); err != nil {
				return fmt.Errorf("insert %s: %w", r.table.name, err)
			}
		default:
			batched = append(batched, r)
		}
	}
	b := &pgx.Batch{}
	queueTransferUpdates(b, c.Transfers)
	queueAccountUpdates(b, c.Accounts, w.locked)
	w.locked = nil // the updates move the rows
	generic := len(batched)+len(c.Events) > 0
	if generic {
		// send sets the mode back if another statement follows in this transaction.
		b.Queue("SET LOCAL plan_cache_mode = force_generic_plan")
		for _, r := range batched {
			queueInsert(b, r)
		}
		w.queueEvents(b, c.Events) // last: see above
	}
	if b.Len() > 0 {
		err := w.send(ctx, b)
		w.generic = generic
		if err != nil {
			return err
		}
	}
	if w.eventsPending {
		w.eventsPending = false
		w.guess.missed.Add(1)
		return w.numberEvents(ctx, c.Events)
	}
	return nil
}

// copyRowsMinDefault is Store.copyRowsMin unless a test sets it: from this many new rows on, a
// table's are sent by COPY rather than in Save's batch (see Save).
const copyRowsMinDefault = 256

// copyable reports whether n new rows of a table go by COPY.
func (w *writeTx) copyable(n int) bool { return n > 0 && n >= w.copyRowsMin }

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

// col returns the values f gives for items, one column's array parameter.
func col[T, V any](items []T, f func(T) V) []V {
	out := make([]V, len(items))
	for i, it := range items {
		out[i] = f(it)
	}
	return out
}

// column is one column of a table's new rows: its values as the array parameter of an INSERT in
// Save's batch, and row i's value for COPY.
type column struct {
	array any
	at    func(i int) any
}

// colOf returns the column of the values f gives for items.
func colOf[T, V any](items []T, f func(T) V) column {
	vs := col(items, f)
	return column{array: vs, at: func(i int) any { return vs[i] }}
}

// ptrs returns pointers to the elements of xs, for col.
func ptrs[T any](xs []T) []*T {
	out := make([]*T, len(xs))
	for i := range xs {
		out[i] = &xs[i]
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

// insertSQL returns the statement that inserts its parameters' rows into table; see unnestSQL.
func insertSQL(table string, columns ...string) string {
	names, list := unnestSQL(columns)
	return "INSERT INTO " + table + " (" + names + ") SELECT " + list
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

	assetsNew   = tableOf("assets", "code text", "scale int4", "created_at timestamptz")
	accountsNew = tableOf("accounts", "id text", "owner text", "asset text", "kind text",
		"overdraft_limit numeric", "overdraft_unlimited bool", "locked_debits bool", "locked_credits bool",
		"lock_reason text", "debits_pending numeric", "debits_posted numeric", "credits_pending numeric",
		"credits_posted numeric", "seq int8", "created_at timestamptz", "updated_at timestamptz")
	transfersNew = tableOf("transfers", "id text", "debit_account_id text", "credit_account_id text",
		"asset text", "amount numeric", "type text", "state text", "pending bool", "posted_amount numeric",
		"refunded numeric", "expires_at timestamptz", "grp text", "reference text", "metadata jsonb",
		"created_at timestamptz", "resolved_at timestamptz")
	entriesNew = tableOf("entries", "account_id text", "seq int8", "transfer_id text", "type text",
		"phase text", "side text", "amount numeric", "balance_before numeric", "balance_after numeric",
		"available_before numeric", "available_after numeric", "created_at timestamptz")
	operationsNew = tableOf("operations", "id text", "kind text", "fingerprint text", "result json",
		"err_code text", "err_message text", "created_at timestamptz", "owner text", "account_id text",
		"counter_account_id text", "asset text", "amount numeric")
)

// newTable is a table that Save inserts new rows into, by INSERT in its batch or by COPY.
type newTable struct {
	name        string
	insert      string   // the INSERT ... SELECT unnest of its columns
	copyColumns []string // the names of its columns
}

// tableOf returns the table name with columns given as "name type", in the order in which its
// new...Columns function returns them.
func tableOf(name string, columns ...string) newTable {
	return newTable{name: name, insert: insertSQL(name, columns...), copyColumns: columnNames(columns)}
}

// newRows are the n new rows of a table; cols returns them column by column.
type newRows struct {
	table *newTable
	n     int
	cols  func() []column
}

// queueInsert inserts r in b.
func queueInsert(b *pgx.Batch, r newRows) {
	cols := r.cols()
	args := make([]any, len(cols))
	for i, c := range cols {
		args[i] = c.array
	}
	queue(b, "insert "+r.table.name, rowsAre(r.n, r.table.name), r.table.insert, args...)
}

// columnNames returns the names of columns given as "name type".
func columnNames(columns []string) []string {
	names := make([]string, len(columns))
	for i, c := range columns {
		names[i], _, _ = strings.Cut(c, " ")
	}
	return names
}

func newAssetColumns(as []coffer.Asset) []column {
	type a = coffer.Asset
	return []column{
		colOf(as, func(a a) string { return a.Code }),
		colOf(as, func(a a) int32 { return int32(a.Scale) }),
		colOf(as, func(a a) time.Time { return a.CreatedAt }),
	}
}

func newAccountColumns(as []*coffer.Account) []column {
	type a = *coffer.Account
	return []column{
		colOf(as, func(a a) string { return a.ID }),
		colOf(as, func(a a) string { return a.Owner }),
		colOf(as, func(a a) string { return a.Asset }),
		colOf(as, func(a a) string { return string(a.Kind) }),
		colOf(as, func(a a) numeric { return numeric(a.OverdraftLimit) }),
		colOf(as, func(a a) bool { return a.OverdraftUnlimited }),
		colOf(as, func(a a) bool { return a.LockedDebits }),
		colOf(as, func(a a) bool { return a.LockedCredits }),
		colOf(as, func(a a) string { return a.LockReason }),
		colOf(as, func(a a) numeric { return numeric(a.DebitsPending) }),
		colOf(as, func(a a) numeric { return numeric(a.DebitsPosted) }),
		colOf(as, func(a a) numeric { return numeric(a.CreditsPending) }),
		colOf(as, func(a a) numeric { return numeric(a.CreditsPosted) }),
		colOf(as, func(a a) int64 { return int64(a.Seq) }),
		colOf(as, func(a a) time.Time { return a.CreatedAt }),
		colOf(as, func(a a) time.Time { return a.UpdatedAt }),
	}
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
	type a = *coffer.Account
	return []any{
		ids, col(as, func(a a) numeric { return numeric(a.OverdraftLimit) }), unlimited,
		lockedDebit, lockedCred, reasons,
		col(as, func(a a) numeric { return numeric(a.DebitsPending) }),
		col(as, func(a a) numeric { return numeric(a.DebitsPosted) }),
		col(as, func(a a) numeric { return numeric(a.CreditsPending) }),
		col(as, func(a a) numeric { return numeric(a.CreditsPosted) }),
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
	type t = *coffer.Transfer
	queue(b, "update transfers", rowsAre(n, "transfers"), transferUpdate,
		ids, states,
		col(ts, func(t t) numeric { return numeric(t.PostedAmount) }),
		col(ts, func(t t) numeric { return numeric(t.Refunded) }),
		resolved,
	)
}

// queueEvents queues the statement that takes the next len(es) event numbers, inserts the events
// under them and moves the chain head in event_seq; when it has run, es have their Seq, ID and
// Hash. The UPDATE locks the event_seq row until commit, so it must be the last statement of the
// transaction: see Save.
//
// The hashes chain each event to the one before, so they can be computed only from the head that
// the lock guards. Rather than read it under the lock first, which would hold the lock across a
// round trip more, the statement is sent with the head the Store guesses (see headGuess) and the
// hashes computed from it; it takes the numbers and inserts only if event_seq still holds that
// head, and otherwise changes nothing and returns 0. Then, when another process has written
// events in between or the head is not known yet, numberEvents takes the numbers in a round trip
// of its own and inserts in another.
func (w *writeTx) queueEvents(b *pgx.Batch, es []coffer.Event) {
	head, known := w.guess.get()
	if len(es) == 0 || !known {
		w.eventsPending = len(es) > 0
		return
	}
	next, rows := eventRows(head, es)
	// The EXISTS is a one-time filter: nothing is inserted unless bumped updated the row.
	b.Queue(`WITH bumped AS (UPDATE event_seq SET last = last + $1, hash = $9
			WHERE last = $6 AND hash = $8 RETURNING last),
		inserted AS (`+eventsInsert+` WHERE EXISTS (SELECT FROM bumped))
		SELECT count(*) FROM bumped`,
		append(rows, head.Hash[:], next.Hash[:])...,
	).Fn = func(br pgx.BatchResults) error {
		var bumped int64
		if err := br.QueryRow().Scan(&bumped); err != nil {
			return fmt.Errorf("insert events: %w", err)
		}
		if bumped == 1 {
			w.guess.set(next)
		} else {
			w.eventsPending = true
		}
		return nil
	}
}

// eventsInsert inserts the events whose parameters eventRows returns, $1 to $7. The i-th event
// (from 1) gets number $6+i, the id coffer.EventID gives that number and the i-th 32 bytes of
// $7 as its hash. generate_series runs in lockstep with the arrays: its i-th row is their i-th
// element.
const eventsInsert = `INSERT INTO events (seq, id, type, subject, data, created_at, hash)
	SELECT $6::int8 + i, 'evt_' || ($6::int8 + i), type, subject, data, created_at,
		substring($7::bytea from 32 * i::int4 - 31 for 32)
	FROM (SELECT generate_series(1, $1) AS i,
		unnest($2::text[]) AS type, unnest($3::text[]) AS subject, unnest($4::json[]) AS data,
		unnest($5::timestamptz[]) AS created_at) AS e`

// eventRows numbers es from head.Seq+1, chains each to the one before from head.Hash, and
// returns the new head and the parameters of eventsInsert in order. The hashes are one bytea of
// 32 bytes per event rather than an array: pgx encodes a [][]byte by reflection, an allocation
// per element (67 for 64 hashes, 50 times the time of one bytea), and PostgreSQL then parses
// every element.
func eventRows(head coffer.ChainHead, es []coffer.Event) (coffer.ChainHead, []any) {
	n := len(es)
	types, subjects := make([]string, n), make([]string, n)
	data, created := make([]*string, n), make([]time.Time, n)
	hashes := make([]byte, 0, n*len(head.Hash))
	next := head
	for i := range es {
		e := &es[i]
		e.Seq = head.Seq + 1 + uint64(i)
		e.ID = coffer.EventID(e.Seq)
		next = coffer.ChainHead{Seq: e.Seq, Hash: coffer.ChainEvent(next.Hash, e)}
		e.Hash = next.Hash
		types[i], subjects[i], data[i], created[i] = e.Type, e.Subject, rawJSON(e.Data), e.CreatedAt
		hashes = append(hashes, e.Hash[:]...)
	}
	return next, []any{int64(n), types, subjects, data, created, int64(head.Seq), hashes}
}

// numberEvents numbers, chains and inserts es when queueEvents could not: it takes the numbers
// and reads the head under the event_seq row's lock, then inserts the events and moves the head.
func (w *writeTx) numberEvents(ctx context.Context, es []coffer.Event) error {
	n := len(es)
	var before int64
	var prev []byte
	b := &pgx.Batch{}
	b.Queue(`UPDATE event_seq SET last = last + $1 RETURNING last - $1, hash`, int64(n)).QueryRow(
		func(r pgx.Row) error { return r.Scan(&before, &prev) })
	if err := w.send(ctx, b); err != nil {
		return fmt.Errorf("number events: %w", err)
	}
	if len(prev) != len(coffer.EventHashZero) {
		return fmt.Errorf("number events: event_seq holds no chain head; run coffer migrate")
	}
	head := coffer.ChainHead{Seq: uint64(before)}
	copy(head.Hash[:], prev)
	next, rows := eventRows(head, es)
	b = &pgx.Batch{}
	queue(b, "insert events", rowsAre(n, "events"), eventsInsert, rows...)
	queue(b, "move the chain head", rowsAre(1, "event_seq"), `UPDATE event_seq SET hash = $1`, next.Hash[:])
	if err := w.send(ctx, b); err != nil {
		return err
	}
	w.guess.set(next)
	return nil
}

// copyRows copies r into its table, beginning the transaction first if it has not begun.
func (w *writeTx) copyRows(ctx context.Context, r newRows) error {
	if err := w.begin(ctx); err != nil {
		return err
	}
	cols := r.cols()
	row := make([]any, len(cols)) // CopyFrom encodes each row before it asks for the next
	got, err := w.tx.CopyFrom(ctx, pgx.Identifier{r.table.name}, r.table.copyColumns,
		pgx.CopyFromSlice(r.n, func(i int) ([]any, error) {
			for j, c := range cols {
				row[j] = c.at(i)
			}
			return row, nil
		}))
	if err != nil {
		return mapErr(err)
	}
	if got != int64(r.n) {
		return fmt.Errorf("copied %d of %d rows into %s", got, r.n, r.table.name)
	}
	return nil
}

// transferMetadata returns each transfer's metadata as JSON, nil where it has none.
func transferMetadata(ts []*coffer.Transfer) ([]*string, error) {
	out := make([]*string, len(ts))
	for i, t := range ts {
		m, err := metadataJSON(t.Metadata)
		if err != nil {
			return nil, fmt.Errorf("transfer %q: metadata: %w", t.ID, err)
		}
		out[i] = m
	}
	return out, nil
}

// newTransferColumns returns the columns of ts; metadata holds their metadata as transferMetadata
// returns it.
func newTransferColumns(ts []*coffer.Transfer, metadata []*string) []column {
	type t = *coffer.Transfer
	return []column{
		colOf(ts, func(t t) string { return t.ID }),
		colOf(ts, func(t t) string { return t.DebitAccountID }),
		colOf(ts, func(t t) string { return t.CreditAccountID }),
		colOf(ts, func(t t) string { return t.Asset }),
		colOf(ts, func(t t) numeric { return numeric(t.Amount) }),
		colOf(ts, func(t t) string { return string(t.Type) }),
		colOf(ts, func(t t) string { return string(t.State) }),
		colOf(ts, func(t t) bool { return t.Pending }),
		colOf(ts, func(t t) numeric { return numeric(t.PostedAmount) }),
		colOf(ts, func(t t) numeric { return numeric(t.Refunded) }),
		colOf(ts, func(t t) *time.Time { return t.ExpiresAt }),
		colOf(ts, func(t t) string { return t.Group }),
		colOf(ts, func(t t) string { return t.Reference }),
		{array: metadata, at: func(i int) any { return metadata[i] }},
		colOf(ts, func(t t) time.Time { return t.CreatedAt }),
		colOf(ts, func(t t) *time.Time { return t.ResolvedAt }),
	}
}

func newEntryColumns(es []coffer.Entry) []column {
	type e = *coffer.Entry
	ps := ptrs(es)
	return []column{
		colOf(ps, func(e e) string { return e.AccountID }),
		colOf(ps, func(e e) int64 { return int64(e.Seq) }),
		colOf(ps, func(e e) string { return e.TransferID }),
		colOf(ps, func(e e) string { return string(e.Type) }),
		colOf(ps, func(e e) string { return string(e.Phase) }),
		colOf(ps, func(e e) string { return string(e.Side) }),
		colOf(ps, func(e e) numeric { return numeric(e.Amount) }),
		colOf(ps, func(e e) numeric { return numeric(e.BalanceBefore) }),
		colOf(ps, func(e e) numeric { return numeric(e.BalanceAfter) }),
		colOf(ps, func(e e) numeric { return numeric(e.AvailableBefore) }),
		colOf(ps, func(e e) numeric { return numeric(e.AvailableAfter) }),
		colOf(ps, func(e e) time.Time { return e.CreatedAt }),
	}
}

func newOperationColumns(ops []coffer.Operation) []column {
	type o = *coffer.Operation
	ps := ptrs(ops)
	return []column{
		colOf(ps, func(o o) string { return o.ID }),
		colOf(ps, func(o o) string { return o.Kind }),
		colOf(ps, func(o o) string { return o.Fingerprint }),
		colOf(ps, func(o o) *string { return rawJSON(o.Result) }), // NULL for a rejected command
		colOf(ps, func(o o) string { return o.ErrCode }),
		colOf(ps, func(o o) string { return o.ErrMessage }),
		colOf(ps, func(o o) time.Time { return o.CreatedAt }),
		colOf(ps, func(o o) string { return o.Owner }),
		colOf(ps, func(o o) string { return o.AccountID }),
		colOf(ps, func(o o) string { return o.CounterAccountID }),
		colOf(ps, func(o o) string { return o.Asset }),
		colOf(ps, func(o o) numeric { return numeric(o.Amount) }),
	}
}
