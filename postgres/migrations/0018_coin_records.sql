-- The coin wallet profile's records: each recharge, pay or exchange under its transaction id, as
-- first answered, done or refused by the ledger; listed per user, newest first.
CREATE TABLE coin_records (
	id          text PRIMARY KEY,
	owner       text NOT NULL,
	kind        text NOT NULL,
	request     text NOT NULL,
	fingerprint text NOT NULL,
	failed      boolean NOT NULL,
	code        text NOT NULL,
	message     text NOT NULL,
	answer      text NOT NULL,
	created_at  timestamptz NOT NULL
);

CREATE INDEX coin_records_by_owner ON coin_records (owner, created_at DESC, id DESC);
