-- The listing of deposits for people (GET /v1/deposits): newest first, by created_at then key,
-- filtered by owner, deposit address or transaction. Each filter has an index that keeps its
-- rows in the listing's order, so a page reads only its own rows; chain, asset and status are
-- few-valued and filter the rows those indexes give.
CREATE INDEX deposits_created_idx ON deposits (created_at, key);
CREATE INDEX deposits_owner_idx ON deposits (owner, created_at, key);
CREATE INDEX deposits_to_idx ON deposits (to_address, created_at, key);
CREATE INDEX deposits_tx_idx ON deposits (tx_hash);
