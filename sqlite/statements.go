package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// inChunk is the most ids one IN query takes. They are bound as one JSON array, so the limit
// bounds only the size of that text and of the temporary index SQLite builds from it.
const inChunk = 4096

// rowSizes are the numbers of rows of the prepared multi-row INSERTs and UPDATEs, largest first.
// Each statement run costs a trip through database/sql and cgo whatever its size, so a batch of a
// thousand transfers is written in a few dozen statements rather than five thousand. 64 rows of
// the widest table bind 1,024 variables, far below SQLite's limit.
//
// The values are bound as they are, all of a statement's in one call into C (writeTx.run).
// Passing each table's rows as one JSON text instead, taken apart in SQL with json_each and ->>,
// was tried and cost more CPU (13 to 32% more instructions per batch): SQLite spends more on each
// ->> than the driver spends on binding a value.
var rowSizes = [...]int{64, 8, 1}

// Column lists, in the order the append and scan functions use.
const (
	assetColumns   = `code, scale, created_at`
	accountColumns = `id, owner, asset, kind, overdraft_limit, overdraft_unlimited, locked_debits,
		locked_credits, lock_reason, debits_pending, debits_posted, credits_pending, credits_posted,
		seq, created_at, updated_at`
	transferColumns = `id, debit_account_id, credit_account_id, asset, amount, type, state, pending,
		posted_amount, refunded, expires_at, grp, reference, metadata, created_at, resolved_at`
	entryColumns = `account_id, seq, transfer_id, type, phase, side, amount, balance_before,
		balance_after, available_before, available_after, created_at`
	eventColumns     = `seq, id, type, subject, data, created_at, hash`
	operationColumns = `id, kind, fingerprint, result, err_code, err_message, created_at, owner,
		account_id, counter_account_id, asset, amount`
	keyColumns = `id, name, role, hash, created_at, revoked_at`

	// The columns an UPDATE sets, in the order of appendAccountUpdate and appendTransferUpdate,
	// which append the id after them.
	accountUpdateColumns = `overdraft_limit, overdraft_unlimited, locked_debits, locked_credits,
		lock_reason, debits_pending, debits_posted, credits_pending, credits_posted, seq, updated_at`
	transferUpdateColumns = `state, posted_amount, refunded, resolved_at`
)

// statements are the write path's statements, prepared once on the write connection and bound to
// each transaction with Tx.StmtContext, which reuses them.
type statements struct {
	all []*sql.Stmt

	insertAsset     multiRow
	insertAccount   multiRow
	insertTransfer  multiRow
	insertEntry     multiRow
	insertEvent     multiRow
	insertOperation multiRow

	updateAccount  multiRow
	updateTransfer multiRow
	bumpEventSeq   *sql.Stmt
	setEventHead   *sql.Stmt
	changes        *sql.Stmt
	dataVersion    *sql.Stmt

	selectAssets     *sql.Stmt
	selectAccounts   *sql.Stmt
	selectTransfers  *sql.Stmt
	selectOperations *sql.Stmt
}

// multiRow is a statement prepared for each of rowSizes rows.
type multiRow [len(rowSizes)]*sql.Stmt

// prepare prepares the write path's statements on db.
func prepare(ctx context.Context, db *sql.DB) (*statements, error) {
	s := &statements{}
	var err error
	stmt := func(query string) *sql.Stmt {
		if err != nil {
			return nil
		}
		var st *sql.Stmt
		if st, err = db.PrepareContext(ctx, query); err != nil {
			err = fmt.Errorf("prepare %q: %w", query, err)
			return nil
		}
		s.all = append(s.all, st)
		return st
	}
	ins := func(table, columns string) multiRow {
		var q multiRow
		n := strings.Count(columns, ",") + 1
		for i, rows := range rowSizes {
			q[i] = stmt(insertSQL(table, columns, n, rows))
		}
		return q
	}
	upd := func(table, columns string) multiRow {
		var q multiRow
		for i, rows := range rowSizes {
			q[i] = stmt(updateSQL(table, columns, rows))
		}
		return q
	}
	// The ids are one JSON array: SQLite makes a temporary index of them and looks each up by
	// the primary key.
	sel := func(prefix string) *sql.Stmt {
		return stmt(prefix + " IN (SELECT value FROM json_each(?))")
	}

	s.insertAsset = ins("assets", assetColumns)
	s.insertAccount = ins("accounts", accountColumns)
	s.insertTransfer = ins("transfers", transferColumns)
	s.insertEntry = ins("entries", entryColumns)
	s.insertEvent = ins("events", eventColumns)
	s.insertOperation = ins("operations", operationColumns)

	s.updateAccount = upd("accounts", accountUpdateColumns)
	s.updateTransfer = upd("transfers", transferUpdateColumns)
	s.bumpEventSeq = stmt(`UPDATE event_seq SET last = last + ? RETURNING last, hash`)
	s.setEventHead = stmt(`UPDATE event_seq SET hash = ?`)
	s.changes = stmt(`SELECT changes()`)
	s.dataVersion = stmt(`PRAGMA data_version`)

	s.selectAssets = sel(`SELECT ` + assetColumns + ` FROM assets WHERE code`)
	s.selectAccounts = sel(`SELECT ` + accountColumns + ` FROM accounts WHERE id`)
	s.selectTransfers = sel(`SELECT ` + transferColumns + ` FROM transfers WHERE id`)
	s.selectOperations = sel(`SELECT ` + operationColumns + ` FROM operations WHERE id`)

	if err != nil {
		return nil, errors.Join(err, s.close())
	}
	return s, nil
}

func (s *statements) close() error {
	var errs []error
	for _, st := range s.all {
		errs = append(errs, st.Close())
	}
	return errors.Join(errs...)
}

// insertSQL returns an INSERT of rows rows of n columns.
//
// A taken key fails it with OR ROLLBACK, which ends the whole transaction at once: Write would
// roll it back anyway, and a statement that may abort on its own instead needs a statement journal,
// a copy of every page it changes, which made a batch's inserts half again as slow.
func insertSQL(table, columns string, n, rows int) string {
	var b strings.Builder
	b.WriteString("INSERT OR ROLLBACK INTO " + table + " (" + columns + ") VALUES ")
	row := "(" + placeholders(n) + ")"
	for i := range rows {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(row)
	}
	return b.String()
}

// updateSQL returns an UPDATE of rows rows of table by id: per row, the values of columns and
// then the id. One row is a plain UPDATE ... WHERE id = ?; more are joined to a VALUES list.
//
// The rows of a VALUES list are first gathered into a temporary table, so a statement of many
// rows could fail halfway; OR ROLLBACK ends the transaction then, as in insertSQL, and spares
// SQLite the statement journal. An id given twice updates its row once.
func updateSQL(table, columns string, rows int) string {
	cols := strings.Split(columns, ",")
	var b strings.Builder
	if rows == 1 {
		b.WriteString("UPDATE " + table + " SET ")
		for i, c := range cols {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(strings.TrimSpace(c) + " = ?")
		}
		b.WriteString(" WHERE id = ?")
		return b.String()
	}
	b.WriteString("UPDATE OR ROLLBACK " + table + " SET ")
	for i, c := range cols {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strings.TrimSpace(c) + " = u.column" + strconv.Itoa(i+1))
	}
	b.WriteString(" FROM (VALUES ")
	row := "(" + placeholders(len(cols)+1) + ")"
	for i := range rows {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(row)
	}
	b.WriteString(") AS u WHERE " + table + ".id = u.column" + strconv.Itoa(len(cols)+1))
	return b.String()
}

// placeholders returns n comma-separated "?".
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}
