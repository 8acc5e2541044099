-- Single sign-on (docs/decisions/102-oidc-sign-in.md): which identity provider subject a user
-- is, and the sign-ins in flight (state, PKCE verifier, nonce), each usable once.
ALTER TABLE users ADD COLUMN oidc_subject text UNIQUE;

CREATE TABLE oidc_logins (
  state text PRIMARY KEY,
  code_verifier text NOT NULL,
  nonce text NOT NULL,
  return_to text,
  expires_at timestamptz NOT NULL
);
