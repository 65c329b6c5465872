-- Chain reconciliations: the ledger's custody of a chain against the chain at a pinned block,
-- and the differences each found (balances per address and asset, transfers by hash). Amounts
-- are decimal text: a chain balance may reach 2^256.
CREATE TABLE chain_reconciliations (
	id           TEXT PRIMARY KEY,
	chain        TEXT NOT NULL,
	block_number INTEGER NOT NULL,
	block_hash   TEXT NOT NULL,
	from_block   INTEGER NOT NULL,
	status       TEXT NOT NULL,
	addresses    INTEGER NOT NULL,
	assets       INTEGER NOT NULL,
	omitted      INTEGER NOT NULL,
	created_by   TEXT NOT NULL,
	created_at   INTEGER NOT NULL
) STRICT;

CREATE INDEX chain_reconciliations_by_time ON chain_reconciliations (created_at DESC, id DESC);
CREATE INDEX chain_reconciliations_by_chain ON chain_reconciliations (chain, created_at DESC, id DESC);

CREATE TABLE chain_reconciliation_lines (
	reconciliation_id TEXT NOT NULL,
	n                 INTEGER NOT NULL,
	kind              TEXT NOT NULL,
	address           TEXT NOT NULL,
	asset             TEXT NOT NULL,
	tx_hash           TEXT NOT NULL,
	on_chain          TEXT NOT NULL,
	ledger            TEXT NOT NULL,
	difference        TEXT NOT NULL,
	PRIMARY KEY (reconciliation_id, n)
) STRICT;

-- The intents mined in a range of blocks, which a chain reconciliation compares by hash.
CREATE INDEX send_intents_mined ON send_intents (chain, block_number) WHERE block_number > 0;
