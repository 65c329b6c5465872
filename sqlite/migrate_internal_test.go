package sqlite

import (
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/cofferhq/coffer"
)

// TestMigrateEntriesKeepsHistory builds a database at schema version 1 with a hold, its capture
// and a plain transfer, then opens it with this build: migration 2 rebuilds the entries table,
// and every entry must come through unchanged and list the account's transfers.
func TestMigrateEntriesKeepsHistory(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "coffer.db")
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL) STRICT`,
		ms[0].sql,
		`INSERT INTO schema_migrations VALUES (1, 0)`,
		`INSERT INTO transfers (id, debit_account_id, credit_account_id, asset, amount, type, state, pending,
			posted_amount, refunded, grp, reference, metadata, created_at) VALUES
			('h1', 'wallet:bob:USD', 'merchant:shop:USD', 'USD', '300', 'hold', 'posted', 1, '200', '0', '', '', '', 10),
			('t1', 'wallet:alice:USD', 'wallet:bob:USD', 'USD', '500', 'transfer', 'posted', 0, '500', '0', '', 'r', '', 5)`,
		`INSERT INTO entries VALUES
			('wallet:bob:USD', 1, 't1', 'transfer', 'posted', 'credit', '500', '0', '500', '0', '500', 5),
			('wallet:bob:USD', 2, 'h1', 'hold', 'pending', 'debit', '300', '500', '500', '500', '200', 10),
			('wallet:bob:USD', 3, 'h1', 'hold', 'released', 'debit', '300', '500', '500', '200', '500', 20),
			('wallet:bob:USD', 4, 'h1', 'hold', 'posted', 'debit', '200', '500', '300', '500', '300', 20),
			('wallet:alice:USD', 1, 't1', 'transfer', 'posted', 'debit', '500', '0', '-500', '0', '-500', 5)`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	var before []coffer.Entry
	rows, err := db.QueryContext(ctx, `SELECT `+entryColumns+` FROM entries ORDER BY account_id, seq`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			t.Fatal(err)
		}
		before = append(before, e)
	}
	rows.Close()
	db.Close()

	s, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("Open migrates: %v", err)
	}
	defer s.Close()
	var after []coffer.Entry
	err = s.Scan(ctx, coffer.Scanner{Entry: func(e coffer.Entry) error {
		after = append(after, e)
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before) {
		t.Fatalf("%d entries after the migration, %d before", len(after), len(before))
	}
	for i := range before {
		if after[i] != before[i] {
			t.Errorf("entry %d: %+v after the migration, %+v before", i, after[i], before[i])
		}
	}
	got, err := s.AccountTransfers(ctx, coffer.AccountTransferFilter{AccountID: "wallet:bob:USD"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Transfer.ID != "t1" || got[0].Seq != 1 || got[1].Transfer.ID != "h1" || got[1].Seq != 2 {
		t.Errorf("bob's transfers after the migration: %+v", got)
	}
	var indexes int
	if err := s.write.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'index'
		AND name IN ('transfers_debit_idx', 'transfers_credit_idx')`).Scan(&indexes); err != nil {
		t.Fatal(err)
	}
	if indexes != 0 {
		t.Errorf("%d of the transfer indexes by account are left", indexes)
	}
}
