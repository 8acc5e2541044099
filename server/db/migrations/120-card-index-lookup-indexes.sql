-- Indexes for the card index's lookups at a million cards (docs/decisions/121-a-million-cards.md),
-- chosen from the EXPLAIN (ANALYZE) of each lookup on 1,000,000 cards over 10,000 accounts
-- (npm run bench -- million). Plain btree indexes: the same on PGlite and PostgreSQL, no extension.

-- By last4, newest first: ~100 cards per last4 at a million. (last4, created, id) answers the
-- page in index order, reading only the rows it returns, where the last4-only index fetched and
-- sorted all of them.
CREATE INDEX card_index_last4_created_idx ON card_index (last4, created DESC, card_id DESC);
DROP INDEX card_index_last4_idx;

-- By the cardholder's whole email (a support agent's lookup by email): equality on a btree, where
-- the trigram index of 020 intersects the long posting lists of the trigrams every address
-- shares (".example", "acct"…): 19 ms at 100,000 cardholders.
CREATE INDEX cardholder_index_email_idx ON cardholder_index (lower(email));

-- "Does the index cover every account?" before each lookup: the accounts still to backfill,
-- usually none, without reading the 10,000 that are done.
CREATE INDEX card_index_accounts_pending_idx ON card_index_accounts (account_id) WHERE backfilled_at IS NULL;
