-- The webhook endpoints: one row per endpoint, with what an operator set (url, events,
-- description, status, the secrets) and the relay's delivery state (failures, next_attempt_at,
-- dead_at, dead_reason). events is a JSON array of event types, '[]' for every type. revision
-- grows by one with each operator's change, never with the delivery state. The endpoint's
-- position in the event stream is its row in sink_cursors, named 'webhook:' and its id. Times in
-- microseconds since the epoch, like every other table.
CREATE TABLE webhooks (
    id                         TEXT PRIMARY KEY,
    url                        TEXT NOT NULL,
    events                     TEXT NOT NULL DEFAULT '[]',
    description                TEXT NOT NULL DEFAULT '',
    status                     TEXT NOT NULL,
    secret                     TEXT NOT NULL,
    previous_secret            TEXT NOT NULL DEFAULT '',
    previous_secret_expires_at INTEGER,
    revision                   INTEGER NOT NULL,
    replay_after               INTEGER,
    failures                   INTEGER NOT NULL DEFAULT 0,
    next_attempt_at            INTEGER,
    dead_at                    INTEGER,
    dead_reason                TEXT NOT NULL DEFAULT '',
    created_at                 INTEGER NOT NULL,
    updated_at                 INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- Every delivery attempt, as it went: an operator's record of what the endpoint answered.
-- AUTOINCREMENT, so that an id is never given twice, even after the newest attempts went with
-- their endpoint: ids order the listing and page it. latency in microseconds; response is the
-- answer's first bytes as they came, which need not be text; redelivery 1 for an operator's
-- redelivery of one event. No foreign key: DeleteWebhook removes an endpoint's attempts in its
-- own transaction. The indexes serve the listing, newest first: an endpoint's attempts, and its
-- attempts at one event.
CREATE TABLE webhook_attempts (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    webhook    TEXT NOT NULL,
    event_id   TEXT NOT NULL,
    seq        INTEGER NOT NULL,
    attempt    INTEGER NOT NULL,
    at         INTEGER NOT NULL,
    latency    INTEGER NOT NULL,
    status     INTEGER NOT NULL,
    error      TEXT NOT NULL DEFAULT '',
    response   BLOB NOT NULL DEFAULT x'',
    outcome    TEXT NOT NULL,
    redelivery INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX webhook_attempts_webhook_idx ON webhook_attempts (webhook, id);
CREATE INDEX webhook_attempts_event_idx ON webhook_attempts (webhook, event_id, id);
