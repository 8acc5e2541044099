-- The reveal path's statements, cheaper per request (docs/decisions/130-reveal-cpu.md).
--
-- 1. Refused attempts are counted per user and per address before a reveal is looked at
--    (server/domain/refusal-limit.ts). The address index held every attempt, so the count read
--    every attempt from that address in the last minute and kept the refused ones: behind one
--    NAT or proxy address (a support floor), or under the benchmark's load, that is thousands of
--    rows per request, growing with the traffic. Partial indexes hold only refused attempts, the
--    rows counted; the full address index served nothing else and is dropped (one index fewer to
--    write per attempt).
CREATE INDEX reveal_audit_denied_user_idx ON reveal_audit (user_id, created_at) WHERE outcome = 'denied';
CREATE INDEX reveal_audit_denied_ip_idx ON reveal_audit (ip, created_at) WHERE outcome = 'denied';
DROP INDEX reveal_audit_ip_idx;

-- 2. Both as PL/pgSQL functions: their plans are kept between calls, which PGlite does not do for
--    a parameterised statement sent from the app (the reason for session_user_of, migration 021).
CREATE FUNCTION refused_reveal_counts(p_user_id text, p_ip text, OUT by_user bigint, OUT by_ip bigint)
LANGUAGE plpgsql STABLE AS $$
BEGIN
  SELECT count(*) INTO by_user FROM reveal_audit
    WHERE outcome = 'denied' AND user_id = p_user_id AND created_at > now() - interval '60 seconds';
  SELECT count(*) INTO by_ip FROM reveal_audit
    WHERE outcome = 'denied' AND ip = p_ip AND created_at > now() - interval '60 seconds';
END
$$;

-- The ephemeral key ids of granted reveals, several at once (server/domain/ephemeral-key-ids.ts).
CREATE FUNCTION record_ephemeral_key_ids(p_audit_ids text[], p_key_ids text[]) RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  UPDATE reveal_audit r SET ephemeral_key_id = k.key_id
    FROM unnest(p_audit_ids, p_key_ids) AS k(audit_id, key_id) WHERE r.id = k.audit_id;
END
$$;

-- 3. On the reveal route the refused-attempt counts come with the session lookup, in one call
--    instead of two (server/plugins/app/auth.ts, route config `refusedRevealCounts`). The
--    session rules are session_user_of's (migration 021): the session exists, is not revoked,
--    has not expired, its user is not disabled; checked at every call, nothing cached.
CREATE FUNCTION session_user_with_refused_reveals(p_session_id text, p_ip text)
RETURNS TABLE (user_id text, user_email text, user_role text, refused_by_user bigint, refused_by_ip bigint)
LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN QUERY
    SELECT u.id, u.email, u.role,
      (SELECT count(*) FROM reveal_audit r
        WHERE r.outcome = 'denied' AND r.user_id = u.id AND r.created_at > now() - interval '60 seconds'),
      (SELECT count(*) FROM reveal_audit r
        WHERE r.outcome = 'denied' AND r.ip = p_ip AND r.created_at > now() - interval '60 seconds')
    FROM sessions s JOIN users u ON u.id = s.user_id
    WHERE s.id = p_session_id AND s.revoked_at IS NULL AND s.expires_at > now() AND NOT u.disabled;
END
$$;

-- 4. A reveal that needed a step-up records its second-factor method in the granted row itself
--    (server/domain/reveal-audit.ts), not by an UPDATE after it: one call fewer for the support
--    agents' reveals, and no moment in which the granted row lacks its method. Same lock, count
--    and rows as reveal_audit_grant (migration 060), which stays for callers without a method.
CREATE FUNCTION reveal_audit_grant_with_method(
  p_id text, p_user_id text, p_email text, p_role text, p_card_id text, p_account_id text,
  p_reason text, p_ip text, p_user_agent text, p_per_minute integer, p_second_factor_method text
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
  INSERT INTO reveal_audit (id, user_id, email, role, card_id, account_id, reason, outcome, deny_reason, ip, user_agent, second_factor_method)
    VALUES (p_id, p_user_id, p_email, p_role, p_card_id, p_account_id, p_reason, 'granted', NULL, p_ip, p_user_agent, p_second_factor_method);
  RETURN 'granted';
END
$$;
