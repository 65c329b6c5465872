-- The sender's state. send_intents holds each transfer Coffer must make on a chain from one of
-- its addresses, send_attempts every signed transaction of an intent (replacements share the
-- intent's nonce), with its raw bytes so that it can be sent again as it was. send_nonces gives
-- each nonce of an address to one intent: a nonce never broadcast is reused only by its own
-- intent. Amounts and fees hold up to 78 digits (2^256); fee is NULL until the intent ends.
CREATE TABLE send_intents (
    id           text COLLATE "C" PRIMARY KEY,
    chain        text COLLATE "C" NOT NULL,
    from_address text COLLATE "C" NOT NULL,
    to_address   text NOT NULL,
    asset        text NOT NULL,
    contract     text NOT NULL,
    amount       numeric(78, 0) NOT NULL,
    state        text COLLATE "C" NOT NULL,
    nonce        bigint NOT NULL DEFAULT 0,
    tx_hash      text NOT NULL DEFAULT '',
    block_number bigint NOT NULL DEFAULT 0,
    gas_used     bigint NOT NULL DEFAULT 0,
    fee          numeric(78, 0),
    reason       text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL
);
CREATE INDEX send_intents_sender_idx ON send_intents (chain, from_address, state, created_at, id);

CREATE TABLE send_nonces (
    chain        text COLLATE "C" NOT NULL,
    from_address text COLLATE "C" NOT NULL,
    nonce        bigint NOT NULL,
    intent_id    text COLLATE "C" NOT NULL,
    PRIMARY KEY (chain, from_address, nonce)
);

CREATE TABLE send_attempts (
    seq          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tx_hash      text COLLATE "C" NOT NULL UNIQUE,
    intent_id    text COLLATE "C" NOT NULL,
    chain        text COLLATE "C" NOT NULL,
    from_address text COLLATE "C" NOT NULL,
    nonce        bigint NOT NULL,
    raw          bytea NOT NULL,
    gas_fee_cap  numeric(78, 0) NOT NULL,
    gas_tip_cap  numeric(78, 0) NOT NULL,
    gas          bigint NOT NULL,
    state        text NOT NULL,
    sent_block   bigint NOT NULL DEFAULT 0,
    block_number bigint NOT NULL DEFAULT 0,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL
);
CREATE INDEX send_attempts_intent_idx ON send_attempts (intent_id, seq);
