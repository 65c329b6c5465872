-- Balance monitors: an operator's condition on one account (account_id) or on every account of
-- an asset (account_id ''), with an event at each edge. threshold in the asset's minor unit as
-- decimal text; period in microseconds (no_movement). monitor_states keeps, per monitor and
-- account, whether the condition held when last evaluated.
CREATE TABLE monitors (
	id          TEXT PRIMARY KEY,
	account_id  TEXT NOT NULL,
	asset       TEXT NOT NULL,
	condition   TEXT NOT NULL,
	threshold   TEXT NOT NULL,
	period      INTEGER NOT NULL,
	description TEXT NOT NULL,
	created_by  TEXT NOT NULL,
	created_at  INTEGER NOT NULL,
	updated_at  INTEGER NOT NULL
) STRICT;

CREATE INDEX monitors_by_account ON monitors (account_id, id);
CREATE INDEX monitors_by_asset ON monitors (asset, id);

CREATE TABLE monitor_states (
	monitor_id TEXT NOT NULL,
	account_id TEXT NOT NULL,
	triggered  INTEGER NOT NULL,
	changed_at INTEGER NOT NULL,
	PRIMARY KEY (monitor_id, account_id)
) STRICT, WITHOUT ROWID;
