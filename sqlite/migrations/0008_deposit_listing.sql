-- The listing of deposits for people (GET /v1/deposits): newest first, by created_at then key,
-- filtered by owner, deposit address, transaction, chain or status. Each filter but the
-- transaction's has an index that keeps its rows in the listing's order, so a page reads its
-- own rows and no sort; a transaction has a few deposits, sorted at once. The asset filters the
-- rows another index gives.
CREATE INDEX deposits_created_idx ON deposits (created_at, key);
CREATE INDEX deposits_owner_idx ON deposits (owner, created_at, key);
CREATE INDEX deposits_to_idx ON deposits (to_address, created_at, key);
CREATE INDEX deposits_tx_idx ON deposits (tx_hash);
CREATE INDEX deposits_chain_created_idx ON deposits (chain, created_at, key);
CREATE INDEX deposits_status_created_idx ON deposits (status, created_at, key);
