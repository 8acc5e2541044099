-- The card index backfill runs once per deployment, not at every instance start
-- (docs/decisions/110-card-index-backfill-once.md). One row records that the connected accounts
-- have been listed; per account, `cursor` is the last card of the last page recorded (in the
-- same transaction as that page), so a backfill stopped anywhere resumes after it. An account is
-- still to do while `backfilled_at` is NULL or older than its `backfill_started_at`.
CREATE TABLE card_index_backfill (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  accounts_listed_at timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE card_index_accounts ADD COLUMN cursor text;

-- Accounts indexed before this migration were listed by an earlier start: the deployment has
-- its backfill, and a restart lists nothing.
INSERT INTO card_index_backfill (singleton)
  SELECT true WHERE EXISTS (SELECT 1 FROM card_index_accounts WHERE backfilled_at IS NOT NULL);
