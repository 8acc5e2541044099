-- A single sign-on link waits for the user's confirmation (docs/decisions/103-sso-identity-linking.md,
-- review amendment): the provider's answer to a link is kept here, not linked in the callback,
-- since the browser that brought it back may not be the one that started it (the Lax state
-- cookie can be planted). The Security page shows it; the user who started the link confirms it,
-- in the session that started it, within a few minutes; cancelled or confirmed, the row goes.
CREATE TABLE oidc_pending_links (
  id text PRIMARY KEY,
  user_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  session_id text NOT NULL,
  oidc_subject text NOT NULL,
  -- The identity's email from the claims, only to show which identity is being linked.
  email text,
  expires_at timestamptz NOT NULL
);
CREATE INDEX oidc_pending_links_user_idx ON oidc_pending_links (user_id);
