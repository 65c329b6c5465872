-- The chain watcher's state. chain_blocks keeps each chain's newest accepted blocks, so that the
-- next block's parent hash is checked against them and a reorg walked back, across restarts too;
-- the highest is the watcher's cursor. deposits holds every transfer into a deposit address, by
-- its key ("<chain id>:<tx hash>:<position>"), which a re-included transaction keeps. amount
-- holds up to 78 digits: a refused amount may reach 2^256. block_number and block_hash are 0 and
-- '' while the deposit is out of the canonical chain, forked_at the ancestor's number.
CREATE TABLE chain_blocks (
    chain       text COLLATE "C" NOT NULL,
    number      bigint NOT NULL,
    hash        text NOT NULL,
    parent_hash text NOT NULL,
    PRIMARY KEY (chain, number)
);

CREATE TABLE deposits (
    key          text COLLATE "C" PRIMARY KEY,
    chain        text COLLATE "C" NOT NULL,
    asset        text NOT NULL,
    tx_hash      text NOT NULL,
    from_address text NOT NULL,
    to_address   text NOT NULL,
    owner        text NOT NULL,
    amount       numeric(78, 0) NOT NULL,
    status       text NOT NULL,
    block_number bigint NOT NULL,
    block_hash   text NOT NULL,
    forked_at    bigint NOT NULL,
    reason       text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL
);
CREATE INDEX deposits_status_idx ON deposits (chain, status, block_number, key);
