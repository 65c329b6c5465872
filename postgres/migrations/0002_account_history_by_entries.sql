-- The transfers of an account are listed through its entries (the primary key (account_id, seq),
-- each transfer's creation entry), so the indexes of transfers by debit and by credit account go:
-- two fewer index inserts per transfer on the write path.
DROP INDEX transfers_debit;
DROP INDEX transfers_credit;
