-- Requests for manual money moves that a second admin key approves or rejects (maker-checker).
-- id is the move's own id, its operation id once applied; request is the move's JSON body as
-- asked. requested_by and decided_by are API key ids, never secrets.
CREATE TABLE approvals (
	id           text PRIMARY KEY,
	kind         text NOT NULL,
	request      text NOT NULL,
	fingerprint  text NOT NULL,
	status       text NOT NULL,
	requested_by text NOT NULL,
	requested_at timestamptz NOT NULL,
	decided_by   text NOT NULL DEFAULT '',
	decided_at   timestamptz,
	reason       text NOT NULL DEFAULT ''
);

-- The listing: the waiting ones first, each part newest first.
CREATE INDEX approvals_listing ON approvals ((status = 'waiting') DESC, requested_at DESC, id DESC);
CREATE INDEX approvals_by_status ON approvals (status, requested_at DESC, id DESC);
