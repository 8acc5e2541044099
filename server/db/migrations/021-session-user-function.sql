-- The per-request session lookup as one function call: PL/pgSQL keeps the plan of its query
-- between calls, which PGlite does not do for a parameterised statement sent from the app
-- (measured 180 µs instead of 310 µs a request; docs/decisions/020-card-index.md). Same rules
-- as the query it replaces: the session exists, is not revoked, has not expired (checked at
-- every call, no caching, so a logout or a disabled user takes effect at once), and its user is
-- not disabled.
CREATE FUNCTION session_user_of(p_session_id text)
RETURNS TABLE (user_id text, user_email text, user_role text)
LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN QUERY
    SELECT u.id, u.email, u.role FROM sessions s JOIN users u ON u.id = s.user_id
    WHERE s.id = p_session_id AND s.revoked_at IS NULL AND s.expires_at > now() AND NOT u.disabled;
END
$$;
