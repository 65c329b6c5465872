-- Chain reconciliations: the ledger's custody of a chain against the chain at a pinned block,
-- and the differences each found (balances per address and asset, transfers by hash). Amounts
-- hold up to 78 digits: a chain balance may reach 2^256.
CREATE TABLE chain_reconciliations (
	id           text COLLATE "C" PRIMARY KEY,
	chain        text COLLATE "C" NOT NULL,
	block_number bigint NOT NULL,
	block_hash   text NOT NULL,
	from_block   bigint NOT NULL,
	status       text NOT NULL,
	addresses    integer NOT NULL,
	assets       integer NOT NULL,
	omitted      integer NOT NULL,
	created_by   text NOT NULL,
	created_at   timestamptz NOT NULL
);

CREATE INDEX chain_reconciliations_by_time ON chain_reconciliations (created_at DESC, id DESC);
CREATE INDEX chain_reconciliations_by_chain ON chain_reconciliations (chain, created_at DESC, id DESC);

CREATE TABLE chain_reconciliation_lines (
	reconciliation_id text COLLATE "C" NOT NULL REFERENCES chain_reconciliations (id),
	n                 integer NOT NULL,
	kind              text NOT NULL,
	address           text NOT NULL,
	asset             text NOT NULL,
	tx_hash           text NOT NULL,
	on_chain          numeric(78, 0) NOT NULL,
	ledger            numeric(78, 0) NOT NULL,
	difference        numeric(79, 0) NOT NULL,
	PRIMARY KEY (reconciliation_id, n)
);

-- The intents mined in a range of blocks, which a chain reconciliation compares by hash.
CREATE INDEX send_intents_mined ON send_intents (chain, block_number) WHERE block_number > 0;
