-- The final notice of a payment-queue request's payout, its id and bytes, stored when the
-- payout ends, so that the request sent again is answered with the same notice. NULL until
-- then, and for requests whose payout ended before this migration.
ALTER TABLE payment_queue_requests ADD COLUMN notice_id TEXT;
ALTER TABLE payment_queue_requests ADD COLUMN notice TEXT;
