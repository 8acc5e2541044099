-- User administration (docs/decisions/101-user-administration.md): one-time invitation links
-- (the token stored as its SHA-256) and a log of every administrative change to a user.

CREATE TABLE invitations (
  token_hash text PRIMARY KEY,
  user_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_by text REFERENCES users(id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  used_at timestamptz
);
CREATE INDEX invitations_user_idx ON invitations (user_id);

CREATE TABLE user_admin_audit (
  id text PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now(),
  actor_id text,
  actor_email text,
  action text NOT NULL,
  target_id text,
  target_email text,
  details jsonb,
  second_factor_method text
);
CREATE INDEX user_admin_audit_created_idx ON user_admin_audit (created_at);
