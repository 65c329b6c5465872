-- The chain watcher's state. chain_blocks keeps each chain's newest accepted blocks, so that the
-- next block's parent hash is checked against them and a reorg walked back, across restarts too;
-- the highest is the watcher's cursor. deposits holds every transfer into a deposit address, by
-- its key ("<chain id>:<tx hash>:<position>"), which a re-included transaction keeps. amount is
-- a decimal string: a refused amount may exceed any SQL integer. block_number and block_hash are
-- 0 and '' while the deposit is out of the canonical chain, forked_at the ancestor's number.
-- Times in microseconds since the epoch, like every other table.
CREATE TABLE chain_blocks (
    chain       TEXT NOT NULL,
    number      INTEGER NOT NULL,
    hash        TEXT NOT NULL,
    parent_hash TEXT NOT NULL,
    PRIMARY KEY (chain, number)
) STRICT, WITHOUT ROWID;

CREATE TABLE deposits (
    key          TEXT PRIMARY KEY,
    chain        TEXT NOT NULL,
    asset        TEXT NOT NULL,
    tx_hash      TEXT NOT NULL,
    from_address TEXT NOT NULL,
    to_address   TEXT NOT NULL,
    owner        TEXT NOT NULL,
    amount       TEXT NOT NULL,
    status       TEXT NOT NULL,
    block_number INTEGER NOT NULL,
    block_hash   TEXT NOT NULL,
    forked_at    INTEGER NOT NULL,
    reason       TEXT NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX deposits_status_idx ON deposits (chain, status, block_number, key);
