-- Second factors (docs/decisions/100-second-factor-and-step-up.md): TOTP secrets and WebAuthn
-- credentials per user, single-use recovery codes (hashed), and the challenges of WebAuthn
-- ceremonies in flight. Failed second-factor checks are counted in login_failures (key
-- `second-factor:<user id>`), the table the sign-in throttle already prunes.

CREATE TABLE second_factors (
  id text PRIMARY KEY,
  user_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  kind text NOT NULL CHECK (kind IN ('totp', 'webauthn')),
  label text NOT NULL,
  -- TOTP: the base32 secret, and the highest time step accepted so far (RFC 6238 section 5.2:
  -- a code accepted once is not accepted again, nor any older one).
  totp_secret text,
  totp_last_step bigint,
  -- WebAuthn: the credential id (base64url), its COSE public key (base64url), signature counter.
  credential_id text UNIQUE,
  public_key text,
  sign_count bigint,
  transports text,
  -- NULL while a TOTP enrolment waits for its first code; only confirmed factors count.
  confirmed_at timestamptz,
  last_used_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX second_factors_user_idx ON second_factors (user_id);

CREATE TABLE recovery_codes (
  user_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  code_hash text NOT NULL,
  used_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, code_hash)
);

-- A WebAuthn ceremony's challenge, bound to the session that asked for it, usable once.
CREATE TABLE webauthn_challenges (
  id text PRIMARY KEY,
  session_id text NOT NULL,
  user_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  purpose text NOT NULL CHECK (purpose IN ('register', 'authenticate')),
  challenge text NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE INDEX webauthn_challenges_session_idx ON webauthn_challenges (session_id);

-- Which second-factor check stood behind a reveal (NULL when the policy asked for none).
ALTER TABLE reveal_audit ADD COLUMN second_factor_method text;
