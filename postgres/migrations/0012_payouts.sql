-- The payouts' listing: every send intent newest first, of one state or all.
CREATE INDEX send_intents_listing_idx ON send_intents (created_at, id);
CREATE INDEX send_intents_state_idx ON send_intents (state, created_at, id);
