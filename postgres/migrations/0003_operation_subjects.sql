-- Operations carry what they were about (the owner, the account and the one on the other side,
-- the asset, the amount as given), so that they can be listed: the rejected ones above all,
-- which leave no transfer behind.
--
-- Every operation is indexed by time: created_at grows, so each insert lands at the index's
-- right edge. The rejected ones are also indexed by owner, account and code; the indexes are
-- partial, so the operations that were done, nearly all of them, cost them nothing. Queries add
-- "err_code <> ''" so that the planner may use them.
ALTER TABLE operations
    ADD COLUMN owner text COLLATE "C" NOT NULL DEFAULT '',
    ADD COLUMN account_id text COLLATE "C" NOT NULL DEFAULT '',
    ADD COLUMN counter_account_id text COLLATE "C" NOT NULL DEFAULT '',
    ADD COLUMN asset text COLLATE "C" NOT NULL DEFAULT '',
    ADD COLUMN amount numeric(39,0) NOT NULL DEFAULT 0;

CREATE INDEX operations_created ON operations (created_at, id);
CREATE INDEX operations_rejected ON operations (created_at, id) WHERE err_code <> '';
CREATE INDEX operations_rejected_owner ON operations (owner, created_at, id) WHERE err_code <> '';
CREATE INDEX operations_rejected_account ON operations (account_id, created_at, id) WHERE err_code <> '';
CREATE INDEX operations_rejected_counter ON operations (counter_account_id, created_at, id) WHERE err_code <> '';
CREATE INDEX operations_rejected_code ON operations (err_code, created_at, id) WHERE err_code <> '';
