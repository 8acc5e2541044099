-- Component keys are not reveals (docs/decisions/060-component-keys-vs-reveals.md).
-- Connect's issuing components fetch an ephemeral key for every card they load or select
-- (docs.stripe.com/issuing/connect/embedded-components#sensitive-data-display), so those keys are
-- recorded as their own kind, with the component that asked, and counted against their own,
-- generous limit; a "reveal" is what a person asks for in the app's own reveal view.
ALTER TABLE reveal_audit ADD COLUMN kind text NOT NULL DEFAULT 'reveal' CHECK (kind IN ('reveal', 'component_key'));
ALTER TABLE reveal_audit ADD COLUMN component text CHECK (component IS NULL OR component IN ('issuing_card', 'issuing_cards_list'));
CREATE INDEX reveal_audit_user_kind_idx ON reveal_audit (user_id, kind, created_at);

-- The reveal limit counts reveals only.
CREATE OR REPLACE FUNCTION reveal_audit_grant(
  p_id text, p_user_id text, p_email text, p_role text, p_card_id text, p_account_id text,
  p_reason text, p_ip text, p_user_agent text, p_per_minute integer
) RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  recent integer;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('reveal:' || coalesce(p_user_id, '')));
  SELECT count(*) INTO recent FROM reveal_audit
    WHERE user_id = p_user_id AND kind = 'reveal' AND outcome = 'granted' AND created_at > clock_timestamp() - interval '60 seconds';
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

-- The same for a component key: its own lock, its own count, its own limit.
CREATE FUNCTION component_key_audit_grant(
  p_id text, p_user_id text, p_email text, p_role text, p_card_id text, p_account_id text,
  p_component text, p_ip text, p_user_agent text, p_per_minute integer
) RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  recent integer;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('component-key:' || coalesce(p_user_id, '')));
  SELECT count(*) INTO recent FROM reveal_audit
    WHERE user_id = p_user_id AND kind = 'component_key' AND outcome = 'granted' AND created_at > clock_timestamp() - interval '60 seconds';
  IF recent >= p_per_minute THEN
    INSERT INTO reveal_audit (id, user_id, email, role, card_id, account_id, component, kind, outcome, deny_reason, ip, user_agent)
      VALUES (p_id, p_user_id, p_email, p_role, p_card_id, p_account_id, p_component, 'component_key', 'denied', 'rate_limited', p_ip, p_user_agent);
    RETURN 'rate_limited';
  END IF;
  INSERT INTO reveal_audit (id, user_id, email, role, card_id, account_id, component, kind, outcome, deny_reason, ip, user_agent)
    VALUES (p_id, p_user_id, p_email, p_role, p_card_id, p_account_id, p_component, 'component_key', 'granted', NULL, p_ip, p_user_agent);
  RETURN 'granted';
END
$$;
