package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// inChunk is the most ids one IN (...) list binds, well below SQLite's variable limit.
const inChunk = 500

// insertSizes are the numbers of rows of the prepared multi-row INSERTs, largest first. Each
// statement run costs a trip through database/sql and cgo whatever its size, so a batch of a
// thousand transfers is written in a few dozen statements rather than five thousand. 64 rows of
// the widest table bind 1,024 variables, far below SQLite's limit.
var insertSizes = [...]int{64, 8, 1}

// inSizes are the lengths of the prepared IN (...) lists. A shorter list is padded to the next
// size by repeating its last id, so a few statements prepared once serve every length.
var inSizes = [...]int{1, 8, 64, inChunk}

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
	eventColumns     = `seq, id, type, subject, data, created_at`
	operationColumns = `id, kind, fingerprint, result, err_code, err_message, created_at`
	keyColumns       = `id, name, role, hash, created_at, revoked_at`
)

// statements are the write path's statements, prepared once on the write connection and bound to
// each transaction with Tx.StmtContext, which reuses them.
type statements struct {
	all []*sql.Stmt

	insertAsset     insert
	insertAccount   insert
	insertTransfer  insert
	insertEntry     insert
	insertEvent     insert
	insertOperation insert

	updateAccount  *sql.Stmt
	updateTransfer *sql.Stmt
	bumpEventSeq   *sql.Stmt

	selectAssets     selectIn
	selectAccounts   selectIn
	selectTransfers  selectIn
	selectOperations selectIn
}

// insert is an INSERT prepared for each of insertSizes rows.
type insert [len(insertSizes)]*sql.Stmt

// selectIn is a query ending in IN (...), prepared for each of inSizes.
type selectIn [len(inSizes)]*sql.Stmt

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
	ins := func(table, columns string) insert {
		var q insert
		n := strings.Count(columns, ",") + 1
		for i, rows := range insertSizes {
			q[i] = stmt(insertSQL(table, columns, n, rows))
		}
		return q
	}
	sel := func(prefix string) selectIn {
		var q selectIn
		for i, n := range inSizes {
			q[i] = stmt(prefix + " IN (" + placeholders(n) + ")")
		}
		return q
	}

	s.insertAsset = ins("assets", assetColumns)
	s.insertAccount = ins("accounts", accountColumns)
	s.insertTransfer = ins("transfers", transferColumns)
	s.insertEntry = ins("entries", entryColumns)
	s.insertEvent = ins("events", eventColumns)
	s.insertOperation = ins("operations", operationColumns)

	s.updateAccount = stmt(`UPDATE accounts SET overdraft_limit = ?, overdraft_unlimited = ?,
		locked_debits = ?, locked_credits = ?, lock_reason = ?, debits_pending = ?, debits_posted = ?,
		credits_pending = ?, credits_posted = ?, seq = ?, updated_at = ? WHERE id = ?`)
	s.updateTransfer = stmt(`UPDATE transfers SET state = ?, posted_amount = ?, refunded = ?,
		resolved_at = ? WHERE id = ?`)
	s.bumpEventSeq = stmt(`UPDATE event_seq SET last = last + ? RETURNING last`)

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

// placeholders returns n comma-separated "?".
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}
