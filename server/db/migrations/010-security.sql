-- Failed sign-ins, counted per IP address and per account (email) over a sliding window, so that
-- password guessing is slowed across instances and restarts (server/plugins/app/login-throttle.ts).
CREATE TABLE login_failures (
  key text NOT NULL,
  failed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_key_idx ON login_failures (key, failed_at);

-- Webhook events: when Stripe created them and which object they are about, so that an older
-- event arriving after a newer one does not overwrite what the newer one recorded.
ALTER TABLE webhook_events ADD COLUMN event_created bigint;
ALTER TABLE webhook_events ADD COLUMN object_id text;
ALTER TABLE webhook_events ADD COLUMN object_type text;

-- The latest state Stripe reported by webhook for each object (card, cardholder, authorization):
-- latest event wins, whatever the order of delivery.
CREATE TABLE stripe_object_state (
  object_id text PRIMARY KEY,
  object_type text NOT NULL,
  account_id text,
  status text,
  event_id text NOT NULL,
  event_created bigint NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
