-- The mirror: the platform's Issuing data as Stripe last reported it, so that pages read from
-- here and Stripe is asked only to change something, for a secret, or to reconcile
-- (docs/decisions/148-mirror.md). Fed by the verified webhook events (in the transaction that
-- records each event), by the app's own writes (from Stripe's answer), by the backfill and by
-- the reconciler that reads Stripe's Events API.
--
-- Every mirrored row carries `version`: when Stripe reported the state stored, in milliseconds.
-- An event counts as the end of its second (created * 1000 + 999: events carry whole seconds),
-- a fetch as the moment it was sent; an older report never overwrites a newer one. Two reports
-- of the same second may still be applied in the wrong order: the reconciler re-fetches every
-- object its events name, which settles them (decision 148).
--
-- `data` is Stripe's object with embedded objects replaced by their ids and with no secret: a
-- card's `number`, `cvc` and PIN are never stored (they exist only in Stripe's iframes).

-- Cards and cardholders: the card index (migration 020) gains the whole object. Rows indexed
-- before this migration have none: every account is backfilled again (below).
ALTER TABLE card_index ADD COLUMN data jsonb;
ALTER TABLE card_index ADD COLUMN replacement_for text;
ALTER TABLE cardholder_index ADD COLUMN data jsonb;

-- Card versions were unix seconds; mirrored versions are milliseconds.
UPDATE card_index SET version = version * 1000;
UPDATE cardholder_index SET version = version * 1000;
UPDATE card_index_accounts SET backfill_started_at = now(), cursor = NULL;
-- The connected accounts are listed again (their data is mirrored from that listing).
DELETE FROM card_index_backfill;
-- Cards and cardholders without data are re-read by the backfill of their account.

-- Connected accounts: what the dashboard shows of them (name, email, capabilities, requirements).
CREATE TABLE mirror_accounts (
  account_id text PRIMARY KEY,
  name text NOT NULL,
  data jsonb NOT NULL,
  version bigint NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE mirror_authorizations (
  id text PRIMARY KEY,
  account_id text NOT NULL,
  card_id text NOT NULL,
  cardholder_id text,
  created bigint NOT NULL,
  status text NOT NULL,
  approved boolean NOT NULL,
  amount bigint NOT NULL,
  currency text NOT NULL,
  category text,
  data jsonb NOT NULL,
  version bigint NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
-- A card's page (newest first, Stripe's order), an account's page, a cardholder's spend.
CREATE INDEX mirror_authorizations_card_idx ON mirror_authorizations (card_id, created DESC, id DESC);
CREATE INDEX mirror_authorizations_account_idx ON mirror_authorizations (account_id, created DESC, id DESC);
CREATE INDEX mirror_authorizations_cardholder_idx ON mirror_authorizations (cardholder_id, created DESC);

CREATE TABLE mirror_transactions (
  id text PRIMARY KEY,
  account_id text NOT NULL,
  card_id text NOT NULL,
  authorization_id text,
  created bigint NOT NULL,
  type text NOT NULL,
  amount bigint NOT NULL,
  currency text NOT NULL,
  data jsonb NOT NULL,
  version bigint NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX mirror_transactions_authorization_idx ON mirror_transactions (authorization_id);
CREATE INDEX mirror_transactions_card_idx ON mirror_transactions (card_id, created DESC, id DESC);
CREATE INDEX mirror_transactions_account_idx ON mirror_transactions (account_id, created DESC, id DESC);

-- Per connected account: how far the backfill of authorizations and transactions got (after its
-- cards), and the reconciler's place in the account's events.
CREATE TABLE mirror_sync (
  account_id text PRIMARY KEY,
  -- Authorizations and transactions backfilled (null: still to do); cursors as for cards.
  activity_backfilled_at timestamptz,
  authorizations_cursor text,
  transactions_cursor text,
  -- The newest event the reconciler has applied (unix seconds) and when it last completed a
  -- pass over this account: what a page shows as "updated … ago".
  events_created bigint,
  reconciled_at timestamptz,
  -- The last time anything reported this account's data (a webhook, a write, a fetch).
  reported_at timestamptz
);

-- Deployment-wide: the last webhook event received, the last successful and failed Stripe
-- contact (the "Stripe cannot be reached" mode), the last completed reconcile pass.
CREATE TABLE mirror_status (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  last_webhook_at timestamptz,
  last_reconcile_at timestamptz,
  stripe_ok_at timestamptz,
  stripe_failing_since timestamptz,
  -- A webhook event received long after it was created (Stripe retried it: earlier deliveries
  -- failed, so others may be lost): the reconciler runs at once.
  webhook_gap_at timestamptz
);
INSERT INTO mirror_status (singleton) VALUES (true);
