-- Every event carries hash, the SHA-256 that chains it to the event before it in seq order
-- (coffer.ChainEvent), and event_seq keeps the hash of the last event beside its seq: the head
-- the next event follows. The events written before this migration are chained by Go code that
-- runs in this migration's transaction, right after this file (chainEvents in migrate.go), in
-- seq order from hash_0 (32 zero bytes). Every event written since has its hash from the write
-- transaction itself.
ALTER TABLE events ADD COLUMN hash BLOB;
ALTER TABLE event_seq ADD COLUMN hash BLOB;
