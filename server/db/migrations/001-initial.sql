-- Our own data; the cards themselves live in Stripe.

CREATE TABLE users (
  id text PRIMARY KEY,
  email text NOT NULL UNIQUE,
  password_hash text NOT NULL,
  role text NOT NULL CHECK (role IN ('platform_admin', 'account_user', 'support_agent')),
  disabled boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE memberships (
  user_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  account_id text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, account_id)
);

-- A session cookie names a row here; deleting or revoking the row logs the cookie out.
CREATE TABLE sessions (
  id text PRIMARY KEY,
  user_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz
);
CREATE INDEX sessions_user_idx ON sessions (user_id);

-- Every attempt to obtain card details, granted or denied. Written before any key is created.
CREATE TABLE reveal_audit (
  id text PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now(),
  user_id text,
  email text,
  role text,
  card_id text,
  account_id text,
  reason text,
  outcome text NOT NULL CHECK (outcome IN ('granted', 'denied')),
  deny_reason text,
  ip text,
  user_agent text,
  ephemeral_key_id text
);
CREATE INDEX reveal_audit_created_idx ON reveal_audit (created_at);
CREATE INDEX reveal_audit_card_idx ON reveal_audit (card_id, created_at);
CREATE INDEX reveal_audit_user_idx ON reveal_audit (user_id, created_at);

CREATE TABLE webhook_events (
  id text PRIMARY KEY,
  type text NOT NULL,
  account_id text,
  received_at timestamptz NOT NULL DEFAULT now(),
  processed_at timestamptz
);

CREATE TABLE payments (
  id text PRIMARY KEY,
  user_id text REFERENCES users(id) ON DELETE SET NULL,
  payment_intent_id text,
  account_id text,
  card_id text,
  amount integer NOT NULL,
  currency text NOT NULL,
  status text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Server-generated values that must survive restarts and be shared by all instances
-- (the session signing secret in emulator mode).
CREATE TABLE app_settings (
  key text PRIMARY KEY,
  value text NOT NULL
);
