-- The background duties' leases: one row per duty (the relay, hold expiry), held by one process
-- at a time until expires_at, by the database's clock. token grows by one each time the lease
-- changes hands: a write made under the lease carries the token and is refused once a newer
-- holder exists.
CREATE TABLE leases (
    name       text COLLATE "C" PRIMARY KEY,
    holder     text NOT NULL,
    token      bigint NOT NULL,
    since      timestamptz NOT NULL,
    renewed_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    progress   text NOT NULL DEFAULT ''
);

-- How far each sink of the relay has acknowledged the event stream.
CREATE TABLE sink_cursors (
    sink       text COLLATE "C" PRIMARY KEY,
    seq        bigint NOT NULL,
    updated_at timestamptz NOT NULL
);
