-- The remaining-limit query at scale (issue 18 item 7, docs/decisions/150-mirror-at-scale.md).
-- mirroredSpend (server/db/mirror-reads.ts) reads every approved authorization of a cardholder
-- in the widest window of its limits (a year for a yearly limit) with the sum of each one's
-- captures. Measured with `npm run bench -- mirror` (EXPLAIN (ANALYZE, BUFFERS)) on 10,000,000
-- authorizations and 7,200,000 transactions: a cardholder with 10,088 in the year took 264 ms
-- (a bitmap heap scan, then per authorization an index probe and a heap fetch in
-- mirror_transactions: 50,000 buffers); with the two covering indexes below, both index-only,
-- 42 ms; a usual cardholder (~100 a year) 2.8 ms. Building them on that set took 42 s.

-- What a spend row needs, in the index: the scan never visits the table (index-only, once
-- VACUUM has marked the pages all-visible, which autovacuum does for insert-mostly tables).
-- Replaces the plain (cardholder_id, created) index of migration 148, which only this query uses.
DROP INDEX IF EXISTS mirror_authorizations_cardholder_idx;
CREATE INDEX mirror_authorizations_cardholder_idx ON mirror_authorizations (cardholder_id, created)
  INCLUDE (id, account_id, approved, status, amount, category);

-- The captures of an authorization, their type and amount in the index: the per-authorization
-- sum is an index-only probe. Still serves transactionsOf (authorization_id = ANY(...)).
DROP INDEX IF EXISTS mirror_transactions_authorization_idx;
CREATE INDEX mirror_transactions_authorization_idx ON mirror_transactions (authorization_id) INCLUDE (type, amount);
