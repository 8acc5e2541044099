-- The card index: which connected account holds each Issuing card, and what a lookup searches
-- (last4, cardholder name and email), so that finding a card is one indexed query instead of a
-- scan of every account on Stripe. Stripe stays the truth: lookups fetch the matching cards
-- fresh. Filled by a backfill at start, by issuing_card.* / issuing_cardholder.* webhook events
-- and by the app's own writes. See docs/decisions/020-card-index.md.

CREATE TABLE card_index (
  card_id text PRIMARY KEY,
  account_id text NOT NULL,
  last4 text NOT NULL,
  type text NOT NULL,
  status text NOT NULL,
  cardholder_id text NOT NULL,
  created bigint NOT NULL,
  -- When Stripe reported the state stored here (event `created`, or the time we fetched the
  -- card), in unix seconds: an older report never overwrites a newer one.
  version bigint NOT NULL,
  -- Last time anything told us the card exists (the backfill drops rows it did not see).
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX card_index_account_created_idx ON card_index (account_id, created DESC, card_id DESC);
CREATE INDEX card_index_created_idx ON card_index (created DESC, card_id DESC);
CREATE INDEX card_index_last4_idx ON card_index (last4);
CREATE INDEX card_index_cardholder_idx ON card_index (cardholder_id);

-- Cardholders apart from cards: a rename is one row, and its order is tracked on its own.
CREATE TABLE cardholder_index (
  cardholder_id text PRIMARY KEY,
  account_id text NOT NULL,
  name text NOT NULL,
  email text,
  version bigint NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Per connected account: whether the index holds all of its cards (a completed backfill).
CREATE TABLE card_index_accounts (
  account_id text PRIMARY KEY,
  backfill_started_at timestamptz,
  backfilled_at timestamptz,
  cards integer NOT NULL DEFAULT 0
);

-- Substring search on names and emails: trigram GIN indexes where pg_trgm is available
-- (PGlite loads it; Debian's PostgreSQL ships it; trusted since PostgreSQL 13, so the database
-- owner may create it). Without it the same LIKE query scans cardholder_index, which holds one
-- row per cardholder, not per card.
DO $$
BEGIN
  CREATE EXTENSION IF NOT EXISTS pg_trgm;
EXCEPTION WHEN OTHERS THEN
  RAISE NOTICE 'pg_trgm is not available: cardholder search scans cardholder_index';
END
$$;

DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
    EXECUTE 'CREATE INDEX cardholder_index_name_trgm ON cardholder_index USING gin (lower(name) gin_trgm_ops)';
    EXECUTE 'CREATE INDEX cardholder_index_email_trgm ON cardholder_index USING gin (lower(email) gin_trgm_ops)';
  END IF;
END
$$;

-- A granted reveal in one statement (one round trip): per-user lock, count of the user's granted
-- reveals in the last minute, and the audit row (granted, or denied as rate_limited), committed
-- together. The advisory lock serializes one user's concurrent reveals across instances.
-- Returns 'granted' or 'rate_limited'. Same rules as docs/decisions/004.
CREATE FUNCTION reveal_audit_grant(
  p_id text, p_user_id text, p_email text, p_role text, p_card_id text, p_account_id text,
  p_reason text, p_ip text, p_user_agent text, p_per_minute integer
) RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  recent integer;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('reveal:' || coalesce(p_user_id, '')));
  SELECT count(*) INTO recent FROM reveal_audit
    WHERE user_id = p_user_id AND outcome = 'granted' AND created_at > clock_timestamp() - interval '60 seconds';
  IF recent >= p_per_minute THEN
    INSERT INTO reveal_audit (id, user_id, email, role, card_id, account_id, reason, outcome, deny_reason, ip, user_agent)
      VALUES (p_id, p_user_id, p_email, p_role, p_card_id, p_account_id, p_reason, 'denied', 'rate_limited', p_ip, p_user_agent);
    RETURN 'rate_limited';
  END IF;
  INSERT INTO reveal_audit (id, user_id, email, role, card_id, account_id, reason, outcome, deny_reason, ip, user_agent)
    VALUES (p_id, p_user_id, p_email, p_role, p_card_id, p_account_id, p_reason, 'granted', NULL, p_ip, p_user_agent);
  RETURN 'granted';
END
$$;
