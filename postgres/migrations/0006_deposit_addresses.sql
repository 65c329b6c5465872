-- Each owner's derivation index: the owner's deposit addresses on every chain are
-- m/44'/60'/0'/0/idx, the same address on each EVM chain, so that money sent on the wrong chain
-- lands on a key Coffer holds. An owner's row is made with its first address, idx one above the
-- largest so far (under a lock of this table, not from a sequence): no gaps, so a wallet that
-- scans the chain with a gap limit finds them all. idx is unique: two owners sharing a key would
-- share their deposits.
CREATE TABLE owner_key_indexes (
    owner text COLLATE "C" PRIMARY KEY,
    idx   bigint NOT NULL UNIQUE CHECK (idx >= 0)
);

-- The owners' deposit addresses, one per owner and chain. address is EIP-55 checksummed, for
-- display; address_lower is its lowercase form, which the chain watcher's lookups compare, and
-- is unique on a chain. idx is the owner's row in owner_key_indexes. The indexes serve the
-- listing (by idx, then chain; and an owner's) and the lookups.
CREATE TABLE deposit_addresses (
    chain         text COLLATE "C" NOT NULL,
    owner         text COLLATE "C" NOT NULL,
    address       text NOT NULL,
    address_lower text COLLATE "C" NOT NULL,
    idx           bigint NOT NULL,
    created_at    timestamptz NOT NULL,
    PRIMARY KEY (chain, owner)
);
CREATE UNIQUE INDEX deposit_addresses_lookup ON deposit_addresses (chain, address_lower);
CREATE UNIQUE INDEX deposit_addresses_listing ON deposit_addresses (idx, chain);
CREATE INDEX deposit_addresses_owner ON deposit_addresses (owner, chain);
