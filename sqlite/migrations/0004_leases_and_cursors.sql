-- The background duties' leases: one row per duty (the relay, hold expiry), held by one process
-- at a time until expires_at. token grows by one each time the lease changes hands: a write made
-- under the lease carries the token and is refused once a newer holder exists. Times in
-- microseconds since the epoch, like every other table.
CREATE TABLE leases (
    name       TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    token      INTEGER NOT NULL,
    since      INTEGER NOT NULL,
    renewed_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    progress   TEXT NOT NULL DEFAULT ''
) STRICT;

-- How far each sink of the relay has acknowledged the event stream.
CREATE TABLE sink_cursors (
    sink       TEXT PRIMARY KEY,
    seq        INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
