-- The first schema. Names are unqualified: tables go into the first schema of the connection's
-- search_path, so one database can hold several Coffer schemas (one per test, for instance).
--
-- Ids compare byte by byte (COLLATE "C"), as Go and SQLite compare strings, so cursors and the
-- lock order of LockAccounts mean the same everywhere. Amounts are NUMERIC(39,0): 2^127-1 has 39
-- digits. The balance-carrying tables have no foreign keys: the ledger checks references before it
-- writes, and a foreign key check per entry would cost the hot path a lookup per row; the integrity
-- scan checks them instead.

CREATE TABLE assets (
    code       text COLLATE "C" PRIMARY KEY,
    scale      integer NOT NULL,
    created_at timestamptz NOT NULL
);

CREATE TABLE accounts (
    id                  text COLLATE "C" PRIMARY KEY,
    owner               text COLLATE "C" NOT NULL,
    asset               text COLLATE "C" NOT NULL,
    kind                text NOT NULL,
    overdraft_limit     numeric(39,0) NOT NULL DEFAULT 0 CHECK (overdraft_limit >= 0),
    overdraft_unlimited boolean NOT NULL DEFAULT false,
    locked_debits       boolean NOT NULL DEFAULT false,
    locked_credits      boolean NOT NULL DEFAULT false,
    lock_reason         text NOT NULL DEFAULT '',
    debits_pending      numeric(39,0) NOT NULL DEFAULT 0 CHECK (debits_pending >= 0),
    debits_posted       numeric(39,0) NOT NULL DEFAULT 0 CHECK (debits_posted >= 0),
    credits_pending     numeric(39,0) NOT NULL DEFAULT 0 CHECK (credits_pending >= 0),
    credits_posted      numeric(39,0) NOT NULL DEFAULT 0 CHECK (credits_posted >= 0),
    seq                 bigint NOT NULL DEFAULT 0 CHECK (seq >= 0),
    created_at          timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL
) WITH (fillfactor = 70); -- room on each page for HOT updates of the balances, which no index covers
CREATE INDEX accounts_owner_asset ON accounts (owner, asset);
CREATE INDEX accounts_asset ON accounts (asset);

CREATE TABLE transfers (
    id                text COLLATE "C" PRIMARY KEY,
    debit_account_id  text COLLATE "C" NOT NULL,
    credit_account_id text COLLATE "C" NOT NULL,
    asset             text COLLATE "C" NOT NULL,
    amount            numeric(39,0) NOT NULL CHECK (amount >= 0),
    type              text NOT NULL,
    state             text NOT NULL,
    pending           boolean NOT NULL DEFAULT false,
    posted_amount     numeric(39,0) NOT NULL DEFAULT 0 CHECK (posted_amount >= 0),
    refunded          numeric(39,0) NOT NULL DEFAULT 0 CHECK (refunded >= 0),
    expires_at        timestamptz,
    grp               text COLLATE "C" NOT NULL DEFAULT '',
    reference         text COLLATE "C" NOT NULL DEFAULT '',
    metadata          jsonb, -- a JSON object of strings; NULL when empty
    created_at        timestamptz NOT NULL,
    resolved_at       timestamptz
);
CREATE INDEX transfers_debit ON transfers (debit_account_id, created_at, id);
CREATE INDEX transfers_credit ON transfers (credit_account_id, created_at, id);
-- Most transfers carry no reference; leaving them out keeps the index small and writes cheap.
-- Queries add "reference <> ''" so that the planner may use it.
CREATE INDEX transfers_reference ON transfers (reference) WHERE reference <> '';
-- No index on type: a type filter rides the created_at index; one fewer index per insert.
CREATE INDEX transfers_created ON transfers (created_at, id);
-- The expiry duty's queue: only unresolved transfers, so it stays as small as the open holds.
CREATE INDEX transfers_expiry ON transfers (expires_at, id) WHERE state = 'pending';

CREATE TABLE entries (
    account_id       text COLLATE "C" NOT NULL,
    seq              bigint NOT NULL CHECK (seq >= 1),
    transfer_id      text COLLATE "C" NOT NULL,
    type             text NOT NULL,
    phase            text NOT NULL,
    side             text NOT NULL,
    amount           numeric(39,0) NOT NULL CHECK (amount >= 0),
    balance_before   numeric(39,0) NOT NULL,
    balance_after    numeric(39,0) NOT NULL,
    available_before numeric(39,0) NOT NULL,
    available_after  numeric(39,0) NOT NULL,
    created_at       timestamptz NOT NULL,
    PRIMARY KEY (account_id, seq)
);

CREATE TABLE events (
    seq        bigint PRIMARY KEY,
    id         text COLLATE "C" NOT NULL, -- evt_<seq>: unique through seq, so no index of its own
    type       text NOT NULL,
    subject    text COLLATE "C" NOT NULL,
    data       json, -- json, not jsonb: the snapshot is returned byte for byte as written
    created_at timestamptz NOT NULL
);

-- event_seq holds the last event sequence number handed out. Save updates it last, so its row
-- lock is held from then until commit and events are numbered in commit order, without gaps.
CREATE TABLE event_seq (
    one  boolean PRIMARY KEY DEFAULT true CHECK (one),
    last bigint NOT NULL CHECK (last >= 0)
);
INSERT INTO event_seq (last) VALUES (0);

CREATE TABLE operations (
    id          text COLLATE "C" PRIMARY KEY,
    kind        text NOT NULL,
    fingerprint text NOT NULL,
    result      json, -- NULL for a rejected command
    err_code    text NOT NULL DEFAULT '',
    err_message text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL
);

CREATE TABLE api_keys (
    id         text COLLATE "C" PRIMARY KEY,
    name       text NOT NULL,
    role       text NOT NULL,
    hash       text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL,
    revoked_at timestamptz
);
