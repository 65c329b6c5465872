-- Reconciliations of an account's balance at a period's end against an outside figure.
CREATE TABLE reconciliations (
	id           TEXT PRIMARY KEY,
	account_id   TEXT NOT NULL,
	asset        TEXT NOT NULL,
	period_start INTEGER,
	period_end   INTEGER NOT NULL,
	seq          INTEGER NOT NULL,
	ledger       TEXT NOT NULL,
	external     TEXT NOT NULL,
	difference   TEXT NOT NULL,
	tolerance    TEXT NOT NULL,
	status       TEXT NOT NULL,
	source       TEXT NOT NULL,
	note         TEXT NOT NULL,
	fingerprint  TEXT NOT NULL,
	created_by   TEXT NOT NULL,
	created_at   INTEGER NOT NULL
) STRICT;

CREATE INDEX reconciliations_by_time ON reconciliations (created_at DESC, id DESC);
CREATE INDEX reconciliations_by_account ON reconciliations (account_id, created_at DESC, id DESC);
