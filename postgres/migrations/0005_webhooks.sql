-- The webhook endpoints: one row per endpoint, with what an operator set (url, events,
-- description, status, the secrets) and the relay's delivery state (failures, next_attempt_at,
-- dead_at, dead_reason). events lists event types, '{}' for every type. revision grows by one
-- with each operator's change, never with the delivery state. The endpoint's position in the
-- event stream is its row in sink_cursors, named 'webhook:' and its id.
CREATE TABLE webhooks (
    id                         text COLLATE "C" PRIMARY KEY,
    url                        text NOT NULL,
    events                     text[] NOT NULL DEFAULT '{}',
    description                text NOT NULL DEFAULT '',
    status                     text NOT NULL,
    secret                     text NOT NULL,
    previous_secret            text NOT NULL DEFAULT '',
    previous_secret_expires_at timestamptz,
    revision                   bigint NOT NULL,
    replay_after               bigint,
    failures                   integer NOT NULL DEFAULT 0,
    next_attempt_at            timestamptz,
    dead_at                    timestamptz,
    dead_reason                text NOT NULL DEFAULT '',
    created_at                 timestamptz NOT NULL,
    updated_at                 timestamptz NOT NULL
);

-- Every delivery attempt, as it went: an operator's record of what the endpoint answered. ids
-- come from an identity, so they grow and are never given twice; they order the listing and page
-- it. latency in microseconds; response is the answer's first bytes as they came, which need not
-- be UTF-8 (a text column would refuse them, and the attempts with them). No foreign key:
-- DeleteWebhook removes an endpoint's attempts in its own transaction. The indexes serve the
-- listing, newest first: an endpoint's attempts, and its attempts at one event.
CREATE TABLE webhook_attempts (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    webhook    text COLLATE "C" NOT NULL,
    event_id   text COLLATE "C" NOT NULL,
    seq        bigint NOT NULL,
    attempt    integer NOT NULL,
    at         timestamptz NOT NULL,
    latency    bigint NOT NULL,
    status     integer NOT NULL,
    error      text NOT NULL DEFAULT '',
    response   bytea NOT NULL DEFAULT '',
    outcome    text NOT NULL,
    redelivery boolean NOT NULL DEFAULT false
);
CREATE INDEX webhook_attempts_webhook ON webhook_attempts (webhook, id);
CREATE INDEX webhook_attempts_event ON webhook_attempts (webhook, event_id, id);
