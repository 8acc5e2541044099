-- Pages read from the mirror in Stripe's order (docs/decisions/151-reads-from-the-mirror.md).
-- Stripe lists authorizations newest first; `created` is whole seconds, and ids are random, so
-- two authorizations of the same second (a purchase and the retry a second later than a decline
-- is common) need another tie-breaker than the id: the order in which the mirror first learned
-- of them, which is creation order for webhooks and the app's own writes. `seq` is assigned at
-- the first insert and never changed by later reports of the same object.
ALTER TABLE mirror_authorizations ADD COLUMN seq bigserial;
ALTER TABLE mirror_transactions ADD COLUMN seq bigserial;

-- The page queries (server/db/mirror-reads.ts) order by (created DESC, seq DESC): the indexes of
-- migration 148 ordered by id are replaced by the same ones ordered by seq.
DROP INDEX IF EXISTS mirror_authorizations_card_idx;
DROP INDEX IF EXISTS mirror_authorizations_account_idx;
CREATE INDEX mirror_authorizations_card_idx ON mirror_authorizations (card_id, created DESC, seq DESC);
CREATE INDEX mirror_authorizations_account_idx ON mirror_authorizations (account_id, created DESC, seq DESC);
