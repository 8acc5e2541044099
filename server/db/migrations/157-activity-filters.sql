-- Activity you can question (issue 20, docs/decisions/162-activity-filters-and-export.md): the
-- authorizations lists filter by outcome, decline reason, merchant and amount, add up what they
-- show, export it as CSV and draw it per day, all from the mirror (server/db/mirror-reads.ts).
--
-- 1. What the filters compare, as columns PostgreSQL keeps in step with `data` (stored generated
--    columns: written by mirror_write() with the row, never by the app), so that a filter or a
--    sum reads a few bytes per row instead of decompressing each row's JSON:
--    - decline_reason: the deciding request's reason (request_history's last) of a declined
--      authorization, 'unknown' when Stripe gave none (the explanations' word for it); NULL when
--      approved. shared/activity-filters.ts names them.
--    - shown_amount: the amount the pages show, in the card's currency's smallest unit: Stripe's
--      `amount` when approved, the amount asked for when declined (Stripe sets a declined
--      authorization's `amount` to 0; its request keeps it: server/domain/decline-explanations.ts
--      requestedAmount). A request amount that is not a JSON number falls back to `amount`, so
--      an odd report can never make the ingest fail.
--    - merchant_name: merchant_data.name, for the merchant search.
--    Adding them rewrites the table once (on the bench's 10,000,000 authorizations, minutes).
ALTER TABLE mirror_authorizations
  ADD COLUMN decline_reason text GENERATED ALWAYS AS (
    CASE WHEN approved THEN NULL ELSE coalesce(data->'request_history'->-1->>'reason', 'unknown') END
  ) STORED,
  ADD COLUMN shown_amount bigint GENERATED ALWAYS AS (
    CASE
      WHEN NOT approved AND jsonb_typeof(data->'request_history'->-1->'amount') = 'number'
        THEN trunc((data->'request_history'->-1->>'amount')::numeric)::bigint
      ELSE amount
    END
  ) STORED,
  ADD COLUMN merchant_name text GENERATED ALWAYS AS (data->'merchant_data'->>'name') STORED;

-- 2. The list's order with what the filters, the summary and the daily series read in the index:
--    the summary and the series are index-only scans of a card's or an account's range, and a
--    filtered page skips rows in the index before visiting the table for the ones it shows. The
--    card index keeps what the spend queries of migration 153 read.
DROP INDEX IF EXISTS mirror_authorizations_card_idx;
CREATE INDEX mirror_authorizations_card_idx ON mirror_authorizations (card_id, created DESC, seq DESC)
  INCLUDE (id, account_id, approved, status, amount, captured, category, currency, decline_reason, shown_amount, merchant_name);
DROP INDEX IF EXISTS mirror_authorizations_account_idx;
CREATE INDEX mirror_authorizations_account_idx ON mirror_authorizations (account_id, created DESC, seq DESC)
  INCLUDE (approved, status, currency, decline_reason, shown_amount, merchant_name);
