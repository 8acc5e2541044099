-- Single sign-on links identities by (issuer, subject) only (docs/decisions/103-sso-identity-linking.md).
-- A link a signed-in user starts on the Security page: the sign-in in flight names that user and
-- the session that asked (the provider's redirect back carries no SameSite=Strict session cookie),
-- and the callback links only while that session is still live.
ALTER TABLE oidc_logins ADD COLUMN link_user_id text REFERENCES users(id) ON DELETE CASCADE;
ALTER TABLE oidc_logins ADD COLUMN link_session_id text;

-- Links made before by a matching email (any user with a password or an open invitation, i.e.
-- not created by single sign-on itself) may be a provider identity that took over the user: they
-- are undone, each written to the audit trail, and the user links again from the Security page.
SELECT audit_append('user.sso_unlinked', NULL, NULL, NULL, NULL, NULL, NULL, u.email,
                    jsonb_build_object('user_id', u.id, 'reason', 'linked by a matching email (migration 140)'), NULL, NULL)
  FROM (SELECT id, email FROM users WHERE oidc_subject IS NOT NULL AND password_hash <> '!oidc' ORDER BY email) AS u;
UPDATE users SET oidc_subject = NULL WHERE oidc_subject IS NOT NULL AND password_hash <> '!oidc';
