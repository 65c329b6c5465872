-- The sender's state. send_intents holds each transfer Coffer must make on a chain from one of
-- its addresses, send_attempts every signed transaction of an intent (replacements share the
-- intent's nonce), with its raw bytes so that it can be sent again as it was. send_nonces gives
-- each nonce of an address to one intent: a nonce never broadcast is reused only by its own
-- intent. Amounts and fees are decimal strings; times in microseconds since the epoch.
CREATE TABLE send_intents (
    id           TEXT PRIMARY KEY,
    chain        TEXT NOT NULL,
    from_address TEXT NOT NULL,
    to_address   TEXT NOT NULL,
    asset        TEXT NOT NULL,
    contract     TEXT NOT NULL,
    amount       TEXT NOT NULL,
    state        TEXT NOT NULL,
    nonce        INTEGER NOT NULL DEFAULT 0,
    tx_hash      TEXT NOT NULL DEFAULT '',
    block_number INTEGER NOT NULL DEFAULT 0,
    gas_used     INTEGER NOT NULL DEFAULT 0,
    fee          TEXT NOT NULL DEFAULT '',
    reason       TEXT NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX send_intents_sender_idx ON send_intents (chain, from_address, state, created_at, id);

CREATE TABLE send_nonces (
    chain        TEXT NOT NULL,
    from_address TEXT NOT NULL,
    nonce        INTEGER NOT NULL,
    intent_id    TEXT NOT NULL,
    PRIMARY KEY (chain, from_address, nonce)
) STRICT, WITHOUT ROWID;

CREATE TABLE send_attempts (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    tx_hash      TEXT NOT NULL UNIQUE,
    intent_id    TEXT NOT NULL,
    chain        TEXT NOT NULL,
    from_address TEXT NOT NULL,
    nonce        INTEGER NOT NULL,
    raw          BLOB NOT NULL,
    gas_fee_cap  TEXT NOT NULL,
    gas_tip_cap  TEXT NOT NULL,
    gas          INTEGER NOT NULL,
    state        TEXT NOT NULL,
    sent_block   INTEGER NOT NULL DEFAULT 0,
    block_number INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
) STRICT;
CREATE INDEX send_attempts_intent_idx ON send_attempts (intent_id, seq);
