-- The wallet demo profile's numbers (compat/walletdemo): each wallet's number, the owner's
-- wallet account in the asset it stands for, and the numbers of its reconciliations.
-- AUTOINCREMENT, so that a number is never given twice.
CREATE TABLE demo_wallets (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	owner      TEXT NOT NULL,
	asset      TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	UNIQUE (owner, asset)
) STRICT;

CREATE TABLE demo_reconciliations (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	wallet_id  INTEGER NOT NULL REFERENCES demo_wallets (id),
	created_at INTEGER NOT NULL
) STRICT;
