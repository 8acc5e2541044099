-- The mirror at scale, continued (issue 18 item 7, docs/decisions/150-mirror-at-scale.md).
--
-- 1. Each authorization carries what its captures add up to (`captured`, Stripe's sign: negative),
--    so the spend behind remaining limits and decline explanations is one index-only scan that
--    PostgreSQL adds up per limit window, instead of every authorization of a year sent to the
--    app with a probe of its transactions each (a cardholder with ~10,000 a year: 99-132 ms p99).
--    It is written only by mirror_write() below, under a lock per authorization, so that a
--    capture and its authorization arriving in either order, at the same moment on two
--    connections, still leave the sum of the transactions the mirror holds.
-- 2. An account's page filtered by status reads (account_id, status, created, seq) in order.
-- 3. Webhook ingest: one round trip writes an event's objects, their sums and the account's
--    "reported" mark (at most once a second, so one account's concurrent events do not queue on
--    its mirror_sync row).

-- Sorts and index builds on a large mirror (the indexes below are rebuilt).
SET LOCAL maintenance_work_mem = '256MB';

ALTER TABLE mirror_authorizations ADD COLUMN captured bigint NOT NULL DEFAULT 0;

-- The secondary indexes are rebuilt after the sums are filled in: on 10 M authorizations
-- (7 M with a capture) building them again is faster than updating them row by row.
DROP INDEX IF EXISTS mirror_authorizations_card_idx;
DROP INDEX IF EXISTS mirror_authorizations_cardholder_idx;
DROP INDEX IF EXISTS mirror_authorizations_account_idx;

UPDATE mirror_authorizations a SET captured = t.captured
FROM (
  SELECT authorization_id, sum(amount) AS captured FROM mirror_transactions
  WHERE type = 'capture' AND authorization_id IS NOT NULL GROUP BY authorization_id
) t
WHERE a.id = t.authorization_id AND t.captured <> 0;

-- A card's pages (newest first, read backwards for the oldest) and a card's spend (created
-- within a window): one index for both, with what the spend needs so it never visits the table.
CREATE INDEX mirror_authorizations_card_idx ON mirror_authorizations (card_id, created DESC, seq DESC)
  INCLUDE (id, account_id, approved, status, amount, captured, category);
-- A cardholder's spend (only that query reads it).
CREATE INDEX mirror_authorizations_cardholder_idx ON mirror_authorizations (cardholder_id, created)
  INCLUDE (id, account_id, approved, status, amount, captured, category);
CREATE INDEX mirror_authorizations_account_idx ON mirror_authorizations (account_id, created DESC, seq DESC);
-- An account's page filtered by status: a rare status no longer walks the account's range.
CREATE INDEX mirror_authorizations_account_status_idx ON mirror_authorizations (account_id, status, created DESC, seq DESC);

-- Something (a webhook, a write, a fetch) reported this account's data: the mark behind "updated …
-- ago". At most once a second: a plain UPDATE locks only a row it changes (INSERT … ON CONFLICT
-- DO UPDATE would lock the row even when its WHERE is false), so concurrent events of one account
-- do not wait for each other's commit on this row.
CREATE FUNCTION mirror_reported(p_account text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE mirror_sync SET reported_at = now()
  WHERE account_id = p_account AND (reported_at IS NULL OR reported_at < now() - interval '1 second');
  IF NOT FOUND THEN
    INSERT INTO mirror_sync (account_id, reported_at) VALUES (p_account, now()) ON CONFLICT (account_id) DO NOTHING;
  END IF;
END $$;

-- Authorizations and transactions as Stripe reported them (jsonb arrays of rows: the columns of
-- the tables, `data` the mirrored object), "latest report wins" on `version`, and the captured
-- sum of every authorization they touch. Then, when p_reported names an account, its mark.
--
-- The sums are exact in every order because each authorization touched is locked first
-- (transaction-scoped advisory locks, in one order) and every statement of a VOLATILE function
-- takes a new snapshot under READ COMMITTED: whoever holds the lock sees every transaction the
-- previous holder committed. Without it, an authorization inserted while its capture was being
-- inserted elsewhere would add up the transactions it could see: none.
CREATE FUNCTION mirror_write(p_authorizations jsonb, p_transactions jsonb, p_reported text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  v_auths jsonb := coalesce(p_authorizations, '[]'::jsonb);
  v_txns jsonb := coalesce(p_transactions, '[]'::jsonb);
  v_touched text[];
  v_key integer;
BEGIN
  -- The authorizations this write touches: its own, and those its transactions belong to, now
  -- and as the mirror held them before (a transaction never moves in Stripe; the mirror follows).
  SELECT coalesce(array_agg(DISTINCT id), '{}') INTO v_touched FROM (
    SELECT r.id FROM jsonb_to_recordset(v_auths) AS r(id text)
    UNION ALL SELECT r.authorization_id FROM jsonb_to_recordset(v_txns) AS r(authorization_id text)
    UNION ALL SELECT t.authorization_id FROM mirror_transactions t
      WHERE t.id IN (SELECT r.id FROM jsonb_to_recordset(v_txns) AS r(id text))
  ) s WHERE id IS NOT NULL;
  FOR v_key IN SELECT DISTINCT hashtext('mirror-authorization:' || a) FROM unnest(v_touched) AS a ORDER BY 1 LOOP
    PERFORM pg_advisory_xact_lock(v_key);
  END LOOP;

  -- Transactions first, so that an authorization written next adds up its captures among them.
  IF jsonb_array_length(v_txns) > 0 THEN
    INSERT INTO mirror_transactions (id, account_id, card_id, authorization_id, created, type, amount, currency, data, version)
    SELECT r.id, r.account_id, r.card_id, r.authorization_id, r.created, r.type, r.amount, r.currency, r.data, r.version
    FROM jsonb_to_recordset(v_txns) AS r(id text, account_id text, card_id text, authorization_id text, created bigint,
      type text, amount bigint, currency text, data jsonb, version bigint)
    ON CONFLICT (id) DO UPDATE SET
      account_id = EXCLUDED.account_id, card_id = EXCLUDED.card_id, authorization_id = EXCLUDED.authorization_id,
      created = EXCLUDED.created, type = EXCLUDED.type, amount = EXCLUDED.amount, currency = EXCLUDED.currency,
      data = EXCLUDED.data, version = EXCLUDED.version, updated_at = now()
    WHERE mirror_transactions.version <= EXCLUDED.version;
  END IF;

  IF jsonb_array_length(v_auths) > 0 THEN
    INSERT INTO mirror_authorizations (id, account_id, card_id, cardholder_id, created, status, approved, amount, currency, category, data, version, captured)
    SELECT r.id, r.account_id, r.card_id, r.cardholder_id, r.created, r.status, r.approved, r.amount, r.currency, r.category, r.data, r.version,
      (SELECT coalesce(sum(t.amount), 0) FROM mirror_transactions t WHERE t.authorization_id = r.id AND t.type = 'capture')
    FROM jsonb_to_recordset(v_auths) AS r(id text, account_id text, card_id text, cardholder_id text, created bigint, status text,
      approved boolean, amount bigint, currency text, category text, data jsonb, version bigint)
    ON CONFLICT (id) DO UPDATE SET
      account_id = EXCLUDED.account_id, card_id = EXCLUDED.card_id, cardholder_id = EXCLUDED.cardholder_id,
      created = EXCLUDED.created, status = EXCLUDED.status, approved = EXCLUDED.approved, amount = EXCLUDED.amount,
      currency = EXCLUDED.currency, category = EXCLUDED.category, data = EXCLUDED.data,
      version = EXCLUDED.version, captured = EXCLUDED.captured, updated_at = now()
    WHERE mirror_authorizations.version <= EXCLUDED.version;
  END IF;

  -- Authorizations whose transactions changed but whose own report did not (or lost to a newer one).
  IF jsonb_array_length(v_txns) > 0 THEN
    UPDATE mirror_authorizations a SET captured = s.captured
    FROM (
      SELECT x.id, (SELECT coalesce(sum(t.amount), 0) FROM mirror_transactions t WHERE t.authorization_id = x.id AND t.type = 'capture') AS captured
      FROM unnest(v_touched) AS x(id)
    ) s
    WHERE a.id = s.id AND a.captured <> s.captured;
  END IF;

  IF p_reported IS NOT NULL THEN
    PERFORM mirror_reported(p_reported);
  END IF;
END $$;
