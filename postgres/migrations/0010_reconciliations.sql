-- Reconciliations of an account's balance at a period's end against an outside figure.
CREATE TABLE reconciliations (
	id           text PRIMARY KEY,
	account_id   text NOT NULL,
	asset        text NOT NULL,
	period_start timestamptz,
	period_end   timestamptz NOT NULL,
	seq          int8 NOT NULL,
	ledger       numeric(39,0) NOT NULL,
	external     numeric(39,0) NOT NULL,
	difference   numeric(39,0) NOT NULL,
	tolerance    numeric(39,0) NOT NULL,
	status       text NOT NULL,
	source       text NOT NULL,
	note         text NOT NULL,
	fingerprint  text NOT NULL,
	created_by   text NOT NULL,
	created_at   timestamptz NOT NULL
);

CREATE INDEX reconciliations_by_time ON reconciliations (created_at DESC, id DESC);
CREATE INDEX reconciliations_by_account ON reconciliations (account_id, created_at DESC, id DESC);
