-- Statements imported from outside and matched against an account's transfers: the import
-- (a job with its progress), its lines, the matches and the exceptions left for an operator.
CREATE TABLE statement_imports (
	id           TEXT PRIMARY KEY,
	account_id   TEXT NOT NULL,
	asset        TEXT NOT NULL,
	format       TEXT NOT NULL,
	content_hash TEXT NOT NULL,
	period_from  INTEGER NOT NULL,
	period_to    INTEGER NOT NULL,
	window_us    INTEGER NOT NULL,
	status       TEXT NOT NULL,
	lines        INTEGER NOT NULL,
	lines_read   INTEGER NOT NULL,
	matched      INTEGER NOT NULL,
	exceptions   INTEGER NOT NULL,
	error        TEXT NOT NULL,
	created_by   TEXT NOT NULL,
	created_at   INTEGER NOT NULL,
	updated_at   INTEGER NOT NULL,
	finished_at  INTEGER
) STRICT;

CREATE TABLE statement_lines (
	import_id   TEXT NOT NULL,
	line        INTEGER NOT NULL,
	date        INTEGER NOT NULL,
	day         INTEGER NOT NULL,
	amount      TEXT NOT NULL,
	direction   TEXT NOT NULL,
	reference   TEXT NOT NULL,
	description TEXT NOT NULL,
	PRIMARY KEY (import_id, line)
) STRICT, WITHOUT ROWID;

CREATE TABLE statement_matches (
	import_id   TEXT NOT NULL,
	line        INTEGER NOT NULL,
	transfer_id TEXT NOT NULL,
	rule        TEXT NOT NULL,
	matched_by  TEXT NOT NULL,
	matched_at  INTEGER NOT NULL,
	PRIMARY KEY (import_id, transfer_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX statement_matches_by_line ON statement_matches (import_id, line);

CREATE TABLE statement_exceptions (
	import_id        TEXT NOT NULL,
	seq              INTEGER NOT NULL,
	kind             TEXT NOT NULL,
	line             INTEGER NOT NULL,
	transfer_id      TEXT NOT NULL,
	amount           TEXT NOT NULL,
	direction        TEXT NOT NULL,
	date             INTEGER NOT NULL,
	reason           TEXT NOT NULL,
	candidate        TEXT NOT NULL,
	resolution       TEXT NOT NULL,
	matched_line     INTEGER NOT NULL,
	matched_transfer TEXT NOT NULL,
	adjustment_id    TEXT NOT NULL,
	note             TEXT NOT NULL,
	resolved_by      TEXT NOT NULL,
	resolved_at      INTEGER,
	PRIMARY KEY (import_id, seq)
) STRICT, WITHOUT ROWID;

-- The open ones, which an operator works through.
CREATE INDEX statement_exceptions_open ON statement_exceptions (import_id, seq) WHERE resolution = '';
