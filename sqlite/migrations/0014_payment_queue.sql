-- The payment-queue contract's withdraw and pay requests by queue_id, and the addresses its
-- topup requests registered.
CREATE TABLE payment_queue_requests (
	queue_id    TEXT PRIMARY KEY,
	kind        TEXT NOT NULL,
	fingerprint TEXT NOT NULL,
	transfer_id TEXT NOT NULL,
	data        TEXT NOT NULL,
	created_at  INTEGER NOT NULL
) STRICT;

CREATE INDEX payment_queue_requests_by_transfer ON payment_queue_requests (transfer_id);

CREATE TABLE payment_queue_watches (
	chain       TEXT NOT NULL,
	address_key TEXT NOT NULL, -- the address in lowercase
	address     TEXT NOT NULL, -- as the request wrote it
	owner       TEXT NOT NULL,
	symbol      TEXT NOT NULL,
	created_at  INTEGER NOT NULL,
	PRIMARY KEY (chain, address_key)
) STRICT;
