-- Each failed sign-in deletes a bounded batch of rows past the throttle window
-- (server/plugins/app/login-throttle.ts); this index finds them without scanning the table.
CREATE INDEX login_failures_failed_at_idx ON login_failures (failed_at);
