-- The ledger's tables. The PostgreSQL store uses the same table and column names.
--
-- Amounts are TEXT holding decimal minor units (coffer.Amount.String), since they pass int64.
-- Times are INTEGER unix microseconds in UTC. Booleans are INTEGER 0 or 1. Tables are STRICT so a
-- value of the wrong type fails loudly instead of being stored as whatever it was.

CREATE TABLE assets (
	code       TEXT NOT NULL PRIMARY KEY,
	scale      INTEGER NOT NULL,
	created_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- Accounts are small and found by id, so they live in the primary key's b-tree (WITHOUT ROWID).
CREATE TABLE accounts (
	id                  TEXT NOT NULL PRIMARY KEY,
	owner               TEXT NOT NULL,
	asset               TEXT NOT NULL,
	kind                TEXT NOT NULL,
	overdraft_limit     TEXT NOT NULL,
	overdraft_unlimited INTEGER NOT NULL,
	locked_debits       INTEGER NOT NULL,
	locked_credits      INTEGER NOT NULL,
	lock_reason         TEXT NOT NULL,
	debits_pending      TEXT NOT NULL,
	debits_posted       TEXT NOT NULL,
	credits_pending     TEXT NOT NULL,
	credits_posted      TEXT NOT NULL,
	seq                 INTEGER NOT NULL,
	created_at          INTEGER NOT NULL,
	updated_at          INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE INDEX accounts_owner_asset_idx ON accounts (owner, asset);
CREATE INDEX accounts_asset_idx ON accounts (asset);

-- Transfers keep a rowid: it grows with every insert, so the table itself is appended to, and the
-- indexes carry an 8-byte rowid rather than the transfer id.
CREATE TABLE transfers (
	id                TEXT NOT NULL PRIMARY KEY,
	debit_account_id  TEXT NOT NULL,
	credit_account_id TEXT NOT NULL,
	asset             TEXT NOT NULL,
	amount            TEXT NOT NULL,
	type              TEXT NOT NULL,
	state             TEXT NOT NULL,
	pending           INTEGER NOT NULL,
	posted_amount     TEXT NOT NULL,
	refunded          TEXT NOT NULL,
	expires_at        INTEGER,
	grp               TEXT NOT NULL,
	reference         TEXT NOT NULL,
	metadata          TEXT NOT NULL, -- a JSON object, or '' for none
	created_at        INTEGER NOT NULL,
	resolved_at       INTEGER
) STRICT;

CREATE INDEX transfers_debit_idx ON transfers (debit_account_id, created_at, id);
CREATE INDEX transfers_credit_idx ON transfers (credit_account_id, created_at, id);
-- Most transfers carry no reference; leaving them out keeps the index small and writes cheap.
-- Queries add "reference <> ''" so that SQLite knows it may use it.
CREATE INDEX transfers_reference_idx ON transfers (reference) WHERE reference <> '';
CREATE INDEX transfers_created_idx ON transfers (created_at, id);
-- Only unresolved holds wait for expiry; the literal 'pending' must appear in queries that use it.
CREATE INDEX transfers_expires_idx ON transfers (expires_at, id) WHERE state = 'pending';

-- Entries are read per account in seq order, so they are clustered by (account_id, seq).
CREATE TABLE entries (
	account_id       TEXT NOT NULL,
	seq              INTEGER NOT NULL,
	transfer_id      TEXT NOT NULL,
	type             TEXT NOT NULL,
	phase            TEXT NOT NULL,
	side             TEXT NOT NULL,
	amount           TEXT NOT NULL,
	balance_before   TEXT NOT NULL,
	balance_after    TEXT NOT NULL,
	available_before TEXT NOT NULL,
	available_after  TEXT NOT NULL,
	created_at       INTEGER NOT NULL,
	PRIMARY KEY (account_id, seq)
) STRICT, WITHOUT ROWID;

CREATE TABLE events (
	seq        INTEGER PRIMARY KEY,
	id         TEXT NOT NULL, -- evt_<seq>: unique through seq, so no index of its own
	type       TEXT NOT NULL,
	subject    TEXT NOT NULL,
	data       TEXT NOT NULL,
	created_at INTEGER NOT NULL
) STRICT;

-- event_seq holds the last event seq handed out. Bumping it inside the write transaction numbers
-- events in commit order without gaps.
CREATE TABLE event_seq (
	last INTEGER NOT NULL
) STRICT;

INSERT INTO event_seq (last) VALUES (0);

CREATE TABLE operations (
	id          TEXT NOT NULL PRIMARY KEY,
	kind        TEXT NOT NULL,
	fingerprint TEXT NOT NULL,
	result      TEXT NOT NULL, -- JSON, or '' for a rejected command
	err_code    TEXT NOT NULL,
	err_message TEXT NOT NULL,
	created_at  INTEGER NOT NULL
) STRICT;

CREATE TABLE api_keys (
	id         TEXT NOT NULL PRIMARY KEY,
	name       TEXT NOT NULL,
	role       TEXT NOT NULL,
	hash       TEXT NOT NULL UNIQUE,
	created_at INTEGER NOT NULL,
	revoked_at INTEGER
) STRICT, WITHOUT ROWID;
