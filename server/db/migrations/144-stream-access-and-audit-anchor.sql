-- Issue 17, items 8 and 12.
--
-- 1. What an open event stream is still allowed, in one call (docs/decisions/081-live-activity.md):
--    the session's user as session_user_of (migration 021) sees it (not revoked, not expired, user
--    not disabled) and the user's memberships. Streams re-check it every few seconds and before
--    each event they deliver, so a stream ends with the session or the membership that opened it.
CREATE FUNCTION session_access_of(p_session_id text)
RETURNS TABLE (user_id text, user_role text, memberships text[])
LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN QUERY
    SELECT s.user_id, s.user_role,
           coalesce((SELECT array_agg(m.account_id ORDER BY m.account_id) FROM memberships m WHERE m.user_id = s.user_id), '{}'::text[])
    FROM session_user_of(p_session_id) s;
END
$$;

-- 2. The audit page reads a reveal's final outcome from the chained rows (what the hashes cover),
--    not from reveal_audit, which can be edited without touching the chain
--    (docs/decisions/091-audit-chain-anchor.md): the latest chained row of each reveal attempt.
CREATE INDEX audit_trail_reveal_idx ON audit_trail ((details->>'reveal_audit_id'), seq DESC)
  WHERE (details->>'reveal_audit_id') IS NOT NULL;
