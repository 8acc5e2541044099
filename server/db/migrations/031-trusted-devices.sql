-- Browsers that have signed in to an account (a random id in the HttpOnly `cid_device` cookie):
-- failed sign-ins by strangers do not slow them down (server/plugins/app/login-throttle.ts,
-- docs/decisions/031-sign-in-throttling.md).
CREATE TABLE trusted_devices (
  device_id text NOT NULL,
  account_key text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (device_id, account_key)
);
CREATE INDEX trusted_devices_created_idx ON trusted_devices (created_at);
