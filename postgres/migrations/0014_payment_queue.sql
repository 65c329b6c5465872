-- The payment-queue contract's withdraw and pay requests by queue_id, and the addresses its
-- topup requests registered.
CREATE TABLE payment_queue_requests (
	queue_id    text PRIMARY KEY,
	kind        text NOT NULL,
	fingerprint text NOT NULL,
	transfer_id text NOT NULL,
	data        text NOT NULL,
	created_at  timestamptz NOT NULL
);

CREATE INDEX payment_queue_requests_by_transfer ON payment_queue_requests (transfer_id);

CREATE TABLE payment_queue_watches (
	chain       text NOT NULL,
	address_key text NOT NULL, -- the address in lowercase
	address     text NOT NULL, -- as the request wrote it
	owner       text NOT NULL,
	symbol      text NOT NULL,
	created_at  timestamptz NOT NULL,
	PRIMARY KEY (chain, address_key)
);
