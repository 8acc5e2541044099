-- One grant for every key that can show a card's numbers (issue 19 item 2). The same lock, counts
-- and rows had been written three times: reveal_audit_grant (migrations 020, 060, 141),
-- reveal_audit_grant_with_method (130, 141) and component_key_grant (141; component_key_audit_grant
-- of 060 before it), so a change to one had to be made to the others by hand. card_secret_grant
-- holds them once; the names the app calls stay, as one-line wrappers with their signatures
-- unchanged (instances still running the previous release call them during a deploy).
-- Behaviour is that of migration 141, step for step:
--   under the user's card-secrets lock (shared by reveals and component keys),
--   component keys only: refused without an Account Session of this app session on the account;
--   the rate per minute, counting granted keys of the same kind;
--   component keys only: refused when the same card got a component key within p_per_card_seconds;
--   the different cards an hour, reveals and component keys together (card_secrets_bound_met);
--   then one row, granted (with the step-up's second-factor method) or denied with the bound it
--   met. Returns 'granted' or the deny reason.
CREATE FUNCTION card_secret_grant(
  p_kind text, p_id text, p_user_id text, p_email text, p_role text, p_card_id text, p_account_id text,
  p_reason text, p_component text, p_ip text, p_user_agent text, p_session_id text,
  p_per_minute integer, p_per_card_seconds integer, p_distinct_per_hour integer,
  p_second_factor_method text
) RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  refusal text := NULL;
  recent integer;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('card-secrets:' || coalesce(p_user_id, '')));
  IF p_kind = 'component_key' AND NOT EXISTS (
    SELECT 1 FROM component_account_sessions WHERE session_id = p_session_id AND account_id = p_account_id
  ) THEN
    refusal := 'account_session_required';
  END IF;
  IF refusal IS NULL THEN
    SELECT count(*) INTO recent FROM reveal_audit
      WHERE user_id = p_user_id AND kind = p_kind AND outcome = 'granted' AND created_at > clock_timestamp() - interval '60 seconds';
    IF recent >= p_per_minute THEN refusal := 'rate_limited'; END IF;
  END IF;
  IF refusal IS NULL AND p_kind = 'component_key' AND EXISTS (
    SELECT 1 FROM reveal_audit
      WHERE user_id = p_user_id AND kind = 'component_key' AND outcome = 'granted' AND card_id = p_card_id
        AND created_at > clock_timestamp() - make_interval(secs => p_per_card_seconds)
  ) THEN
    refusal := 'card_key_too_soon';
  END IF;
  IF refusal IS NULL AND card_secrets_bound_met(p_user_id, p_card_id, p_distinct_per_hour) THEN
    refusal := 'too_many_cards';
  END IF;

  INSERT INTO reveal_audit (id, user_id, email, role, card_id, account_id, reason, component, kind, outcome, deny_reason, ip, user_agent, second_factor_method)
    VALUES (
      p_id, p_user_id, p_email, p_role, p_card_id, p_account_id, p_reason, p_component, p_kind,
      CASE WHEN refusal IS NULL THEN 'granted' ELSE 'denied' END, refusal, p_ip, p_user_agent,
      CASE WHEN refusal IS NULL THEN p_second_factor_method END
    );
  RETURN coalesce(refusal, 'granted');
END
$$;

-- A reveal behind a step-up (its method in the granted row).
CREATE OR REPLACE FUNCTION reveal_audit_grant_with_method(
  p_id text, p_user_id text, p_email text, p_role text, p_card_id text, p_account_id text,
  p_reason text, p_ip text, p_user_agent text, p_per_minute integer, p_distinct_per_hour integer,
  p_second_factor_method text
) RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  RETURN card_secret_grant('reveal', p_id, p_user_id, p_email, p_role, p_card_id, p_account_id, p_reason, NULL, p_ip, p_user_agent, NULL,
    p_per_minute, NULL, p_distinct_per_hour, p_second_factor_method);
END
$$;

-- A reveal without a step-up (no method to record).
CREATE OR REPLACE FUNCTION reveal_audit_grant(
  p_id text, p_user_id text, p_email text, p_role text, p_card_id text, p_account_id text,
  p_reason text, p_ip text, p_user_agent text, p_per_minute integer, p_distinct_per_hour integer
) RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  RETURN card_secret_grant('reveal', p_id, p_user_id, p_email, p_role, p_card_id, p_account_id, p_reason, NULL, p_ip, p_user_agent, NULL,
    p_per_minute, NULL, p_distinct_per_hour, NULL);
END
$$;

-- A Connect component's key (no reason; the component that asked, the app session that opened
-- the Account Session).
CREATE OR REPLACE FUNCTION component_key_grant(
  p_id text, p_user_id text, p_email text, p_role text, p_card_id text, p_account_id text,
  p_component text, p_ip text, p_user_agent text, p_session_id text,
  p_per_minute integer, p_per_card_seconds integer, p_distinct_per_hour integer,
  p_second_factor_method text
) RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  RETURN card_secret_grant('component_key', p_id, p_user_id, p_email, p_role, p_card_id, p_account_id, NULL, p_component, p_ip, p_user_agent, p_session_id,
    p_per_minute, p_per_card_seconds, p_distinct_per_hour, p_second_factor_method);
END
$$;

-- Migration 060's component-key grant, unused since component_key_grant replaced it (141).
DROP FUNCTION component_key_audit_grant(text, text, text, text, text, text, text, text, text, integer);
