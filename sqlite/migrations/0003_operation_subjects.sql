-- Operations carry what they were about (the owner, the account and the one on the other side,
-- the asset, the amount as given), so that they can be listed: the rejected ones above all,
-- which leave no transfer behind.
--
-- Every operation is indexed by time: created_at grows, so each insert lands at the index's
-- right edge. The rejected ones are also indexed by owner, account and code; the indexes are
-- partial, so the operations that were done, nearly all of them, cost them nothing. Queries add
-- "err_code <> ''" so that SQLite knows it may use them.
ALTER TABLE operations ADD COLUMN owner TEXT NOT NULL DEFAULT '';
ALTER TABLE operations ADD COLUMN account_id TEXT NOT NULL DEFAULT '';
ALTER TABLE operations ADD COLUMN counter_account_id TEXT NOT NULL DEFAULT '';
ALTER TABLE operations ADD COLUMN asset TEXT NOT NULL DEFAULT '';
ALTER TABLE operations ADD COLUMN amount TEXT NOT NULL DEFAULT '0';

CREATE INDEX operations_created_idx ON operations (created_at, id);
CREATE INDEX operations_rejected_idx ON operations (created_at, id) WHERE err_code <> '';
CREATE INDEX operations_rejected_owner_idx ON operations (owner, created_at, id) WHERE err_code <> '';
CREATE INDEX operations_rejected_account_idx ON operations (account_id, created_at, id) WHERE err_code <> '';
CREATE INDEX operations_rejected_counter_idx ON operations (counter_account_id, created_at, id) WHERE err_code <> '';
CREATE INDEX operations_rejected_code_idx ON operations (err_code, created_at, id) WHERE err_code <> '';
