-- Component keys bounded by what browsing needs, and refusals counted only when they look like
-- probing (docs/decisions/062-component-key-bounds.md, 104-step-up-for-every-card-secret.md;
-- issue 17 items 2, 4 and 6, and its review: one bound on the different cards an hour for
-- reveals and component keys together; leaving `component` out no longer escapes it).

-- 1. The Account Sessions a session created (POST /api/account-sessions), per connected account.
--    A component key is made only for a card of such an account: the embedded components open
--    their Account Session before they load any card, so a caller that never opened them (a
--    script pulling keys) gets none. Rows go with their session.
CREATE TABLE component_account_sessions (
  session_id text NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  account_id text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (session_id, account_id)
);

-- 2. Keys that can show a card's numbers (reveals and component keys alike), each granted in one
--    statement under one lock per user.
-- 2a. The bound on different cards an hour, in one place: true when `p_card_id` is a card this
--    user got no key for in the last hour (reveal or component key: every granted row is a key
--    that can show numbers; a key Stripe refused is marked denied and does not count) and the
--    user already got keys for `p_distinct_per_hour` different cards in it. Callers hold the
--    user's card-secrets lock.
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

-- 2b. Reveals: the rate per minute as before (migrations 060, 130), then the bound, under the
--    user's card-secrets lock shared with component keys (so a reveal and a component key at the
--    same moment cannot both take the last card). Same names, one more parameter: the old
--    signatures go.
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

-- 2c. A component key: under the same lock, the Account Session check, then the role's bounds
--    (shared/policy.ts `componentKeys`: per minute and per card, counting granted component keys;
--    the different cards an hour are the role's `reveal.distinctCardsPerHour`, counting reveals
--    too), then the row: granted (with the second-factor method of the step-up behind it, if any)
--    or denied with the bound it met. A key Stripe refused is marked denied and does not count.
--    Returns 'granted' or the deny reason.
CREATE FUNCTION component_key_grant(
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

-- 3. Refusals that count toward the refused-attempt limits (server/domain/refusal-limit.ts) are
--    those that look like probing: a card that is not there or not the caller's, a reveal without
--    its reason, a role asking for what it may not, a limit met. "This card shows no numbers"
--    (physical, canceled), a stale step-up, a missing Account Session, a key asked again too soon,
--    and Stripe's own refusals are what ordinary pages meet: counted, they locked a user (and
--    everyone behind their address) out of legitimate reveals. The list is the same in the
--    indexes and the functions (PostgreSQL uses a partial index only when the query's condition
--    implies the index's).
CREATE INDEX reveal_audit_probing_user_idx ON reveal_audit (user_id, created_at)
  WHERE outcome = 'denied' AND deny_reason IN ('card_not_found', 'out_of_scope', 'reason_required', 'role_lacks_reveal', 'not_permitted', 'component_keys_not_allowed', 'rate_limited', 'too_many_cards');
CREATE INDEX reveal_audit_probing_ip_idx ON reveal_audit (ip, created_at)
  WHERE outcome = 'denied' AND deny_reason IN ('card_not_found', 'out_of_scope', 'reason_required', 'role_lacks_reveal', 'not_permitted', 'component_keys_not_allowed', 'rate_limited', 'too_many_cards');

CREATE OR REPLACE FUNCTION refused_reveal_counts(p_user_id text, p_ip text, OUT by_user bigint, OUT by_ip bigint)
LANGUAGE plpgsql STABLE AS $$
BEGIN
  SELECT count(*) INTO by_user FROM reveal_audit
    WHERE outcome = 'denied' AND deny_reason IN ('card_not_found', 'out_of_scope', 'reason_required', 'role_lacks_reveal', 'not_permitted', 'component_keys_not_allowed', 'rate_limited', 'too_many_cards')
      AND user_id = p_user_id AND created_at > now() - interval '60 seconds';
  SELECT count(*) INTO by_ip FROM reveal_audit
    WHERE outcome = 'denied' AND deny_reason IN ('card_not_found', 'out_of_scope', 'reason_required', 'role_lacks_reveal', 'not_permitted', 'component_keys_not_allowed', 'rate_limited', 'too_many_cards')
      AND ip = p_ip AND created_at > now() - interval '60 seconds';
END
$$;

CREATE OR REPLACE FUNCTION session_user_with_refused_reveals(p_session_id text, p_ip text)
RETURNS TABLE (user_id text, user_email text, user_role text, refused_by_user bigint, refused_by_ip bigint)
LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN QUERY
    SELECT u.id, u.email, u.role,
      (SELECT count(*) FROM reveal_audit r
        WHERE r.outcome = 'denied' AND r.deny_reason IN ('card_not_found', 'out_of_scope', 'reason_required', 'role_lacks_reveal', 'not_permitted', 'component_keys_not_allowed', 'rate_limited', 'too_many_cards')
          AND r.user_id = u.id AND r.created_at > now() - interval '60 seconds'),
      (SELECT count(*) FROM reveal_audit r
        WHERE r.outcome = 'denied' AND r.deny_reason IN ('card_not_found', 'out_of_scope', 'reason_required', 'role_lacks_reveal', 'not_permitted', 'component_keys_not_allowed', 'rate_limited', 'too_many_cards')
          AND r.ip = p_ip AND r.created_at > now() - interval '60 seconds')
    FROM sessions s JOIN users u ON u.id = s.user_id
    WHERE s.id = p_session_id AND s.revoked_at IS NULL AND s.expires_at > now() AND NOT u.disabled;
END
$$;

-- 4. The audit trail names a key that can show a card's numbers as such: a granted component key
--    carries `shows_numbers: true` (its holder can show number, CVC and expiry in Stripe's frame),
--    with the component and the second-factor method behind it; a reveal carries its method too.
--    Same rows and chain as migration 090 otherwise.
CREATE OR REPLACE FUNCTION reveal_audit_to_trail() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  r jsonb := to_jsonb(NEW);
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.outcome IS NOT DISTINCT FROM OLD.outcome THEN
    RETURN NULL;
  END IF;
  PERFORM audit_append(
    coalesce(r->>'kind', 'reveal') || CASE WHEN TG_OP = 'UPDATE' THEN '.key_refused' ELSE '' END, NEW.user_id, NEW.email, NEW.role, NEW.account_id, NEW.card_id, NULL, NULL,
    jsonb_strip_nulls(jsonb_build_object(
      'outcome', NEW.outcome, 'reason', NEW.reason, 'deny_reason', NEW.deny_reason, 'reveal_audit_id', NEW.id,
      'component', r->>'component',
      'second_factor_method', r->>'second_factor_method',
      'shows_numbers', CASE WHEN TG_OP = 'INSERT' AND r->>'kind' = 'component_key' AND NEW.outcome = 'granted' THEN true END
    )),
    NEW.ip, NEW.user_agent
  );
  RETURN NULL;
END
$$;

-- The address index of every refusal served only the old count; the probing one replaces it.
DROP INDEX reveal_audit_denied_ip_idx;
