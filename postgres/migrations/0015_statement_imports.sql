-- Statements imported from outside and matched against an account's transfers: the import
-- (a job with its progress), its lines, the matches and the exceptions left for an operator.
CREATE TABLE statement_imports (
	id           text PRIMARY KEY,
	account_id   text NOT NULL,
	asset        text NOT NULL,
	format       text NOT NULL,
	content_hash text NOT NULL,
	period_from  timestamptz NOT NULL,
	period_to    timestamptz NOT NULL,
	window_us    int8 NOT NULL,
	status       text NOT NULL,
	lines        int8 NOT NULL,
	lines_read   int8 NOT NULL,
	matched      int8 NOT NULL,
	exceptions   int8 NOT NULL,
	error        text NOT NULL,
	created_by   text NOT NULL,
	created_at   timestamptz NOT NULL,
	updated_at   timestamptz NOT NULL,
	finished_at  timestamptz
);

CREATE TABLE statement_lines (
	import_id   text NOT NULL,
	line        int8 NOT NULL,
	date        timestamptz NOT NULL,
	day         boolean NOT NULL,
	amount      numeric(39,0) NOT NULL,
	direction   text NOT NULL,
	reference   text NOT NULL,
	description text NOT NULL,
	PRIMARY KEY (import_id, line)
);

CREATE TABLE statement_matches (
	import_id   text NOT NULL,
	line        int8 NOT NULL,
	transfer_id text NOT NULL,
	rule        text NOT NULL,
	matched_by  text NOT NULL,
	matched_at  timestamptz NOT NULL,
	PRIMARY KEY (import_id, transfer_id)
);

CREATE INDEX statement_matches_by_line ON statement_matches (import_id, line);

CREATE TABLE statement_exceptions (
	import_id        text NOT NULL,
	seq              int8 NOT NULL,
	kind             text NOT NULL,
	line             int8 NOT NULL,
	transfer_id      text NOT NULL,
	amount           numeric(39,0) NOT NULL,
	direction        text NOT NULL,
	date             timestamptz NOT NULL,
	reason           text NOT NULL,
	candidate        text NOT NULL,
	resolution       text NOT NULL,
	matched_line     int8 NOT NULL,
	matched_transfer text NOT NULL,
	adjustment_id    text NOT NULL,
	note             text NOT NULL,
	resolved_by      text NOT NULL,
	resolved_at      timestamptz,
	PRIMARY KEY (import_id, seq)
);

-- The open ones, which an operator works through.
CREATE INDEX statement_exceptions_open ON statement_exceptions (import_id, seq) WHERE resolution = '';
