-- User administration (docs/decisions/101-user-administration.md): one-time invitation links
-- (the token stored as its SHA-256). The changes themselves go to the audit trail (090).

CREATE TABLE invitations (
  token_hash text PRIMARY KEY,
  user_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_by text REFERENCES users(id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  used_at timestamptz
);
CREATE INDEX invitations_user_idx ON invitations (user_id);
