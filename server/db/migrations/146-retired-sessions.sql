-- A replaced session is told apart from a live one (docs/decisions/146-retired-sessions.md).
--
-- A session replaced by a new one (rotation, a step-up, an enrolment) keeps working for the
-- rotation grace, for requests already in flight with its cookie. A copy of that cookie used the
-- grace to sign out everywhere, change the password or step up, each of which starts a new
-- session: the copy outlived the owner's "sign out everywhere" and could then end the owner's
-- new session. `retired_at` marks the replaced session; the session lookup reports it, and the
-- routes that start or end sessions or change how the account signs in refuse it (401).
ALTER TABLE sessions ADD COLUMN retired_at timestamptz;

-- The lookups of migrations 021 and 130 with the flag. Same rules otherwise: the session exists,
-- is not revoked, has not expired, its user is not disabled; checked at every call, nothing cached.
-- session_access_of (migration 144) reads session_user_of's first columns and is unchanged.
DROP FUNCTION session_user_of(text);
CREATE FUNCTION session_user_of(p_session_id text)
RETURNS TABLE (user_id text, user_email text, user_role text, retired boolean)
LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN QUERY
    SELECT u.id, u.email, u.role, s.retired_at IS NOT NULL FROM sessions s JOIN users u ON u.id = s.user_id
    WHERE s.id = p_session_id AND s.revoked_at IS NULL AND s.expires_at > now() AND NOT u.disabled;
END
$$;

DROP FUNCTION session_user_with_refused_reveals(text, text);
CREATE FUNCTION session_user_with_refused_reveals(p_session_id text, p_ip text)
RETURNS TABLE (user_id text, user_email text, user_role text, retired boolean, refused_by_user bigint, refused_by_ip bigint)
LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN QUERY
    SELECT u.id, u.email, u.role, s.retired_at IS NOT NULL,
      (SELECT count(*) FROM reveal_audit r
        WHERE r.outcome = 'denied' AND r.user_id = u.id AND r.created_at > now() - interval '60 seconds'),
      (SELECT count(*) FROM reveal_audit r
        WHERE r.outcome = 'denied' AND r.ip = p_ip AND r.created_at > now() - interval '60 seconds')
    FROM sessions s JOIN users u ON u.id = s.user_id
    WHERE s.id = p_session_id AND s.revoked_at IS NULL AND s.expires_at > now() AND NOT u.disabled;
END
$$;
