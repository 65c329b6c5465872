-- Requests for manual money moves that a second admin key approves or rejects (maker-checker).
-- id is the move's own id, its operation id once applied; request is the move's JSON body as
-- asked. requested_by and decided_by are API key ids, never secrets. Times in microseconds.
CREATE TABLE approvals (
	id           TEXT PRIMARY KEY,
	kind         TEXT NOT NULL,
	request      TEXT NOT NULL,
	fingerprint  TEXT NOT NULL,
	status       TEXT NOT NULL,
	requested_by TEXT NOT NULL,
	requested_at INTEGER NOT NULL,
	decided_by   TEXT NOT NULL DEFAULT '',
	decided_at   INTEGER,
	reason       TEXT NOT NULL DEFAULT ''
) STRICT;

-- The listing: the waiting ones first, each part newest first.
CREATE INDEX approvals_listing ON approvals ((status = 'waiting') DESC, requested_at DESC, id DESC);
CREATE INDEX approvals_by_status ON approvals (status, requested_at DESC, id DESC);
