-- One bound on the different cards a user sees the details of in an hour, reveals and component
-- keys together (docs/decisions/062-component-key-bounds.md; issue 17 review). Migration 141
-- bounded component keys only: leaving `component` out of POST /api/ephemeral-keys made the same
-- request a reveal, bounded by the reveal rate alone (10 a minute: 600 cards an hour).

-- 1. The rule, in one place: true when `p_card_id` is a card this user got no key for in the last
--    hour (reveal or component key: every granted row is a key that can show numbers; a key Stripe
--    refused is marked denied and does not count) and the user already got keys for
--    `p_distinct_per_hour` different cards in it. Callers hold the user's card-secrets lock.
CREATE FUNCTION card_secrets_bound_met(p_user_id text, p_card_id text, p_distinct_per_hour integer) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
DECLARE
  cards integer;
BEGIN
  IF EXISTS (
    SELECT 1 FROM reveal_audit
      WHERE user_id = p_user_id AND outcome = 'granted' AND card_id = p_card_id AND created_at > clock_timestamp() - interval '1 hour'
  ) THEN
    RETURN false;
  END IF;
  SELECT count(DISTINCT card_id) INTO cards FROM reveal_audit
    WHERE user_id = p_user_id AND outcome = 'granted' AND created_at > clock_timestamp() - interval '1 hour';
  RETURN cards >= p_distinct_per_hour;
END
$$;

-- 2. Reveals: the rate per minute as before (migrations 060, 130), then the bound, under one lock
--    per user shared with component keys (so a reveal and a component key at the same moment
--    cannot both take the last card). Same names, one more parameter: the old signatures go.
DROP FUNCTION reveal_audit_grant(text, text, text, text, text, text, text, text, text, integer);
DROP FUNCTION reveal_audit_grant_with_method(text, text, text, text, text, text, text, text, text, integer, text);

CREATE FUNCTION reveal_audit_grant_with_method(
  p_id text, p_user_id text, p_email text, p_role text, p_card_id text, p_account_id text,
  p_reason text, p_ip text, p_user_agent text, p_per_minute integer, p_distinct_per_hour integer,
  p_second_factor_method text
) RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  refusal text := NULL;
  recent integer;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('card-secrets:' || coalesce(p_user_id, '')));
  SELECT count(*) INTO recent FROM reveal_audit
    WHERE user_id = p_user_id AND kind = 'reveal' AND outcome = 'granted' AND created_at > clock_timestamp() - interval '60 seconds';
  IF recent >= p_per_minute THEN
    refusal := 'rate_limited';
  ELSIF card_secrets_bound_met(p_user_id, p_card_id, p_distinct_per_hour) THEN
    refusal := 'too_many_cards';
  END IF;
  IF refusal IS NOT NULL THEN
    INSERT INTO reveal_audit (id, user_id, email, role, card_id, account_id, reason, outcome, deny_reason, ip, user_agent)
      VALUES (p_id, p_user_id, p_email, p_role, p_card_id, p_account_id, p_reason, 'denied', refusal, p_ip, p_user_agent);
    RETURN refusal;
  END IF;
  INSERT INTO reveal_audit (id, user_id, email, role, card_id, account_id, reason, outcome, deny_reason, ip, user_agent, second_factor_method)
    VALUES (p_id, p_user_id, p_email, p_role, p_card_id, p_account_id, p_reason, 'granted', NULL, p_ip, p_user_agent, p_second_factor_method);
  RETURN 'granted';
END
$$;

-- A reveal without a step-up (no method to record).
CREATE FUNCTION reveal_audit_grant(
  p_id text, p_user_id text, p_email text, p_role text, p_card_id text, p_account_id text,
  p_reason text, p_ip text, p_user_agent text, p_per_minute integer, p_distinct_per_hour integer
) RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  RETURN reveal_audit_grant_with_method(p_id, p_user_id, p_email, p_role, p_card_id, p_account_id, p_reason, p_ip, p_user_agent, p_per_minute, p_distinct_per_hour, NULL);
END
$$;

-- 3. Component keys: migration 141's checks, under the same lock, with the distinct-cards bound
--    counting reveals too (p_distinct_per_hour is now the role's `reveal.distinctCardsPerHour`).
CREATE OR REPLACE FUNCTION component_key_grant(
  p_id text, p_user_id text, p_email text, p_role text, p_card_id text, p_account_id text,
  p_component text, p_ip text, p_user_agent text, p_session_id text,
  p_per_minute integer, p_per_card_seconds integer, p_distinct_per_hour integer,
  p_second_factor_method text
) RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  refusal text := NULL;
  recent integer;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('card-secrets:' || coalesce(p_user_id, '')));
  IF NOT EXISTS (SELECT 1 FROM component_account_sessions WHERE session_id = p_session_id AND account_id = p_account_id) THEN
    refusal := 'account_session_required';
  END IF;
  IF refusal IS NULL THEN
    SELECT count(*) INTO recent FROM reveal_audit
      WHERE user_id = p_user_id AND kind = 'component_key' AND outcome = 'granted' AND created_at > clock_timestamp() - interval '60 seconds';
    IF recent >= p_per_minute THEN refusal := 'rate_limited'; END IF;
  END IF;
  IF refusal IS NULL AND EXISTS (
    SELECT 1 FROM reveal_audit
      WHERE user_id = p_user_id AND kind = 'component_key' AND outcome = 'granted' AND card_id = p_card_id
        AND created_at > clock_timestamp() - make_interval(secs => p_per_card_seconds)
  ) THEN
    refusal := 'card_key_too_soon';
  END IF;
  IF refusal IS NULL AND card_secrets_bound_met(p_user_id, p_card_id, p_distinct_per_hour) THEN
    refusal := 'too_many_cards';
  END IF;

  IF refusal IS NOT NULL THEN
    INSERT INTO reveal_audit (id, user_id, email, role, card_id, account_id, component, kind, outcome, deny_reason, ip, user_agent)
      VALUES (p_id, p_user_id, p_email, p_role, p_card_id, p_account_id, p_component, 'component_key', 'denied', refusal, p_ip, p_user_agent);
    RETURN refusal;
  END IF;
  INSERT INTO reveal_audit (id, user_id, email, role, card_id, account_id, component, kind, outcome, deny_reason, ip, user_agent, second_factor_method)
    VALUES (p_id, p_user_id, p_email, p_role, p_card_id, p_account_id, p_component, 'component_key', 'granted', NULL, p_ip, p_user_agent, p_second_factor_method);
  RETURN 'granted';
END
$$;
