-- Balance monitors: an operator's condition on one account (account_id) or on every account of
-- an asset (account_id ''), with an event at each edge. threshold in the asset's minor unit;
-- period in microseconds (no_movement). monitor_states keeps, per monitor and account, whether
-- the condition held when last evaluated.
CREATE TABLE monitors (
	id          text PRIMARY KEY,
	account_id  text NOT NULL,
	asset       text NOT NULL,
	condition   text NOT NULL,
	threshold   numeric(39,0) NOT NULL,
	period      int8 NOT NULL,
	description text NOT NULL,
	created_by  text NOT NULL,
	created_at  timestamptz NOT NULL,
	updated_at  timestamptz NOT NULL
);

CREATE INDEX monitors_by_account ON monitors (account_id, id);
CREATE INDEX monitors_by_asset ON monitors (asset, id);

CREATE TABLE monitor_states (
	monitor_id text NOT NULL,
	account_id text NOT NULL,
	triggered  boolean NOT NULL,
	changed_at timestamptz NOT NULL,
	PRIMARY KEY (monitor_id, account_id)
);
