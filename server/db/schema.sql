-- The database schema after all migrations (server/db/migrations), read from the catalog of a
-- freshly migrated database. Generated: do not edit; run `npm run schema:snapshot` after adding a
-- migration (test/server/schema-snapshot.test.ts fails until this file matches). A picture of the
-- schema, not a script to run: foreign keys are listed with their table, functions by signature.

-- Migrations applied: 29, the last 157-activity-filters.sql.
CREATE EXTENSION pg_trgm;

CREATE TABLE app_settings (
  key text NOT NULL,
  value text NOT NULL,
  CONSTRAINT app_settings_pkey PRIMARY KEY (key)
);

CREATE TABLE audit_trail (
  seq bigint NOT NULL,
  id text NOT NULL,
  created_at timestamp with time zone NOT NULL,
  kind text NOT NULL,
  actor_user_id text,
  actor_email text,
  actor_role text,
  account_id text,
  card_id text,
  cardholder_id text,
  subject text,
  details jsonb NOT NULL DEFAULT '{}'::jsonb,
  ip text,
  user_agent text,
  prev_hash text NOT NULL,
  hash text NOT NULL,
  CONSTRAINT audit_trail_id_key UNIQUE (id),
  CONSTRAINT audit_trail_pkey PRIMARY KEY (seq)
);

CREATE TABLE card_index (
  card_id text NOT NULL,
  account_id text NOT NULL,
  last4 text NOT NULL,
  type text NOT NULL,
  status text NOT NULL,
  cardholder_id text NOT NULL,
  created bigint NOT NULL,
  version bigint NOT NULL,
  updated_at timestamp with time zone NOT NULL DEFAULT now(),
  data jsonb,
  replacement_for text,
  CONSTRAINT card_index_pkey PRIMARY KEY (card_id)
);

CREATE TABLE card_index_accounts (
  account_id text NOT NULL,
  backfill_started_at timestamp with time zone,
  backfilled_at timestamp with time zone,
  cards integer NOT NULL DEFAULT 0,
  cursor text,
  CONSTRAINT card_index_accounts_pkey PRIMARY KEY (account_id)
);

CREATE TABLE card_index_backfill (
  singleton boolean NOT NULL DEFAULT true,
  accounts_listed_at timestamp with time zone NOT NULL DEFAULT now(),
  CONSTRAINT card_index_backfill_pkey PRIMARY KEY (singleton),
  CONSTRAINT card_index_backfill_singleton_check CHECK (singleton)
);

CREATE TABLE cardholder_index (
  cardholder_id text NOT NULL,
  account_id text NOT NULL,
  name text NOT NULL,
  email text,
  version bigint NOT NULL,
  updated_at timestamp with time zone NOT NULL DEFAULT now(),
  data jsonb,
  CONSTRAINT cardholder_index_pkey PRIMARY KEY (cardholder_id)
);

CREATE TABLE component_account_sessions (
  session_id text NOT NULL,
  account_id text NOT NULL,
  created_at timestamp with time zone NOT NULL DEFAULT now(),
  CONSTRAINT component_account_sessions_pkey PRIMARY KEY (session_id, account_id),
  CONSTRAINT component_account_sessions_session_id_fkey FOREIGN KEY (session_id) REFERENCES sessions(id) ON DELETE CASCADE
);

CREATE TABLE invitations (
  token_hash text NOT NULL,
  user_id text NOT NULL,
  created_by text,
  created_at timestamp with time zone NOT NULL DEFAULT now(),
  expires_at timestamp with time zone NOT NULL,
  used_at timestamp with time zone,
  CONSTRAINT invitations_created_by_fkey FOREIGN KEY (created_by) REFERENCES users(id) ON DELETE SET NULL,
  CONSTRAINT invitations_pkey PRIMARY KEY (token_hash),
  CONSTRAINT invitations_user_id_fkey FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
);

CREATE TABLE login_failures (
  key text NOT NULL,
  failed_at timestamp with time zone NOT NULL DEFAULT now()
);

CREATE TABLE memberships (
  user_id text NOT NULL,
  account_id text NOT NULL,
  created_at timestamp with time zone NOT NULL DEFAULT now(),
  CONSTRAINT memberships_pkey PRIMARY KEY (user_id, account_id),
  CONSTRAINT memberships_user_id_fkey FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
);

CREATE TABLE mirror_accounts (
  account_id text NOT NULL,
  name text NOT NULL,
  data jsonb NOT NULL,
  version bigint NOT NULL,
  updated_at timestamp with time zone NOT NULL DEFAULT now(),
  CONSTRAINT mirror_accounts_pkey PRIMARY KEY (account_id)
);

CREATE TABLE mirror_authorizations (
  id text NOT NULL,
  account_id text NOT NULL,
  card_id text NOT NULL,
  cardholder_id text,
  created bigint NOT NULL,
  status text NOT NULL,
  approved boolean NOT NULL,
  amount bigint NOT NULL,
  currency text NOT NULL,
  category text,
  data jsonb NOT NULL,
  version bigint NOT NULL,
  updated_at timestamp with time zone NOT NULL DEFAULT now(),
  seq bigint NOT NULL DEFAULT nextval('mirror_authorizations_seq_seq'::regclass),
  captured bigint NOT NULL DEFAULT 0,
  decline_reason text GENERATED ALWAYS AS (
CASE
    WHEN approved THEN NULL::text
    ELSE COALESCE((((data -> 'request_history'::text) -> '-1'::integer) ->> 'reason'::text), 'unknown'::text)
END) STORED,
  shown_amount bigint GENERATED ALWAYS AS (
CASE
    WHEN ((NOT approved) AND (jsonb_typeof((((data -> 'request_history'::text) -> '-1'::integer) -> 'amount'::text)) = 'number'::text)) THEN (trunc(((((data -> 'request_history'::text) -> '-1'::integer) ->> 'amount'::text))::numeric))::bigint
    ELSE amount
END) STORED,
  merchant_name text GENERATED ALWAYS AS (((data -> 'merchant_data'::text) ->> 'name'::text)) STORED,
  CONSTRAINT mirror_authorizations_pkey PRIMARY KEY (id)
);

CREATE TABLE mirror_issuing_balances (
  account_id text NOT NULL,
  available jsonb NOT NULL,
  version bigint NOT NULL,
  reported_at timestamp with time zone NOT NULL DEFAULT now(),
  CONSTRAINT mirror_issuing_balances_pkey PRIMARY KEY (account_id)
);

CREATE TABLE mirror_status (
  singleton boolean NOT NULL DEFAULT true,
  last_webhook_at timestamp with time zone,
  last_reconcile_at timestamp with time zone,
  stripe_ok_at timestamp with time zone,
  stripe_failing_since timestamp with time zone,
  webhook_gap_at timestamp with time zone,
  CONSTRAINT mirror_status_pkey PRIMARY KEY (singleton),
  CONSTRAINT mirror_status_singleton_check CHECK (singleton)
);

CREATE TABLE mirror_sync (
  account_id text NOT NULL,
  activity_backfilled_at timestamp with time zone,
  authorizations_cursor text,
  transactions_cursor text,
  events_created bigint,
  reconciled_at timestamp with time zone,
  reported_at timestamp with time zone,
  CONSTRAINT mirror_sync_pkey PRIMARY KEY (account_id)
);

CREATE TABLE mirror_transactions (
  id text NOT NULL,
  account_id text NOT NULL,
  card_id text NOT NULL,
  authorization_id text,
  created bigint NOT NULL,
  type text NOT NULL,
  amount bigint NOT NULL,
  currency text NOT NULL,
  data jsonb NOT NULL,
  version bigint NOT NULL,
  updated_at timestamp with time zone NOT NULL DEFAULT now(),
  seq bigint NOT NULL DEFAULT nextval('mirror_transactions_seq_seq'::regclass),
  CONSTRAINT mirror_transactions_pkey PRIMARY KEY (id)
);

CREATE TABLE oidc_logins (
  state text NOT NULL,
  code_verifier text NOT NULL,
  nonce text NOT NULL,
  return_to text,
  expires_at timestamp with time zone NOT NULL,
  link_user_id text,
  link_session_id text,
  CONSTRAINT oidc_logins_link_user_id_fkey FOREIGN KEY (link_user_id) REFERENCES users(id) ON DELETE CASCADE,
  CONSTRAINT oidc_logins_pkey PRIMARY KEY (state)
);

CREATE TABLE oidc_pending_links (
  id text NOT NULL,
  user_id text NOT NULL,
  session_id text NOT NULL,
  oidc_subject text NOT NULL,
  email text,
  expires_at timestamp with time zone NOT NULL,
  CONSTRAINT oidc_pending_links_pkey PRIMARY KEY (id),
  CONSTRAINT oidc_pending_links_user_id_fkey FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
);

CREATE TABLE payments (
  id text NOT NULL,
  user_id text,
  payment_intent_id text,
  account_id text,
  card_id text,
  amount integer NOT NULL,
  currency text NOT NULL,
  status text NOT NULL,
  created_at timestamp with time zone NOT NULL DEFAULT now(),
  CONSTRAINT payments_pkey PRIMARY KEY (id),
  CONSTRAINT payments_user_id_fkey FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE SET NULL
);

CREATE TABLE recovery_codes (
  user_id text NOT NULL,
  code_hash text NOT NULL,
  used_at timestamp with time zone,
  created_at timestamp with time zone NOT NULL DEFAULT now(),
  CONSTRAINT recovery_codes_pkey PRIMARY KEY (user_id, code_hash),
  CONSTRAINT recovery_codes_user_id_fkey FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
);

CREATE TABLE reveal_audit (
  id text NOT NULL,
  created_at timestamp with time zone NOT NULL DEFAULT now(),
  user_id text,
  email text,
  role text,
  card_id text,
  account_id text,
  reason text,
  outcome text NOT NULL,
  deny_reason text,
  ip text,
  user_agent text,
  ephemeral_key_id text,
  kind text NOT NULL DEFAULT 'reveal'::text,
  component text,
  second_factor_method text,
  CONSTRAINT reveal_audit_component_check CHECK (((component IS NULL) OR (component = ANY (ARRAY['issuing_card'::text, 'issuing_cards_list'::text])))),
  CONSTRAINT reveal_audit_kind_check CHECK ((kind = ANY (ARRAY['reveal'::text, 'component_key'::text]))),
  CONSTRAINT reveal_audit_outcome_check CHECK ((outcome = ANY (ARRAY['granted'::text, 'denied'::text]))),
  CONSTRAINT reveal_audit_pkey PRIMARY KEY (id)
);

CREATE TABLE schema_migrations (
  version integer NOT NULL,
  name text NOT NULL,
  applied_at timestamp with time zone NOT NULL DEFAULT now(),
  CONSTRAINT schema_migrations_pkey PRIMARY KEY (version)
);

CREATE TABLE second_factors (
  id text NOT NULL,
  user_id text NOT NULL,
  kind text NOT NULL,
  label text NOT NULL,
  totp_secret text,
  totp_last_step bigint,
  credential_id text,
  public_key text,
  sign_count bigint,
  transports text,
  confirmed_at timestamp with time zone,
  last_used_at timestamp with time zone,
  created_at timestamp with time zone NOT NULL DEFAULT now(),
  CONSTRAINT second_factors_credential_id_key UNIQUE (credential_id),
  CONSTRAINT second_factors_kind_check CHECK ((kind = ANY (ARRAY['totp'::text, 'webauthn'::text]))),
  CONSTRAINT second_factors_pkey PRIMARY KEY (id),
  CONSTRAINT second_factors_user_id_fkey FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
);

CREATE TABLE sessions (
  id text NOT NULL,
  user_id text NOT NULL,
  created_at timestamp with time zone NOT NULL DEFAULT now(),
  expires_at timestamp with time zone NOT NULL,
  revoked_at timestamp with time zone,
  reauthenticated_at timestamp with time zone,
  retired_at timestamp with time zone,
  CONSTRAINT sessions_pkey PRIMARY KEY (id),
  CONSTRAINT sessions_user_id_fkey FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
);

CREATE TABLE stripe_object_state (
  object_id text NOT NULL,
  object_type text NOT NULL,
  account_id text,
  status text,
  event_id text NOT NULL,
  event_created bigint NOT NULL,
  updated_at timestamp with time zone NOT NULL DEFAULT now(),
  CONSTRAINT stripe_object_state_pkey PRIMARY KEY (object_id)
);

CREATE TABLE stripe_pacing_slots (
  bucket text NOT NULL,
  slot bigint NOT NULL,
  taken integer NOT NULL,
  CONSTRAINT stripe_pacing_slots_pkey PRIMARY KEY (bucket, slot)
);

CREATE TABLE trusted_devices (
  device_id text NOT NULL,
  account_key text NOT NULL,
  created_at timestamp with time zone NOT NULL DEFAULT now(),
  CONSTRAINT trusted_devices_pkey PRIMARY KEY (device_id, account_key)
);

CREATE TABLE users (
  id text NOT NULL,
  email text NOT NULL,
  password_hash text NOT NULL,
  role text NOT NULL,
  disabled boolean NOT NULL DEFAULT false,
  created_at timestamp with time zone NOT NULL DEFAULT now(),
  oidc_subject text,
  CONSTRAINT users_email_key UNIQUE (email),
  CONSTRAINT users_oidc_subject_key UNIQUE (oidc_subject),
  CONSTRAINT users_pkey PRIMARY KEY (id),
  CONSTRAINT users_role_check CHECK ((role = ANY (ARRAY['platform_admin'::text, 'account_user'::text, 'support_agent'::text])))
);

CREATE TABLE webauthn_challenges (
  id text NOT NULL,
  session_id text NOT NULL,
  user_id text NOT NULL,
  purpose text NOT NULL,
  challenge text NOT NULL,
  expires_at timestamp with time zone NOT NULL,
  CONSTRAINT webauthn_challenges_pkey PRIMARY KEY (id),
  CONSTRAINT webauthn_challenges_purpose_check CHECK ((purpose = ANY (ARRAY['register'::text, 'authenticate'::text]))),
  CONSTRAINT webauthn_challenges_user_id_fkey FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
);

CREATE TABLE webhook_events (
  id text NOT NULL,
  type text NOT NULL,
  account_id text,
  received_at timestamp with time zone NOT NULL DEFAULT now(),
  processed_at timestamp with time zone,
  event_created bigint,
  object_id text,
  object_type text,
  CONSTRAINT webhook_events_pkey PRIMARY KEY (id)
);

-- Indexes (those of primary keys and unique constraints are listed with their table).
CREATE INDEX audit_trail_account_idx ON public.audit_trail USING btree (account_id, seq DESC);
CREATE INDEX audit_trail_actor_idx ON public.audit_trail USING btree (actor_user_id, seq DESC);
CREATE INDEX audit_trail_card_idx ON public.audit_trail USING btree (card_id, seq DESC);
CREATE INDEX audit_trail_created_idx ON public.audit_trail USING btree (created_at DESC, seq DESC);
CREATE INDEX audit_trail_kind_idx ON public.audit_trail USING btree (kind, seq DESC);
CREATE INDEX audit_trail_reveal_idx ON public.audit_trail USING btree (((details ->> 'reveal_audit_id'::text)), seq DESC) WHERE ((details ->> 'reveal_audit_id'::text) IS NOT NULL);
CREATE INDEX card_index_account_created_idx ON public.card_index USING btree (account_id, created DESC, card_id DESC);
CREATE INDEX card_index_account_status_idx ON public.card_index USING btree (account_id, status);
CREATE INDEX card_index_cardholder_idx ON public.card_index USING btree (cardholder_id);
CREATE INDEX card_index_created_idx ON public.card_index USING btree (created DESC, card_id DESC);
CREATE INDEX card_index_last4_created_idx ON public.card_index USING btree (last4, created DESC, card_id DESC);
CREATE INDEX card_index_replacement_for_idx ON public.card_index USING btree (replacement_for) WHERE (replacement_for IS NOT NULL);
CREATE INDEX card_index_accounts_pending_idx ON public.card_index_accounts USING btree (account_id) WHERE (backfilled_at IS NULL);
CREATE INDEX cardholder_index_email_idx ON public.cardholder_index USING btree (lower(email));
CREATE INDEX cardholder_index_email_trgm ON public.cardholder_index USING gin (lower(email) gin_trgm_ops);
CREATE INDEX cardholder_index_name_trgm ON public.cardholder_index USING gin (lower(name) gin_trgm_ops);
CREATE INDEX invitations_user_idx ON public.invitations USING btree (user_id);
CREATE INDEX login_failures_failed_at_idx ON public.login_failures USING btree (failed_at);
CREATE INDEX login_failures_key_idx ON public.login_failures USING btree (key, failed_at);
CREATE INDEX mirror_authorizations_account_idx ON public.mirror_authorizations USING btree (account_id, created DESC, seq DESC) INCLUDE (approved, status, currency, decline_reason, shown_amount, merchant_name);
CREATE INDEX mirror_authorizations_account_status_idx ON public.mirror_authorizations USING btree (account_id, status, created DESC, seq DESC);
CREATE INDEX mirror_authorizations_card_idx ON public.mirror_authorizations USING btree (card_id, created DESC, seq DESC) INCLUDE (id, account_id, approved, status, amount, captured, category, currency, decline_reason, shown_amount, merchant_name);
CREATE INDEX mirror_authorizations_cardholder_idx ON public.mirror_authorizations USING btree (cardholder_id, created) INCLUDE (id, account_id, approved, status, amount, captured, category);
CREATE INDEX mirror_transactions_account_idx ON public.mirror_transactions USING btree (account_id, created DESC, id DESC);
CREATE INDEX mirror_transactions_authorization_idx ON public.mirror_transactions USING btree (authorization_id) INCLUDE (type, amount);
CREATE INDEX mirror_transactions_card_idx ON public.mirror_transactions USING btree (card_id, created DESC, id DESC);
CREATE INDEX oidc_pending_links_user_idx ON public.oidc_pending_links USING btree (user_id);
CREATE INDEX reveal_audit_card_idx ON public.reveal_audit USING btree (card_id, created_at);
CREATE INDEX reveal_audit_created_idx ON public.reveal_audit USING btree (created_at);
CREATE INDEX reveal_audit_denied_user_idx ON public.reveal_audit USING btree (user_id, created_at) WHERE (outcome = 'denied'::text);
CREATE INDEX reveal_audit_probing_ip_idx ON public.reveal_audit USING btree (ip, created_at) WHERE ((outcome = 'denied'::text) AND (deny_reason = ANY (ARRAY['card_not_found'::text, 'out_of_scope'::text, 'reason_required'::text, 'role_lacks_reveal'::text, 'not_permitted'::text, 'component_keys_not_allowed'::text, 'rate_limited'::text, 'too_many_cards'::text])));
CREATE INDEX reveal_audit_probing_user_idx ON public.reveal_audit USING btree (user_id, created_at) WHERE ((outcome = 'denied'::text) AND (deny_reason = ANY (ARRAY['card_not_found'::text, 'out_of_scope'::text, 'reason_required'::text, 'role_lacks_reveal'::text, 'not_permitted'::text, 'component_keys_not_allowed'::text, 'rate_limited'::text, 'too_many_cards'::text])));
CREATE INDEX reveal_audit_user_idx ON public.reveal_audit USING btree (user_id, created_at);
CREATE INDEX reveal_audit_user_kind_idx ON public.reveal_audit USING btree (user_id, kind, created_at);
CREATE INDEX second_factors_user_idx ON public.second_factors USING btree (user_id);
CREATE INDEX sessions_user_idx ON public.sessions USING btree (user_id);
CREATE INDEX stripe_pacing_slots_slot ON public.stripe_pacing_slots USING btree (slot);
CREATE INDEX trusted_devices_created_idx ON public.trusted_devices USING btree (created_at);
CREATE INDEX webauthn_challenges_session_idx ON public.webauthn_challenges USING btree (session_id);

-- Triggers.
CREATE TRIGGER reveal_audit_trail AFTER INSERT OR UPDATE OF outcome ON public.reveal_audit FOR EACH ROW EXECUTE FUNCTION reveal_audit_to_trail();

-- Functions (signatures; the bodies are in the migrations).
FUNCTION audit_append(p_kind text, p_actor_user_id text, p_actor_email text, p_actor_role text, p_account_id text, p_card_id text, p_cardholder_id text, p_subject text, p_details jsonb, p_ip text, p_user_agent text) RETURNS bigint LANGUAGE plpgsql VOLATILE;
FUNCTION audit_trail_content(t audit_trail) RETURNS text LANGUAGE sql STABLE;
FUNCTION card_secret_grant(p_kind text, p_id text, p_user_id text, p_email text, p_role text, p_card_id text, p_account_id text, p_reason text, p_component text, p_ip text, p_user_agent text, p_session_id text, p_per_minute integer, p_per_card_seconds integer, p_distinct_per_hour integer, p_second_factor_method text) RETURNS text LANGUAGE plpgsql VOLATILE;
FUNCTION card_secrets_bound_met(p_user_id text, p_card_id text, p_distinct_per_hour integer) RETURNS boolean LANGUAGE plpgsql STABLE;
FUNCTION component_key_grant(p_id text, p_user_id text, p_email text, p_role text, p_card_id text, p_account_id text, p_component text, p_ip text, p_user_agent text, p_session_id text, p_per_minute integer, p_per_card_seconds integer, p_distinct_per_hour integer, p_second_factor_method text) RETURNS text LANGUAGE plpgsql VOLATILE;
FUNCTION mirror_reported(p_account text) RETURNS void LANGUAGE plpgsql VOLATILE;
FUNCTION mirror_write(p_authorizations jsonb, p_transactions jsonb, p_reported text) RETURNS void LANGUAGE plpgsql VOLATILE;
FUNCTION record_ephemeral_key_ids(p_audit_ids text[], p_key_ids text[]) RETURNS void LANGUAGE plpgsql VOLATILE;
FUNCTION refused_reveal_counts(p_user_id text, p_ip text, OUT by_user bigint, OUT by_ip bigint) RETURNS record LANGUAGE plpgsql STABLE;
FUNCTION reveal_audit_grant(p_id text, p_user_id text, p_email text, p_role text, p_card_id text, p_account_id text, p_reason text, p_ip text, p_user_agent text, p_per_minute integer, p_distinct_per_hour integer) RETURNS text LANGUAGE plpgsql VOLATILE;
FUNCTION reveal_audit_grant_with_method(p_id text, p_user_id text, p_email text, p_role text, p_card_id text, p_account_id text, p_reason text, p_ip text, p_user_agent text, p_per_minute integer, p_distinct_per_hour integer, p_second_factor_method text) RETURNS text LANGUAGE plpgsql VOLATILE;
FUNCTION reveal_audit_to_trail() RETURNS trigger LANGUAGE plpgsql VOLATILE;
FUNCTION session_access_of(p_session_id text) RETURNS TABLE(user_id text, user_role text, memberships text[]) LANGUAGE plpgsql STABLE;
FUNCTION session_user_of(p_session_id text) RETURNS TABLE(user_id text, user_email text, user_role text, retired boolean) LANGUAGE plpgsql STABLE;
FUNCTION session_user_with_refused_reveals(p_session_id text, p_ip text) RETURNS TABLE(user_id text, user_email text, user_role text, retired boolean, refused_by_user bigint, refused_by_ip bigint) LANGUAGE plpgsql STABLE;
FUNCTION stripe_pacing_take(p_endpoint text, p_global_limit integer, p_endpoint_limit integer, p_slot_ms integer, p_window_slots integer, p_horizon_slots integer) RETURNS bigint LANGUAGE plpgsql VOLATILE;
