-- The coin wallet profile's records: each recharge, pay or exchange under its transaction id, as
-- first answered, done or refused by the ledger; listed per user, newest first.
CREATE TABLE coin_records (
	id          TEXT PRIMARY KEY,
	owner       TEXT NOT NULL,
	kind        TEXT NOT NULL,
	request     TEXT NOT NULL,
	fingerprint TEXT NOT NULL,
	failed      INTEGER NOT NULL,
	code        TEXT NOT NULL,
	message     TEXT NOT NULL,
	answer      TEXT NOT NULL,
	created_at  INTEGER NOT NULL
) STRICT;

CREATE INDEX coin_records_by_owner ON coin_records (owner, created_at DESC, id DESC);
