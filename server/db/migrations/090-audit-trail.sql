-- The audit trail: one append-only, hash-chained row per state-changing action and per
-- card-secret access (docs/decisions/090-audit-trail.md). Each row's hash covers its content and
-- the previous row's hash, so altering, deleting or inserting a row anywhere breaks the chain
-- from there on; `npm run audit:verify` recomputes it.

CREATE TABLE audit_trail (
  -- Position in the chain: 1, 2, 3… without gaps (a gap is a deleted row).
  seq bigint PRIMARY KEY,
  id text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL,
  -- What happened: sign_in, reveal, component_key, card.issued, card.status_changed,
  -- card.spending_controls_changed, card.pin_set, card.frozen_lost, account_session.created,
  -- cardholder.created, cardholder.updated, user.added, user.disabled…
  kind text NOT NULL,
  -- Who did it (null: Stripe or someone outside the dashboard; details say what is known).
  actor_user_id text,
  actor_email text,
  actor_role text,
  account_id text,
  card_id text,
  cardholder_id text,
  -- The thing acted on when it is none of the above (a user's email for user administration).
  subject text,
  -- Kind-specific facts: outcome, reason, before/after, Stripe's request and event ids.
  details jsonb NOT NULL DEFAULT '{}'::jsonb,
  ip text,
  user_agent text,
  prev_hash text NOT NULL,
  hash text NOT NULL
);
CREATE INDEX audit_trail_created_idx ON audit_trail (created_at DESC, seq DESC);
CREATE INDEX audit_trail_kind_idx ON audit_trail (kind, seq DESC);
CREATE INDEX audit_trail_actor_idx ON audit_trail (actor_user_id, seq DESC);
CREATE INDEX audit_trail_account_idx ON audit_trail (account_id, seq DESC);
CREATE INDEX audit_trail_card_idx ON audit_trail (card_id, seq DESC);

-- The text a row's hash covers, the same on PostgreSQL and PGlite: a JSON array of every column
-- but the hash itself, the time in UTC with microseconds, `details` as jsonb prints it (keys in
-- a fixed order, whatever order they were written in). The verifier hashes this text itself
-- (sha256 of prev_hash || '|' || content), so it does not trust a hash the database computed.
CREATE FUNCTION audit_trail_content(t audit_trail) RETURNS text
LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_array(
    t.seq, t.id, to_char(t.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), t.kind,
    t.actor_user_id, t.actor_email, t.actor_role, t.account_id, t.card_id, t.cardholder_id,
    t.subject, t.details, t.ip, t.user_agent, t.prev_hash
  )::text
$$;

-- Appends one row and returns its seq. The advisory lock serializes writers until their
-- transaction ends (across connections and instances on PostgreSQL; PGlite has one connection),
-- so two writers never chain onto the same previous row; called inside a caller's transaction,
-- the row commits or rolls back with the change it records.
CREATE FUNCTION audit_append(
  p_kind text, p_actor_user_id text, p_actor_email text, p_actor_role text,
  p_account_id text, p_card_id text, p_cardholder_id text, p_subject text,
  p_details jsonb, p_ip text, p_user_agent text
) RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  last_row audit_trail;
  r audit_trail;
BEGIN
  PERFORM pg_advisory_xact_lock(724311090);
  SELECT * INTO last_row FROM audit_trail ORDER BY seq DESC LIMIT 1;
  r.seq := coalesce(last_row.seq, 0) + 1;
  r.id := 'aud_' || replace(gen_random_uuid()::text, '-', '');
  -- After the lock: times rise with seq.
  r.created_at := greatest(clock_timestamp(), coalesce(last_row.created_at, '-infinity'::timestamptz));
  r.kind := p_kind;
  r.actor_user_id := p_actor_user_id;
  r.actor_email := p_actor_email;
  r.actor_role := p_actor_role;
  r.account_id := p_account_id;
  r.card_id := p_card_id;
  r.cardholder_id := p_cardholder_id;
  r.subject := p_subject;
  r.details := coalesce(p_details, '{}'::jsonb);
  r.ip := p_ip;
  r.user_agent := p_user_agent;
  r.prev_hash := coalesce(last_row.hash, repeat('0', 64));
  r.hash := encode(sha256(convert_to(r.prev_hash || '|' || audit_trail_content(r), 'UTF8')), 'hex');
  INSERT INTO audit_trail VALUES (r.*);
  RETURN r.seq;
END
$$;

-- Reveals and component keys enter the trail from the reveal log itself: every attempt written
-- to reveal_audit (granted or denied) and every later change of its outcome (a key Stripe
-- refused: kind `reveal.key_refused`) is appended in the same transaction, whichever code path
-- wrote it. A `kind` column, where reveal_audit has one, names the trail kind (reveal | component_key).
CREATE FUNCTION reveal_audit_to_trail() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  r jsonb := to_jsonb(NEW);
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.outcome IS NOT DISTINCT FROM OLD.outcome THEN
    RETURN NULL;
  END IF;
  PERFORM audit_append(
    coalesce(r->>'kind', 'reveal') || CASE WHEN TG_OP = 'UPDATE' THEN '.key_refused' ELSE '' END, NEW.user_id, NEW.email, NEW.role, NEW.account_id, NEW.card_id, NULL, NULL,
    jsonb_strip_nulls(jsonb_build_object(
      'outcome', NEW.outcome, 'reason', NEW.reason, 'deny_reason', NEW.deny_reason, 'reveal_audit_id', NEW.id
    )),
    NEW.ip, NEW.user_agent
  );
  RETURN NULL;
END
$$;

CREATE TRIGGER reveal_audit_trail AFTER INSERT OR UPDATE OF outcome ON reveal_audit
  FOR EACH ROW EXECUTE FUNCTION reveal_audit_to_trail();
